"""Registry writes: notify a birth, record custody events, register births, sign checkpoints.

Each service checks permission with `require` before its transaction, validates, writes the row and its ledger
leaf (see `writes.py`), and records the audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from kinward.apps.accounts.authz import Actor, authorize
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry import writes
from kinward.apps.registry.antenatal import pregnancy_end_problem
from kinward.apps.registry.fastinsert import fast_row
from kinward.apps.registry.ledger import ledger_signer, registry_log
from kinward.apps.registry.models import (
    Birth,
    CustodyEvent,
    LedgerHead,
    Person,
    Pregnancy,
    Registration,
    Staff,
)
from kinward.apps.registry.people import (
    FACILITY_KINDS,
    PersonData,
    agency_scope,
    person_resolve,
    staff_resolve,
)
from kinward.apps.registry.timeline import correctable_fields, holding_facilities
from kinward.engines.ids import validate as validate_newborn_id
from kinward.engines.interchange.format import CUSTODY_COMMON_FIELDS, CUSTODY_EVENT_FIELDS


def utc_offset_minutes(value: dt.datetime) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError({"time": "give the time with its UTC offset (2026-03-01T04:12:00+07:00)"})
    return int(value.utcoffset().total_seconds() // 60)


# --- births --------------------------------------------------------------------------------------------------


def birth_problems(birth: Birth, facility_kind: str) -> list[tuple[str, str]]:
    """What is wrong with a birth before it is written (used by the API and the importer)."""
    problems = []
    if facility_kind not in FACILITY_KINDS:
        problems.append(("facility", f"the facility is a {facility_kind}, not a health facility"))
    if birth.mother_id is None and not birth.mother_absent_reason:
        problems.append(("mother_absent_reason", "required when no mother is recorded"))
    if birth.mother_id is not None and birth.mother_absent_reason:
        problems.append(("mother_absent_reason", "only when no mother is recorded"))
    if birth.weight_g is not None and not 200 <= birth.weight_g <= 8000:
        problems.append(("weight_g", f"{birth.weight_g} g is not a newborn's weight (200-8000 g)"))
    if birth.newborn_id:
        result = validate_newborn_id(birth.newborn_id)
        if not result.valid:
            problems.append(("newborn_id", result.message))
        else:
            birth.newborn_id = result.id
    return problems


def birth_notify(
    *,
    actor: Actor,
    facility: Agency,
    time: dt.datetime,
    sex: str,
    outcome: str,
    weight_g: int | None = None,
    mother: PersonData | None = None,
    mother_absent_reason: str = "",
    attendant_name: str = "",
    attendant_role: str = "midwife",
    delivery: str = "",
    pregnancy_id: int | None = None,
    newborn_id: str = "",
) -> Birth:
    """Notify a birth at `facility` and issue the child's newborn ID (or accept one from an offline block)."""
    require(
        actor, "registry.birth.notify", agency_scope(facility), object_type="agency", object_id=facility.pk
    )
    if sex not in Person.Sex.values:
        raise ValidationError({"sex": f"use one of {', '.join(Person.Sex.values)}"})
    if outcome not in Birth.Outcome.values:
        raise ValidationError({"outcome": "use live or still"})
    if time > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"time": "a birth cannot be notified before it happens"})
    offset = utc_offset_minutes(time)
    with transaction.atomic():
        pregnancy = None
        if pregnancy_id is not None:
            pregnancy = Pregnancy.objects.filter(pk=pregnancy_id, facility=facility).first()
            if pregnancy is None:
                raise ValidationError({"pregnancy_id": "no such pregnancy at this facility"})
            ended = pregnancy_end_problem(pregnancy, delivery=delivery)
            if ended:
                raise ValidationError({"pregnancy_id": ended})
        birth = Birth(
            facility=facility,
            time=time,
            utc_offset=offset,
            sex=sex,
            outcome=outcome,
            weight_g=weight_g,
            mother=person_resolve(data=mother) if mother else None,
            mother_absent_reason=mother_absent_reason,
            attendant=staff_resolve(agency=facility, name=attendant_name, role=attendant_role)
            if attendant_name
            else None,
            delivery=delivery or f"delivery-{uuid.uuid4().hex}",
            pregnancy=pregnancy,
            newborn_id=newborn_id,
        )
        problems = birth_problems(birth, facility.kind)
        if problems:
            raise ValidationError(dict(problems))
        if birth.newborn_id and Birth.objects.filter(newborn_id=birth.newborn_id).exists():
            raise ValidationError({"newborn_id": "this newborn ID is already held by another child"})
        (birth,) = writes.births_write([birth], actor=actor)
        audit_record(actor=actor, action="registry.birth.notify", object_type="birth", object_id=birth.pk)
    return birth


