"""Registry writes: notify a birth, record custody events, register births, sign checkpoints.

Each service checks permission with `require` before its transaction, validates, writes the row and its ledger
leaf (see `writes.py`), and records the audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kinward.apps.accounts.authz import Actor, Scope, authorize, scope_filter
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry import writes
from kinward.apps.registry.fastinsert import fast_row
from kinward.apps.registry.ledger import ledger_signer, registry_log
from kinward.apps.registry.models import (
    Birth,
    CustodyEvent,
    LedgerHead,
    Person,
    Pregnancy,
    PregnancyEvent,
    Registration,
    Staff,
)
from kinward.apps.registry.timeline import correctable_fields, holding_facilities
from kinward.engines.ids import validate as validate_newborn_id

FACILITY_KINDS = tuple(str(k) for k in Agency.HEALTH_FACILITY_KINDS)


def agency_scope(agency: Agency) -> Scope:
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


def utc_offset_minutes(value: dt.datetime) -> int:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError({"time": "give the time with its UTC offset (2026-03-01T04:12:00+07:00)"})
    return int(value.utcoffset().total_seconds() // 60)


# --- people and staff named in records ---------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    """A person as a hospital system sends it. The identity document, when given, decides who it is."""

    given_name: str
    family_name: str = ""
    birth_date: dt.date | None = None
    sex: str = "unknown"
    id_document_type: str = ""
    id_document_number: str = ""
    id_document_country: str = ""
    phone: str = ""


def person_resolve(*, data: PersonData) -> Person:
    """The person with this identity document (INTERCHANGE.md: the document, not the name, is identity), or a
    new person. Call inside the caller's transaction."""
    if not data.given_name.strip():
        raise ValidationError({"given_name": "a person needs at least a given name"})
    if data.id_document_number:
        if not (data.id_document_type and len(data.id_document_country) == 2):
            raise ValidationError({"id_document": "give the document's type, number and country together"})
        found = Person.objects.filter(
            id_document_type=data.id_document_type,
            id_document_number=data.id_document_number,
            id_document_country=data.id_document_country.upper(),
            source="",
        ).first()
        if found is not None:
            return found
    person = Person(**{**data.__dict__, "id_document_country": data.id_document_country.upper()})
    person.full_clean(exclude=["region"])
    person.save()
    return person


def staff_resolve(*, agency: Agency, name: str, role: str) -> Staff:
    """The staff member of `agency` with this name and role, or a new one."""
    if role not in Staff.Role.values:
        raise ValidationError({"attendant.role": f"unknown staff role {role!r}"})
    if not name.strip():
        raise ValidationError({"attendant.name": "give the staff member's name"})
    staff, _ = Staff.objects.get_or_create(agency=agency, name=name.strip(), role=role, source="")
    return staff


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


# --- antenatal care ------------------------------------------------------------------------------------------

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
        pregnancy = Pregnancy.objects.create(
            mother=person,
            facility=facility,
            enrolled_on=enrolled_on,
            expected_date=expected_date,
            visits=[enrolled_on.isoformat()],
        )
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


def _antenatal_day(pregnancy: Pregnancy, day: dt.date) -> None:
    if day > timezone.localdate():
        raise ValidationError({"date": "the date is in the future"})
    if day < pregnancy.enrolled_on:
        raise ValidationError({"date": f"before the enrolment on {pregnancy.enrolled_on.isoformat()}"})


def pregnancy_visit_record(*, actor: Actor, pregnancy: Pregnancy, date: dt.date) -> Pregnancy:
    """Record an antenatal visit (its date) of an open pregnancy."""
    require(actor, PREGNANCY_RECORD, pregnancy, object_type="pregnancy", object_id=pregnancy.pk)
    _antenatal_day(pregnancy, date)
    with transaction.atomic():
        locked = _locked_open_pregnancy(pregnancy)
        if date.isoformat() in locked.visits:
            raise ValidationError({"date": "a visit on this date is already recorded"})
        locked.visits = sorted([*locked.visits, date.isoformat()])
        locked.save(update_fields=["visits"])
        audit_record(
            actor=actor, action="registry.pregnancy.visit", object_type="pregnancy", object_id=pregnancy.pk
        )
    return locked


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
        staff = (
            staff_resolve(agency=locked.facility, name=recorded_by_name, role=recorded_by_role)
            if recorded_by_name.strip()
            else None
        )
        # INTERCHANGE.md: a pregnancy event's facility is the receiving facility of a transfer, else absent.
        event = PregnancyEvent(
            pregnancy=locked, type=type, date=date, facility=to_facility, recorded_by=staff
        )
        (event,) = writes.pregnancy_events_write([event], actor=actor)
        audit_record(
            actor=actor, action="registry.pregnancy.end", object_type="pregnancy_event", object_id=event.pk
        )
    return event


