"""Writing registry facts in batches: rows and their ledger leaves in the caller's transaction.

The services (one birth from the API) and the importer (a thousand records at a time) both end here, so a fact
gets the same newborn ID rules, the same leaf and the same commitments whichever way it arrives. Nothing here
checks permissions or audits: callers do (`services.py`, `importer.py`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.registry.events import facts_written
from kinward.apps.registry.fastinsert import loaded_row, rows_insert
from kinward.apps.registry.ledger import append_leaves, event_leaf, rfc3339
from kinward.apps.registry.models import (
    AdoptiveParent,
    AntenatalVisit,
    Birth,
    CustodyEvent,
    Person,
    Pregnancy,
    PregnancyEvent,
    Registration,
    Staff,
)
from kinward.engines.ids import new_ids
from kinward.engines.ledger import new_record_secret

PERSON_FIELDS = (
    "id",
    "given_name",
    "family_name",
    "birth_date",
    "id_document_type",
    "id_document_number",
    "id_document_country",
    "phone",
)


def _persons(ids: set[int]) -> dict[int, Person]:
    ids.discard(None)
    if not ids:
        return {}
    rows = Person.objects.filter(pk__in_ids=ids).values_list(*PERSON_FIELDS)
    return {values[0]: loaded_row(Person, PERSON_FIELDS, values) for values in rows}


def _staff_names(ids: set[int]) -> dict[int, str]:
    ids.discard(None)
    return dict(Staff.objects.filter(pk__in_ids=ids).values_list("pk", "name")) if ids else {}


def _stamp(rows: Sequence[Any], actor: Actor | None, now: dt.datetime) -> None:
    for row in rows:
        row.record_secret = new_record_secret()
        row.recorded_at = now
        row.recorded_by_user_id = actor.user_id if actor else None
        row.recorded_by_token_id = actor.token_id if actor else None


def newborn_ids_allocate(count: int) -> list[str]:
    """`count` fresh newborn IDs (ids engine) that no birth holds yet; redraws the rare collision."""
    chosen: list[str] = []
    while len(chosen) < count:
        drawn = new_ids(count - len(chosen), exclude=set(chosen))
        taken = set(Birth.objects.filter(newborn_id__in=drawn).values_list("newborn_id", flat=True))
        chosen.extend(i for i in drawn if i not in taken)
    return chosen


# --- births --------------------------------------------------------------------------------------------------


def birth_leaf(birth: Birth, persons: dict[int, Person], staff: dict[int, str]) -> bytes:
    mother = persons.get(birth.mother_id)
    return event_leaf(
        kind="birth",
        event_id=str(birth.event_id),
        newborn_id=birth.newborn_id,
        time=rfc3339(birth.time, birth.utc_offset),
        facility_id=birth.facility_id,
        secret=bytes(birth.record_secret),
        personal={
            "mother": mother.personal_values() if mother else None,
            "mother_absent_reason": birth.mother_absent_reason,
            "sex": birth.sex,
            "weight_g": birth.weight_g,
            "outcome": birth.outcome,
            "attendant": staff.get(birth.attendant_id),
            "delivery": birth.delivery,
            "pregnancy": birth.pregnancy_id,
            "external_ref": [birth.source, birth.external_ref] if birth.external_ref else None,
        },
    )


def births_write(births: list[Birth], *, actor: Actor | None) -> list[Birth]:
    """Insert unsaved, validated births with their leaves; issue newborn IDs to those without one."""
    assert transaction.get_connection().in_atomic_block
    now = timezone.now()
    missing = [b for b in births if not b.newborn_id]
    for birth, issued in zip(missing, newborn_ids_allocate(len(missing)), strict=True):
        birth.newborn_id = issued
    _stamp(births, actor, now)
    persons = _persons({b.mother_id for b in births})
    staff = _staff_names({b.attendant_id for b in births})
    indexes = append_leaves([birth_leaf(b, persons, staff) for b in births])
    for birth, index in zip(births, indexes, strict=True):
        birth.ledger_index = index
    return facts_written("births", rows_insert(births), actor=actor)


# --- custody events ------------------------------------------------------------------------------------------


def custody_leaf(
    event: CustodyEvent,
    *,
    newborn_id: str,
    corrected_event_id: str | None,
    parents: list[int],
    persons: dict[int, Person],
    staff: dict[int, str],
) -> bytes:
    def person(pk):
        return persons[pk].personal_values() if pk in persons else None

    return event_leaf(
        kind=f"custody.{event.type}",
        event_id=str(event.event_id),
        newborn_id=newborn_id,
        time=rfc3339(event.time, event.utc_offset),
        facility_id=event.facility_id,
        secret=bytes(event.record_secret),
        identifiers={
            "to_facility": event.to_facility_id,
            "authority": event.authority_id,
            "adoption_agency": event.adoption_agency_id,
            "corrects": corrected_event_id,
            "field": event.corrected_field,
        },
        personal={
            "recorded_by": staff.get(event.recorded_by_id),
            "to": person(event.to_person_id),
            "relationship": event.relationship,
            "relationship_detail": event.relationship_detail,
            "id_document_checked": event.id_document_checked,
            "guardianship_document": event.guardianship_document,
            "place": event.place,
            "found_by": event.found_by,
            "condition": event.condition,
            "decision_number": event.decision_number,
            "decided_on": event.decided_on.isoformat() if event.decided_on else None,
            "adoptive_parents": [person(p) for p in parents],
            "cause": event.cause,
            "new_value": event.new_value,
            "reason": event.reason,
            "external_ref": [event.source, event.external_ref] if event.external_ref else None,
        },
    )


def newborn_ids_of(child_ids: set[int | None]) -> dict[int, str]:
    """The newborn ID of each of these children (one query)."""
    child_ids.discard(None)
    return dict(Birth.objects.filter(pk__in_ids=child_ids).values_list("pk", "newborn_id")) if child_ids else {}


def custody_leaves(events: Sequence[CustodyEvent], parents: Sequence[list[int]]) -> list[bytes]:
    """The leaves of these custody events as written (`parents[i]`: the Person ids of the adoptive parents of
    `events[i]`, in order): each child's newborn ID, the corrected event's id, and every person and staff member
    they name, one query each. The write path and `ledger_audit` both build leaves here."""
    newborn = newborn_ids_of({e.child_id for e in events})
    corrected_ids = {e.corrects_id for e in events if e.corrects_id}
    corrected = dict(CustodyEvent.objects.filter(pk__in_ids=corrected_ids).values_list("pk", "event_id"))
    persons = _persons({e.to_person_id for e in events} | {p for ps in parents for p in ps})
    staff = _staff_names({e.recorded_by_id for e in events})
    return [
        custody_leaf(
            e,
            newborn_id=newborn.get(e.child_id, ""),
            corrected_event_id=str(corrected.get(e.corrects_id)) if e.corrects_id else None,
            parents=event_parents,
            persons=persons,
            staff=staff,
        )
        for e, event_parents in zip(events, parents, strict=True)
    ]


def custody_events_write(
    events: list[CustodyEvent], *, actor: Actor | None, parents: dict[int, list[int]] | None = None
) -> list[CustodyEvent]:
    """Insert unsaved, validated custody events with their leaves. `parents` maps a position in `events` to
    the Person ids of an adoption order's adoptive parents."""
    assert transaction.get_connection().in_atomic_block
    parents = parents or {}
    _stamp(events, actor, timezone.now())
    leaves = custody_leaves(events, [parents.get(i, []) for i in range(len(events))])
    for event, index in zip(events, append_leaves(leaves), strict=True):
        event.ledger_index = index
    created = rows_insert(events)
    links = [
        AdoptiveParent(event=created[i], person_id=p, position=n)
        for i, ps in parents.items()
        for n, p in enumerate(ps)
    ]
    if links:
        AdoptiveParent.objects.bulk_create(links)
    return facts_written("custody_events", created, actor=actor)