# --- custody events ------------------------------------------------------------------------------------------


@dataclass
class CustodyInput:
    """A custody event as received; only the fields of its type may be given (INTERCHANGE.md)."""

    type: str
    time: dt.datetime
    facility: Agency | None = None
    recorded_by: Staff | None = None
    to: Person | None = None
    relationship: str = ""
    relationship_detail: str = ""
    id_document_checked: bool | None = None
    guardianship_document: dict | None = None
    to_facility: Agency | None = None
    place: str = ""
    found_by: str = ""
    condition: str = ""
    authority: Agency | None = None
    decision_number: str = ""
    decided_on: dt.date | None = None
    adoptive_parents: tuple[Person, ...] = ()
    adoption_agency: Agency | None = None
    cause: str = ""
    corrects: CustodyEvent | None = None
    field: str = ""
    new_value: Any = None
    reason: str = ""


def custody_foreign_fields(event_type: str, given: Iterable[str]) -> list[tuple[str, str]]:
    """Of the fields `given` (interchange names), those that belong to another custody event type than
    `event_type`, each with the problem naming both types. Each type carries the common fields and its own
    (INTERCHANGE.md, custody_events: `CUSTODY_EVENT_FIELDS`); a correction carries the corrected field's name in
    `field` and its value in `new_value`, never the corrected field itself. A name of no type is not judged here.
    Such a body was meant as another type or filled in on the wrong form: it is refused, never trimmed."""
    own = {*CUSTODY_COMMON_FIELDS, *CUSTODY_EVENT_FIELDS.get(event_type, ())}
    problems = []
    for name in given:
        owners = [kind for kind, fields in CUSTODY_EVENT_FIELDS.items() if name in fields]
        if name in own or not owners:
            continue
        if event_type == "correction":
            message = gettext(
                "not a field of a correction but of a %(owner)s event: a correction names the corrected field "
                "in field and gives its value in new_value"
            )
        else:
            message = gettext(
                "not a field of a %(type)s event but of a %(owner)s event: give only the fields of the "
                "event's type, or record the event as the type they belong to"
            )
        problems.append((name, message % {"type": event_type, "owner": " or ".join(owners)}))
    return problems


def _require_fields(data: CustodyInput, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(n, f"required for a {data.type} event") for n in names if getattr(data, n) in (None, "", ())]


# the custody event types, as a set: `Type.values` builds a new list on every call (an import checks millions)
_CUSTODY_TYPES = frozenset(CustodyEvent.Type.values)


def custody_problems(
    data: CustodyInput, *, child_id: int, child_outcome: str, agency_kinds: dict[int, str]
) -> list[tuple[str, str]]:
    """What is wrong with a custody event before it is written. `agency_kinds` maps agency ids to kinds."""
    if data.type not in _CUSTODY_TYPES:
        return [("type", f"unknown custody event type {data.type!r}")]
    if child_outcome == "still":
        return [("child", "a stillbirth has no custody events")]
    problems: list[tuple[str, str]] = []
    if data.type == "discharge":
        problems += _require_fields(data, ("to", "relationship"))
        if data.id_document_checked is None:
            problems.append(("id_document_checked", "say whether the identity document was checked"))
        if (data.relationship == "other") != bool(data.relationship_detail.strip()):
            problems.append(("relationship_detail", "required exactly when the relationship is other"))
    elif data.type == "transfer":
        problems += _require_fields(data, ("to_facility",))
        kind = agency_kinds.get(data.to_facility.pk) if data.to_facility else None
        if kind and kind not in (*FACILITY_KINDS, "child_protection"):
            problems.append(
                ("to_facility", "a child is transferred to a health facility or child protection")
            )
    elif data.type == "abandonment_found":
        problems += _require_fields(data, ("place", "found_by", "condition"))
    elif data.type == "adoption_order":
        problems += _require_fields(data, ("authority", "decision_number", "decided_on", "adoptive_parents"))
    elif data.type == "death":
        problems += _require_fields(data, ("cause",))
    elif data.type == "correction":
        problems += _require_fields(data, ("corrects", "field", "reason"))
        target = data.corrects
        if target is not None:
            if target.child_id != child_id:
                problems.append(("corrects", "the corrected event is about another child"))
            elif target.type == "correction":
                problems.append(("corrects", "a correction cannot itself be corrected"))
            elif data.field and data.field not in correctable_fields(target.type):
                problems.append(("field", f"a {target.type} event has no correctable field {data.field!r}"))
    return problems