@dataclass(frozen=True)
class OpenPregnancy:
    """An open pregnancy on a facility's list: past its expected date, and overdue past the rule's grace."""

    pregnancy: Pregnancy
    days_past_expected: int

    @property
    def past_expected(self) -> bool:
        return self.days_past_expected > 0

    @property
    def overdue(self) -> bool:
        return self.days_past_expected > OVERDUE_AFTER.days


def pregnancies_open(*, actor: Actor, facility: Agency) -> list[OpenPregnancy]:
    """A facility's open pregnancies, earliest expected date first (a read of mothers' records: audited).

    Read-only; kept here because selectors.py is another engineer's file this session."""
    require(actor, PREGNANCY_VIEW, agency_scope(facility), object_type="agency", object_id=facility.pk)
    rows = (
        Pregnancy.objects.filter(facility=facility)
        .filter(scope_filter(actor, PREGNANCY_VIEW, agency_field="facility"))
        .filter(births__isnull=True, events__isnull=True)
        .select_related("mother", "facility")
        .order_by("expected_date", "pk")
    )
    today = timezone.localdate()
    found = [OpenPregnancy(p, (today - p.expected_date).days) for p in pregnancies_without_end(list(rows))]
    audit_record(actor=actor, action="registry.pregnancy.view", object_type="agency", object_id=facility.pk)
    return found


def pregnancy_get(*, actor: Actor, pregnancy_id: int) -> Pregnancy:
    """One pregnancy with its mother and facility, for those who may read it (audited)."""
    pregnancy = Pregnancy.objects.select_related("mother", "facility__region").get(pk=pregnancy_id)
    require(actor, PREGNANCY_VIEW, pregnancy, object_type="pregnancy", object_id=pregnancy.pk)
    audit_record(
        actor=actor, action="registry.pregnancy.view", object_type="pregnancy", object_id=pregnancy.pk
    )
    return pregnancy


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


def _require_fields(data: CustodyInput, names: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(n, f"required for a {data.type} event") for n in names if getattr(data, n) in (None, "", ())]


def custody_problems(
    data: CustodyInput, *, child_id: int, child_outcome: str, agency_kinds: dict[int, str]
) -> list[tuple[str, str]]:
    """What is wrong with a custody event before it is written. `agency_kinds` maps agency ids to kinds."""
    if data.type not in CustodyEvent.Type.values:
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
    action = custody_action(event_type)
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


def custody_event_record(
    *, actor: Actor, child: Birth, data: CustodyInput, approved_by_user_id: int | None = None
) -> CustodyEvent:
    """Record one custody event about `child` (discharge, transfer, abandonment found, adoption order, death, or
    a correction of an earlier event). Nothing earlier is changed: a correction is a new event."""
    custody_permission_check(actor=actor, event_type=data.type, child=child)
    utc_offset_minutes(data.time)
    if data.time > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"time": "an event cannot be recorded before it happens"})
    if data.time < child.time:
        raise ValidationError({"time": "a custody event cannot precede the child's birth"})
    agency_ids = {a.pk for a in (data.facility, data.to_facility, data.authority, data.adoption_agency) if a}
    kinds = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "kind"))
    problems = custody_problems(data, child_id=child.pk, child_outcome=child.outcome, agency_kinds=kinds)
    if problems:
        raise ValidationError(dict(problems))
    with transaction.atomic():
        event, parents = custody_event_build(data, child_id=child.pk)
        if data.type == "correction":
            event.approved_by_id = approved_by_user_id or actor.user_id
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
        if data.time.utcoffset() is None:
            problems.append(("time", "give the time with its UTC offset"))
        elif data.time > now + dt.timedelta(minutes=5) or data.time < child.time:
            problems.append(("time", "an event happens after the birth and not in the future"))
        errors.update({f"items[{n}].{name}": reason for name, reason in problems})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rows, parents = [], {}
        for n, (child, data) in enumerate(items):
            event, adoptive = custody_event_build(data, child_id=child.pk)
            if data.type == "correction":
                event.approved_by_id = actor.user_id
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