# --- antenatal care: enrolments and visits -------------------------------------------------------------------


def pregnancy_leaf(pregnancy: Pregnancy, persons: dict[int, Person]) -> bytes:
    """The enrolment's leaf: the date and facility in clear; the mother, the expected date and the visit dates
    as enrolled or imported only as commitments (also what `ledger_audit` rebuilds to compare)."""
    mother = persons.get(pregnancy.mother_id)
    return event_leaf(
        kind="pregnancy.enrolled",
        event_id=str(pregnancy.event_id),
        newborn_id=None,
        time=pregnancy.enrolled_on.isoformat(),
        facility_id=pregnancy.facility_id,
        secret=bytes(pregnancy.record_secret),
        personal={
            "mother": mother.personal_values() if mother else None,
            "expected_date": pregnancy.expected_date.isoformat(),
            "visits": list(pregnancy.visits),
            "external_ref": [pregnancy.source, pregnancy.external_ref] if pregnancy.external_ref else None,
        },
    )


def pregnancies_write(pregnancies: list[Pregnancy], *, actor: Actor | None) -> list[Pregnancy]:
    """Insert unsaved, validated pregnancies (antenatal enrolments) with their leaves: one query for the
    mothers, one append, one insert per batch."""
    assert transaction.get_connection().in_atomic_block
    _stamp(pregnancies, actor, timezone.now())
    persons = _persons({p.mother_id for p in pregnancies})
    indexes = append_leaves([pregnancy_leaf(p, persons) for p in pregnancies])
    for pregnancy, index in zip(pregnancies, indexes, strict=True):
        pregnancy.ledger_index = index
    return facts_written("pregnancies", rows_insert(pregnancies), actor=actor)