def adoptive_parent_problems(parents: tuple[Person, ...] | list[Person]) -> list[tuple[str, str]]:
    """Each adoptive parent of an order recorded in Kinward is named with an identity document (type, number and
    country), and no two with the same one; the problem is keyed `adoptive_parents[<n>].id_document`, n from 0.
    Imported orders are exempt: the interchange format makes a person's document optional (INTERCHANGE.md)."""
    problems: list[tuple[str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for n, person in enumerate(parents):
        document = (person.id_document_type, person.id_document_number, person.id_document_country)
        if not all(document):
            message = gettext(
                "Name each adoptive parent with an identity document: its type, number and country."
            )
            problems.append((f"adoptive_parents[{n}].id_document", message))
        elif document in seen:
            message = gettext("Both adoptive parents have this document.")
            problems.append((f"adoptive_parents[{n}].id_document", message))
        seen.add(document)
    return problems


def adoption_order_problems(
    data: CustodyInput, child: Birth, agency_kinds: dict[int, str]
) -> list[tuple[str, str]]:
    """What is wrong with an adoption order recorded here (imported orders are taken as the dataset states them):
    the authority is an adoption authority or court, the agency an adoption agency, each adoptive parent has an
    identity document of their own (`adoptive_parent_problems`), and the decision is dated neither in the future,
    nor before the child's birth, nor after the time the order took effect."""
    if data.type != "adoption_order":
        return []
    problems = adoptive_parent_problems(data.adoptive_parents)
    for name, kind in (("authority", "adoption_authority"), ("adoption_agency", "adoption_agency")):
        agency = getattr(data, name)
        if agency is not None and agency_kinds.get(agency.pk) != kind:
            problems.append((name, f"the agency is a {agency_kinds.get(agency.pk)}, not an {kind}"))
    if data.decided_on is None:
        return problems
    born = child.time.astimezone(dt.timezone(dt.timedelta(minutes=child.utc_offset))).date()
    took_effect = data.time.date()
    if data.decided_on > max(timezone.localdate(), took_effect):
        problems.append(("decided_on", "a decision cannot be dated in the future"))
    elif data.decided_on < born:
        problems.append(("decided_on", f"decided before the child's birth ({born.isoformat()})"))
    elif data.decided_on > took_effect:
        problems.append(("decided_on", f"decided after the order took effect ({took_effect.isoformat()})"))
    return problems


def _pk(value) -> int | None:
    return value.pk if value is not None else None


def custody_event_build(data: CustodyInput, *, child_id: int) -> tuple[CustodyEvent, list[int]]:
    """The unsaved row of a validated custody event, and its adoptive parents' Person ids."""
    offset = int(data.time.utcoffset().total_seconds() // 60) if data.time.utcoffset() is not None else 0
    event = fast_row(
        CustodyEvent,
        child_id=child_id,
        type=data.type,
        time=data.time,
        utc_offset=offset,
        facility_id=_pk(data.facility),
        recorded_by_id=_pk(data.recorded_by),
        to_person_id=_pk(data.to),
        relationship=data.relationship,
        relationship_detail=data.relationship_detail,
        id_document_checked=data.id_document_checked,
        guardianship_document=data.guardianship_document,
        to_facility_id=_pk(data.to_facility),
        place=data.place,
        found_by=data.found_by,
        condition=data.condition,
        authority_id=_pk(data.authority),
        decision_number=data.decision_number,
        decided_on=data.decided_on,
        adoption_agency_id=_pk(data.adoption_agency),
        cause=data.cause,
        corrects_id=_pk(data.corrects),
        corrected_field=data.field,
        new_value=data.new_value,
        reason=data.reason,
    )
    return event, [p.pk for p in data.adoptive_parents]


def custody_action(event_type: str) -> str:
    return "registry.adoption.record" if event_type == "adoption_order" else "registry.custody.record"


def custody_may_record(*, actor: Actor, event_type: str, child: Birth) -> bool:
    """Whether `actor` may record an event of this type about `child` (no audit: pages use it to offer forms).

    Allowed on the facility of birth, or on any facility the child was transferred to."""
    return child_action_allowed(actor=actor, action=custody_action(event_type), child=child)


def child_action_allowed(*, actor: Actor, action: str, child: Birth) -> bool:
    """Whether `actor` may take `action` on `child`: on the facility of birth, or on any facility the child was
    transferred to (no audit)."""
    if authorize(actor, action, child).allowed:
        return True
    transfers = list(child.custody_events.filter(type__in=("transfer", "correction")))
    for facility_id in holding_facilities(child.facility_id, transfers) - {child.facility_id}:
        facility = Agency.objects.select_related("region").get(pk=facility_id)
        if authorize(actor, action, agency_scope(facility)).allowed:
            return True
    return False


def custody_permission_check(*, actor: Actor, event_type: str, child: Birth) -> None:
    """Allowed on the facility of birth, or on any facility the child was transferred to; else audited denial."""
    if not custody_may_record(actor=actor, event_type=event_type, child=child):
        action = custody_action(event_type)
        require(actor, action, child, object_type="birth", object_id=child.pk)


CORRECTION_BY_PROPOSAL = "a correction is proposed, and recorded only when another person approves it"


def custody_event_check(*, actor: Actor, child: Birth, data: CustodyInput) -> None:
    """Refuse (audited denial, or ValidationError naming each field) what `custody_event_record` would refuse;
    also checks a proposed correction (`corrections.correction_propose`)."""
    custody_permission_check(actor=actor, event_type=data.type, child=child)
    utc_offset_minutes(data.time)
    if data.time > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"time": "an event cannot be recorded before it happens"})
    if data.time < child.time:
        raise ValidationError({"time": "a custody event cannot precede the child's birth"})
    agency_ids = {a.pk for a in (data.facility, data.to_facility, data.authority, data.adoption_agency) if a}
    kinds = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "kind"))
    problems = custody_problems(data, child_id=child.pk, child_outcome=child.outcome, agency_kinds=kinds)
    problems += adoption_order_problems(data, child, kinds)
    if problems:
        raise ValidationError(dict(problems))


