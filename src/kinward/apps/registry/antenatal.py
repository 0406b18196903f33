"""Antenatal care: enrol a pregnancy, record its visits, record how it ended without a birth here.

Each is a registry fact (ARCHITECTURE.md: every event is a row and a ledger leaf in the same transaction): the
enrolment (`Pregnancy`, leaf kind `pregnancy.enrolled`), each visit recorded here (`AntenatalVisit`,
`pregnancy.visit`) and an ending (`PregnancyEvent`, `pregnancy.<type>`) are written with their leaves by
`writes.py`, the importer's writers, with the audit entry in the same transaction. What ends a pregnancy
(`pregnancies_without_end`, `pregnancy_end_problem`) is decided here too; a birth's link is checked against it.
Reads (the open list, one pregnancy and its timeline) are in `selectors.py`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry import writes
from kinward.apps.registry.models import AntenatalVisit, Birth, Person, Pregnancy, PregnancyEvent, Staff
from kinward.apps.registry.people import (
    FACILITY_KINDS,
    PersonData,
    agency_scope,
    person_resolve,
    staff_resolve,
)

PREGNANCY_RECORD = "registry.pregnancy.record"
PREGNANCY_VIEW = "registry.pregnancy.view"
# Term is about 40 weeks after the last period: an expected date more than 44 weeks after enrolment is a typo.
MAX_WEEKS_TO_EXPECTED = 44
# INTERCHANGE.md (births): a birth recorded without its pregnancy ends the open pregnancy of the same woman when
# it falls between 16 weeks before and 6 weeks after that pregnancy's expected date.
UNLINKED_BIRTH_BEFORE = dt.timedelta(weeks=16)
UNLINKED_BIRTH_AFTER = dt.timedelta(weeks=6)
# The vanished_pregnancy rule's default grace period: past it, an open pregnancy is a red flag.
OVERDUE_AFTER = dt.timedelta(weeks=6)


def _identity(person: Person) -> tuple[str, str, str] | None:
    if not person.id_document_number:
        return None
    return (person.id_document_type, person.id_document_number, person.id_document_country)


def pregnancies_without_end(pregnancies: list[Pregnancy]) -> list[Pregnancy]:
    """The pregnancies (mothers selected) with no ending record: no birth linked, no loss, transfer or move,
    and no birth of the same woman (same person or identity document) recorded without a pregnancy inside the
    window INTERCHANGE.md gives. The same test as the vanished_pregnancy rule's."""
    ids = [p.pk for p in pregnancies]
    ended_ids = set(Birth.objects.filter(pregnancy_id__in=ids).values_list("pregnancy_id", flat=True))
    ended_ids |= set(
        PregnancyEvent.objects.filter(pregnancy_id__in=ids).values_list("pregnancy_id", flat=True)
    )
    candidates = [p for p in pregnancies if p.pk not in ended_ids]
    if not candidates:
        return []
    mothers = {p.mother_id for p in candidates}
    numbers = {p.mother.id_document_number for p in candidates if p.mother.id_document_number}
    by_mother: dict[int, list[dt.date]] = defaultdict(list)
    by_identity: dict[tuple[str, str, str], list[dt.date]] = defaultdict(list)
    unlinked = Birth.objects.filter(pregnancy__isnull=True).filter(
        Q(mother_id__in=mothers) | Q(mother__id_document_number__in=numbers)
    )
    for birth in unlinked.select_related("mother").only("time", "mother"):
        by_mother[birth.mother_id].append(birth.time.date())
        identity = _identity(birth.mother)
        if identity:
            by_identity[identity].append(birth.time.date())

    def ended(p: Pregnancy) -> bool:
        days = by_mother[p.mother_id] + by_identity.get(_identity(p.mother), [])
        start, end = p.expected_date - UNLINKED_BIRTH_BEFORE, p.expected_date + UNLINKED_BIRTH_AFTER
        return any(start <= day <= end for day in days)

    return [p for p in candidates if not ended(p)]


def pregnancy_end_problem(pregnancy: Pregnancy, *, delivery: str = "") -> str:
    """Why no more birth may be linked to this pregnancy ('' when one may): it ended with a loss, transfer or
    move, or with a birth of another delivery (twins share their delivery key)."""
    event = pregnancy.events.order_by("date").first()
    if event is not None:
        return f"this pregnancy ended ({event.get_type_display()}) on {event.date.isoformat()}"
    deliveries = set(pregnancy.births.values_list("delivery", flat=True))
    if deliveries and (not delivery or delivery not in deliveries):
        return "this pregnancy already ended with a birth; a twin is notified with its sibling's delivery"
    return ""


def _antenatal_dates(*, today: dt.date, enrolled_on: dt.date, expected_date: dt.date) -> dict[str, str]:
    problems = {}
    if enrolled_on > today:
        problems["enrolled_on"] = "an enrolment cannot be dated in the future"
    if expected_date <= enrolled_on:
        problems["expected_date"] = "the expected date comes after the enrolment"
    elif expected_date > enrolled_on + dt.timedelta(weeks=MAX_WEEKS_TO_EXPECTED):
        problems["expected_date"] = f"more than {MAX_WEEKS_TO_EXPECTED} weeks after the enrolment"
    return problems