def antenatal_visit_leaf(visit: AntenatalVisit, *, facility_id: int, staff: dict[int, str]) -> bytes:
    """A visit's leaf: its date and the pregnancy's facility in clear; the pregnancy and who recorded the visit
    only as commitments (as a pregnancy event's leaf)."""
    return event_leaf(
        kind="pregnancy.visit",
        event_id=str(visit.event_id),
        newborn_id=None,
        time=visit.date.isoformat(),
        facility_id=facility_id,
        secret=bytes(visit.record_secret),
        personal={
            "pregnancy": visit.pregnancy_id,
            "recorded_by": staff.get(visit.recorded_by_id),
            "external_ref": [visit.source, visit.external_ref] if visit.external_ref else None,
        },
    )


def antenatal_visits_write(visits: list[AntenatalVisit], *, actor: Actor | None) -> list[AntenatalVisit]:
    """Insert unsaved, validated antenatal visits with their leaves."""
    assert transaction.get_connection().in_atomic_block
    _stamp(visits, actor, timezone.now())
    pregnancy_ids = {v.pregnancy_id for v in visits}
    facility = dict(Pregnancy.objects.filter(pk__in_ids=pregnancy_ids).values_list("pk", "facility_id"))
    staff = _staff_names({v.recorded_by_id for v in visits})
    leaves = [antenatal_visit_leaf(v, facility_id=facility[v.pregnancy_id], staff=staff) for v in visits]
    for visit, index in zip(visits, append_leaves(leaves), strict=True):
        visit.ledger_index = index
    return rows_insert(visits)


# --- pregnancy events and registrations ---------------------------------------------------------------------


def pregnancy_event_leaf(event: PregnancyEvent, staff: dict[int, str]) -> bytes:
    """A pregnancy event's leaf (loss, transfer out, moved away): its date and facility in clear; the pregnancy
    and who recorded it only as commitments (also what `ledger_audit` rebuilds to compare)."""
    return event_leaf(
        kind=f"pregnancy.{event.type}",
        event_id=str(event.event_id),
        newborn_id=None,
        time=event.date.isoformat(),
        facility_id=event.facility_id,
        secret=bytes(event.record_secret),
        personal={
            "pregnancy": event.pregnancy_id,
            "recorded_by": staff.get(event.recorded_by_id),
            "external_ref": [event.source, event.external_ref] if event.external_ref else None,
        },
    )


def pregnancy_events_write(events: list[PregnancyEvent], *, actor: Actor | None) -> list[PregnancyEvent]:
    """Insert unsaved, validated pregnancy events (loss, transfer out, moved away) with their leaves."""
    assert transaction.get_connection().in_atomic_block
    _stamp(events, actor, timezone.now())
    staff = _staff_names({e.recorded_by_id for e in events})
    leaves = [pregnancy_event_leaf(e, staff) for e in events]
    for event, index in zip(events, append_leaves(leaves), strict=True):
        event.ledger_index = index
    return facts_written("pregnancy_events", rows_insert(events), actor=actor)


def registration_leaf(registration: Registration, birth: Birth, *, registry_agency_id: int | None) -> bytes:
    """A completed registration's leaf: the birth's ids, the completion time, the registry office and lateness
    (nothing personal). The row does not keep the office: `ledger_audit` takes it from the stored leaf."""
    return event_leaf(
        kind="birth.registered",
        event_id=str(birth.event_id),
        newborn_id=birth.newborn_id,
        time=registration.completed_at.isoformat(timespec="seconds"),
        facility_id=registry_agency_id,
        secret=bytes(birth.record_secret),
        identifiers={"late": registration.is_late},
    )


def registration_complete(registration: Registration, *, registry_agency_id: int | None) -> Registration:
    """Mark a registration complete and log it (the leaf names the birth, the registry office and lateness)."""
    assert transaction.get_connection().in_atomic_block
    registration.completed_at = timezone.now()
    leaf = registration_leaf(registration, registration.birth, registry_agency_id=registry_agency_id)
    registration.ledger_index = append_leaves([leaf]).start
    registration.save(update_fields=["ledger_index", "completed_at", "approved_by"])
    return registration