def custody_event_record(*, actor: Actor, child: Birth, data: CustodyInput) -> CustodyEvent:
    """Record one custody event about `child` (discharge, transfer, abandonment found, adoption order, death).
    Nothing earlier is changed; a correction is proposed and approved by another person (`corrections.py`)."""
    if data.type == "correction":
        raise ValidationError({"type": CORRECTION_BY_PROPOSAL})
    custody_event_check(actor=actor, child=child, data=data)
    with transaction.atomic():
        event, parents = custody_event_build(data, child_id=child.pk)
        (event,) = writes.custody_events_write(
            [event], actor=actor, parents={0: parents} if parents else None
        )
        audit_record(
            actor=actor, action=custody_action(data.type), object_type="custody_event", object_id=event.pk
        )
    return event


def custody_events_record(*, actor: Actor, items: list[tuple[Birth, CustodyInput]]) -> list[CustodyEvent]:
    """Record a batch of custody events (a hospital system's day, an offline upload) in one transaction: all
    or none. Each event is checked as `custody_event_record` checks it; one ledger append for the batch, and
    one audit entry naming the batch's first and last event ids."""
    if not items:
        return []
    allowed: set[tuple[int, str]] = set()
    for child, data in items:
        key = (child.pk, custody_action(data.type))
        if key not in allowed:
            custody_permission_check(actor=actor, event_type=data.type, child=child)
            allowed.add(key)
    agency_ids = {
        a.pk for _, d in items for a in (d.facility, d.to_facility, d.authority, d.adoption_agency) if a
    }
    kinds = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "kind"))
    now = timezone.now()
    errors: dict[str, str] = {}
    for n, (child, data) in enumerate(items):
        problems = custody_problems(data, child_id=child.pk, child_outcome=child.outcome, agency_kinds=kinds)
        if data.type == "correction":
            problems = [("type", CORRECTION_BY_PROPOSAL)]
        if data.time.utcoffset() is None:
            problems.append(("time", "give the time with its UTC offset"))
        elif data.time > now + dt.timedelta(minutes=5) or data.time < child.time:
            problems.append(("time", "an event happens after the birth and not in the future"))
        else:
            problems += adoption_order_problems(data, child, kinds)
        errors.update({f"items[{n}].{name}": reason for name, reason in problems})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rows, parents = [], {}
        for n, (child, data) in enumerate(items):
            event, adoptive = custody_event_build(data, child_id=child.pk)
            rows.append(event)
            if adoptive:
                parents[n] = adoptive
        created = writes.custody_events_write(rows, actor=actor, parents=parents)
        audit_record(
            actor=actor,
            action="registry.custody.record",
            object_type="custody_event_batch",
            object_id=f"{created[0].pk}..{created[-1].pk}",
        )
    return created