def pregnancy_enrol(
    *,
    actor: Actor,
    facility: Agency,
    mother: PersonData,
    expected_date: dt.date,
    enrolled_on: dt.date | None = None,
) -> Pregnancy:
    """Enrol a woman's pregnancy in antenatal care at `facility`; the mother is resolved by identity document.
    A woman has at most one open pregnancy at a facility."""
    require(actor, PREGNANCY_RECORD, agency_scope(facility), object_type="agency", object_id=facility.pk)
    today = timezone.localdate()
    enrolled_on = enrolled_on or today
    problems = _antenatal_dates(today=today, enrolled_on=enrolled_on, expected_date=expected_date)
    if facility.kind not in FACILITY_KINDS:
        problems["facility"] = f"the facility is a {facility.kind}, not a health facility"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        person = person_resolve(data=mother)
        already = pregnancies_without_end(
            list(Pregnancy.objects.filter(facility=facility, mother=person).select_related("mother"))
        )
        if already:
            raise ValidationError(
                {"mother": f"already enrolled here, expected on {already[0].expected_date.isoformat()}"}
            )
        pregnancy = Pregnancy(
            mother=person,
            facility=facility,
            enrolled_on=enrolled_on,
            expected_date=expected_date,
            visits=[enrolled_on.isoformat()],
        )
        (pregnancy,) = writes.pregnancies_write([pregnancy], actor=actor)
        audit_record(
            actor=actor, action="registry.pregnancy.enrol", object_type="pregnancy", object_id=pregnancy.pk
        )
    return pregnancy


def _locked_open_pregnancy(pregnancy: Pregnancy) -> Pregnancy:
    locked = Pregnancy.objects.select_for_update().select_related("mother").get(pk=pregnancy.pk)
    if not pregnancies_without_end([locked]):
        raise ValidationError(
            {"pregnancy": "this pregnancy has already ended (birth, loss, transfer or move)"}
        )
    return locked


def _recorder(pregnancy: Pregnancy, name: str, role: str) -> Staff | None:
    return staff_resolve(agency=pregnancy.facility, name=name, role=role) if name.strip() else None


def _antenatal_day(pregnancy: Pregnancy, day: dt.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({"date": "the date is in the future"})
    if day < pregnancy.enrolled_on:
        raise ValidationError({"date": f"before the enrolment on {pregnancy.enrolled_on.isoformat()}"})


def pregnancy_visit_record(
    *,
    actor: Actor,
    pregnancy: Pregnancy,
    date: dt.date,
    recorded_by_name: str = "",
    recorded_by_role: str = "midwife",
) -> AntenatalVisit:
    """Record an antenatal visit (its date, and who saw her if given) of an open pregnancy: a fact, the row and
    its leaf (kind `pregnancy.visit`)."""
    require(actor, PREGNANCY_RECORD, pregnancy, object_type="pregnancy", object_id=pregnancy.pk)
    _antenatal_day(pregnancy, date)
    with transaction.atomic():
        locked = _locked_open_pregnancy(pregnancy)
        if date.isoformat() in locked.visit_dates():
            raise ValidationError({"date": "a visit on this date is already recorded"})
        visit = AntenatalVisit(
            pregnancy=locked, date=date, recorded_by=_recorder(locked, recorded_by_name, recorded_by_role)
        )
        (visit,) = writes.antenatal_visits_write([visit], actor=actor)
        audit_record(
            actor=actor, action="registry.pregnancy.visit", object_type="pregnancy", object_id=pregnancy.pk
        )
    return visit


def pregnancy_end_record(
    *,
    actor: Actor,
    pregnancy: Pregnancy,
    type: str,
    date: dt.date,
    to_facility: Agency | None = None,
    recorded_by_name: str = "",
    recorded_by_role: str = "midwife",
) -> PregnancyEvent:
    """Record how an open pregnancy ended without a birth here: a loss, a transfer out to another health
    facility (`to_facility`), or moving away. A fact: the row and its ledger leaf (the importer's shape)."""
    require(actor, PREGNANCY_RECORD, pregnancy, object_type="pregnancy", object_id=pregnancy.pk)
    if type not in PregnancyEvent.Type.values:
        raise ValidationError({"type": f"use one of {', '.join(PregnancyEvent.Type.values)}"})
    _antenatal_day(pregnancy, date)
    if type == "transfer_out":
        if to_facility is None:
            raise ValidationError({"to_facility": "required for a transfer"})
        if to_facility.kind not in FACILITY_KINDS or to_facility.pk == pregnancy.facility_id:
            raise ValidationError({"to_facility": "a pregnancy is transferred to another health facility"})
    elif to_facility is not None:
        raise ValidationError({"to_facility": "only for a transfer"})
    with transaction.atomic():
        locked = _locked_open_pregnancy(pregnancy)
        staff = _recorder(locked, recorded_by_name, recorded_by_role)
        # INTERCHANGE.md: a pregnancy event's facility is the receiving facility of a transfer, else absent.
        event = PregnancyEvent(
            pregnancy=locked, type=type, date=date, facility=to_facility, recorded_by=staff
        )
        (event,) = writes.pregnancy_events_write([event], actor=actor)
        audit_record(
            actor=actor, action="registry.pregnancy.end", object_type="pregnancy_event", object_id=event.pk
        )
    return event