# --- registration --------------------------------------------------------------------------------------------


def registration_is_late(birth: Birth, now: dt.datetime | None = None) -> bool:
    """Whether registering now is later than KINWARD_REGISTRATION_LATE_DAYS after the birth."""
    now = now or timezone.now()
    return (now - birth.time) > dt.timedelta(days=settings.REGISTRATION_LATE_DAYS)


def birth_register(*, actor: Actor, birth: Birth) -> Registration:
    """Register a notified birth. A late registration waits for a second registrar's approval."""
    require(actor, "registry.birth.register", birth, object_type="birth", object_id=birth.pk)
    if actor.user_id is None:
        raise ValidationError({"registrar": "a registration is made by a person, not a system client"})
    with transaction.atomic():
        if Registration.objects.select_for_update().filter(birth=birth).exists():
            raise ValidationError({"birth": "this birth is already registered or waiting for approval"})
        registration = Registration.objects.create(
            birth=birth,
            registered_by_id=actor.user_id,
            requested_at=timezone.now(),
            is_late=registration_is_late(birth),
        )
        if not registration.is_late:
            writes.registration_complete(registration, registry_agency_id=actor.agency_id)
        audit_record(actor=actor, action="registry.birth.register", object_type="birth", object_id=birth.pk)
    return registration


def registration_approve_late(*, actor: Actor, birth: Birth) -> Registration:
    """Second approval of a late registration, by a registrar other than the one who registered it."""
    require(actor, "registry.registration.approve_late", birth, object_type="birth", object_id=birth.pk)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(birth=birth).first()
        if registration is None or registration.is_complete:
            raise ValidationError({"birth": "no late registration of this birth is waiting for approval"})
        if registration.registered_by_id == actor.user_id:
            raise ValidationError({"approver": "the second approval must come from another registrar"})
        registration.approved_by_id = actor.user_id
        writes.registration_complete(registration, registry_agency_id=actor.agency_id)
        audit_record(
            actor=actor, action="registry.registration.approve_late", object_type="birth", object_id=birth.pk
        )
    return registration


# --- the log's checkpoints -----------------------------------------------------------------------------------


def checkpoint_sign() -> str:
    """Sign a checkpoint of the registry log if it grew since the last one; returns the latest signed note.

    The ledger engine refuses (CheckpointInconsistent) to sign a tree that does not extend the last signed one,
    so a rewritten log can never get a fresh signature.
    """
    signer = ledger_signer()
    with transaction.atomic():
        LedgerHead.objects.select_for_update().get_or_create(id=1)
        log = registry_log()
        latest = log.store.latest_checkpoint()
        if latest is not None and log.size > 0:
            from kinward.engines.ledger import parse_checkpoint

            if parse_checkpoint(latest[: latest.rfind("\n\n") + 1]).tree_size == log.size:
                return latest
        note = log.sign_checkpoint(signer, settings.LEDGER_ORIGIN)
        audit_record(
            actor=Actor(username="system:ledger"),
            action="registry.ledger.checkpoint",
            object_type="checkpoint",
            object_id=log.size,
        )
    return note
