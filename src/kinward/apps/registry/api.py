"""Registry API: birth notifications with the newborn ID, custody events, a child's timeline, registration,
and the public transparency log (checkpoints and proofs, no sign-in)."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import require
from kinward.apps.core.api_support import (
    ErrorOut,
    Pagination,
    PersonSession,
    SystemClientToken,
    request_actor,
)
from kinward.apps.registry import selectors, services
from kinward.apps.registry.models import Birth, CustodyEvent, Person
from kinward.engines.ids import format_id
from kinward.engines.ledger import ProofRequestError, make_tlog_proof

# The token is tried before the session: ninja stops at the first authenticator that raises, and the session's
# CSRF check raises for a system client's POST (no cookie), so session-first would refuse every bearer POST.
router = Router(tags=["registry"], auth=[SystemClientToken(), PersonSession()])

Sex = Literal["female", "male", "unknown"]
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class IdDocumentIn(Schema):
    type: Literal["national_id", "passport", "birth_certificate", "other"]
    number: str = Field(min_length=1, max_length=100)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class PersonIn(Schema):
    """A mother, guardian or adoptive parent. With an identity document, an existing person is reused."""

    given_name: str = Field(min_length=1, max_length=200)
    family_name: str = Field("", max_length=200)
    birth_date: dt.date | None = None
    sex: Sex = "unknown"
    id_document: IdDocumentIn | None = None
    phone: str = Field("", pattern=r"^(\+[1-9][0-9]{6,14})?$", description="E.164")

    def data(self) -> services.PersonData:
        document = self.id_document
        return services.PersonData(
            given_name=self.given_name,
            family_name=self.family_name,
            birth_date=self.birth_date,
            sex=self.sex,
            id_document_type=document.type if document else "",
            id_document_number=document.number if document else "",
            id_document_country=document.country if document else "",
            phone=self.phone,
        )


class StaffIn(Schema):
    name: str = Field(min_length=1, max_length=300)
    role: Literal["doctor", "midwife", "nurse", "clerk", "registrar", "social_worker", "other"] = "midwife"


class BirthNotificationIn(Schema):
    """One child born. Twins: one notification each, with the same `delivery` key."""

    facility_id: int | None = Field(None, description="the facility of birth; default: the caller's agency")
    time: dt.datetime = Field(description="RFC 3339 with offset, e.g. 2026-03-01T04:12:00+07:00")
    sex: Sex
    outcome: Literal["live", "still"] = "live"
    weight_g: int | None = Field(None, ge=200, le=8000)
    mother: PersonIn | None = None
    mother_absent_reason: Literal["foundling", "maternal_death", "withheld", "other"] | None = Field(
        None, description="required when `mother` is absent"
    )
    attendant: StaffIn | None = None
    delivery: str | None = Field(None, max_length=200, description="shared by the children of one delivery")
    pregnancy_id: int | None = None
    newborn_id: str | None = Field(None, description="only an ID from this facility's offline block")


class BirthOut(Schema):
    newborn_id: str
    newborn_id_display: str
    event_id: uuid.UUID
    delivery: str
    ledger_index: int
    notification_status: str


def _birth_out(birth: Birth) -> BirthOut:
    return BirthOut(
        newborn_id=birth.newborn_id,
        newborn_id_display=format_id(birth.newborn_id),
        event_id=birth.event_id,
        delivery=birth.delivery,
        ledger_index=birth.ledger_index,
        notification_status=selectors.notification_status(birth),
    )


def _agency(agency_id: int | None, field: str) -> Agency | None:
    if agency_id is None:
        return None
    agency = Agency.objects.select_related("region").filter(pk=agency_id).first()
    if agency is None:
        raise ValidationError({field: f"no agency {agency_id}"})
    return agency


@router.post(
    "/notifications", response={201: BirthOut, **ERRORS}, summary="Notify a birth; get the newborn ID"
)
def notify_birth(request: HttpRequest, payload: BirthNotificationIn):
    return Status(201, _birth_out(_notify(request_actor(request), payload)))


def _notify(actor, payload: BirthNotificationIn) -> Birth:
    facility = _agency(payload.facility_id or actor.agency_id, "facility_id")
    if facility is None:
        raise ValidationError({"facility_id": "give the facility of birth"})
    return services.birth_notify(
        actor=actor,
        facility=facility,
        time=payload.time,
        sex=payload.sex,
        outcome=payload.outcome,
        weight_g=payload.weight_g,
        mother=payload.mother.data() if payload.mother else None,
        mother_absent_reason=payload.mother_absent_reason or "",
        attendant_name=payload.attendant.name if payload.attendant else "",
        attendant_role=payload.attendant.role if payload.attendant else "midwife",
        delivery=payload.delivery or "",
        pregnancy_id=payload.pregnancy_id,
        newborn_id=payload.newborn_id or "",
    )


class CustodyEventIn(Schema):
    """A custody event; give only the fields of its type (INTERCHANGE.md, custody_events)."""

    type: Literal["discharge", "transfer", "abandonment_found", "adoption_order", "death", "correction"]
    time: dt.datetime
    facility_id: int | None = Field(None, description="where it happens; default: the caller's agency")
    recorded_by: StaffIn | None = None
    to: PersonIn | None = Field(None, description="discharge: the person the child leaves with")
    relationship: Literal["mother", "father", "legal_guardian", "other"] | None = None
    relationship_detail: str = ""
    id_document_checked: bool | None = None
    guardianship_document: dict | None = None
    to_facility_id: int | None = None
    place: str = ""
    found_by: str = ""
    condition: str = ""
    authority_id: int | None = None
    decision_number: str = ""
    decided_on: dt.date | None = None
    adoptive_parents: list[PersonIn] = []
    adoption_agency_id: int | None = None
    cause: str = ""
    corrects: uuid.UUID | None = Field(None, description="correction: event_id of the corrected event")
    field: str = ""
    new_value: Any = None
    reason: str = ""


class EventOut(Schema):
    event_id: uuid.UUID
    type: str
    time: dt.datetime
    ledger_index: int


def _custody_input(
    payload: CustodyEventIn, child: Birth, actor_agency_id: int | None
) -> services.CustodyInput:
    facility = _agency(payload.facility_id or actor_agency_id, "facility_id")
    corrects = None
    if payload.corrects is not None:
        corrects = CustodyEvent.objects.filter(event_id=payload.corrects, child=child).first()
        if corrects is None:
            raise ValidationError({"corrects": "no such event of this child"})
    return services.CustodyInput(
        type=payload.type,
        time=payload.time,
        facility=facility,
        recorded_by=services.staff_resolve(
            agency=facility, name=payload.recorded_by.name, role=payload.recorded_by.role
        )
        if payload.recorded_by and facility
        else None,
        to=services.person_resolve(data=payload.to.data()) if payload.to else None,
        relationship=payload.relationship or "",
        relationship_detail=payload.relationship_detail,
        id_document_checked=payload.id_document_checked,
        guardianship_document=payload.guardianship_document,
        to_facility=_agency(payload.to_facility_id, "to_facility_id"),
        place=payload.place,
        found_by=payload.found_by,
        condition=payload.condition,
        authority=_agency(payload.authority_id, "authority_id"),
        decision_number=payload.decision_number,
        decided_on=payload.decided_on,
        adoptive_parents=tuple(services.person_resolve(data=p.data()) for p in payload.adoptive_parents),
        adoption_agency=_agency(payload.adoption_agency_id, "adoption_agency_id"),
        cause=payload.cause,
        corrects=corrects,
        field=payload.field,
        new_value=payload.new_value,
        reason=payload.reason,
    )


@router.post(
    "/children/{newborn_id}/custody-events",
    response={201: EventOut, **ERRORS},
    summary="Record a custody event (discharge, transfer, abandonment found, adoption order, death, "
    "correction)",
)
def record_custody_event(request: HttpRequest, newborn_id: str, payload: CustodyEventIn):
    actor = request_actor(request)
    child = selectors.child_for_writing(newborn_id=newborn_id)
    services.custody_permission_check(actor=actor, event_type=payload.type, child=child)
    with transaction.atomic():  # the people and staff it names are created with the event or not at all
        data = _custody_input(payload, child, actor.agency_id)
        event = services.custody_event_record(actor=actor, child=child, data=data)
    return Status(
        201,
        EventOut(event_id=event.event_id, type=event.type, time=event.time, ledger_index=event.ledger_index),
    )


class BatchEventIn(CustodyEventIn):
    newborn_id: str = Field(description="the child, possibly notified in the same batch")


class OfflineBatchIn(Schema):
    """What a facility recorded while offline: births with IDs from its offline block, then custody events."""

    births: list[BirthNotificationIn] = []
    custody_events: list[BatchEventIn] = []


class SequencedOut(Schema):
    newborn_id: str
    event_id: uuid.UUID
    type: str
    ledger_index: int = Field(description="the event is sequenced: no longer provisional")


class OfflineBatchOut(Schema):
    births: list[SequencedOut]
    custody_events: list[SequencedOut]


@router.post(
    "/batches",
    response={201: OfflineBatchOut, **ERRORS},
    summary="Upload an offline batch: births with pre-allocated IDs and custody events, all or none",
)
def upload_batch(request: HttpRequest, payload: OfflineBatchIn):
    actor = request_actor(request)
    missing = [n for n, b in enumerate(payload.births) if not b.newborn_id]
    if missing:
        raise ValidationError(
            {f"births[{n}].newborn_id": "an offline birth carries its pre-allocated ID" for n in missing}
        )
    facility_of = {b.newborn_id: b.facility_id or actor.agency_id for b in payload.births}
    checks = {("registry.birth.notify", f) for f in facility_of.values()}
    checks |= {
        (services.custody_action(e.type), facility_of[e.newborn_id])
        for e in payload.custody_events
        if e.newborn_id in facility_of
    }
    for action, facility_id in sorted(checks, key=str):  # before the transaction, so a denial stays audited
        facility = _agency(facility_id, "facility_id")
        require(actor, action, services.agency_scope(facility), object_type="agency", object_id=facility_id)
    existing = {}
    for event in payload.custody_events:
        if event.newborn_id not in facility_of:
            child = existing.get(event.newborn_id) or selectors.child_for_writing(newborn_id=event.newborn_id)
            existing[event.newborn_id] = child
            services.custody_permission_check(actor=actor, event_type=event.type, child=child)
    with transaction.atomic():
        births = [_notify(actor, b) for b in payload.births]
        children = {
            **existing,
            **{
                b.newborn_id: Birth.objects.select_related("facility__region").get(newborn_id=b.newborn_id)
                for b in births
            },
        }
        items = []
        for event in payload.custody_events:
            child = children.get(event.newborn_id) or selectors.child_for_writing(newborn_id=event.newborn_id)
            items.append((child, _custody_input(event, child, actor.agency_id)))
        events = services.custody_events_record(actor=actor, items=items)
    return Status(
        201,
        OfflineBatchOut(
            births=[
                SequencedOut(
                    newborn_id=b.newborn_id, event_id=b.event_id, type="birth", ledger_index=b.ledger_index
                )
                for b in births
            ],
            custody_events=[
                SequencedOut(
                    newborn_id=child.newborn_id, event_id=e.event_id, type=e.type, ledger_index=e.ledger_index
                )
                for (child, _), e in zip(items, events, strict=True)
            ],
        ),
    )


class ProofStatus(Schema):
    ledger_index: int
    in_checkpoint: bool = Field(description="true when a signed checkpoint covers this leaf")


class TimelineEventOut(Schema):
    event_id: uuid.UUID
    type: str
    time: dt.datetime
    facility_id: int | None
    values: dict
    corrected_fields: list[str]
    proof: ProofStatus


class PersonOut(Schema):
    given_name: str
    family_name: str
    birth_date: dt.date | None


class ChildOut(Schema):
    newborn_id: str
    newborn_id_display: str
    facility_id: int
    facility: str
    time: dt.datetime
    sex: str
    weight_g: int | None
    outcome: str
    mother: PersonOut | None
    mother_absent_reason: str
    status: str
    notification_status: str
    proof: ProofStatus
    checkpoint_size: int
    events: list[TimelineEventOut]


def _jsonable(values: dict) -> dict:
    return {
        k: (v.isoformat() if isinstance(v, dt.date | dt.datetime) else v)
        for k, v in values.items()
        if v not in (None, "", [])
    }


@router.get(
    "/children/{newborn_id}",
    response={200: ChildOut, **ERRORS},
    summary="A child's record and timeline (audited)",
)
def child_timeline(request: HttpRequest, newborn_id: str):
    record = selectors.child_record(actor=request_actor(request), newborn_id=newborn_id)
    birth, size = record.birth, record.checkpoint_size

    def proof(index: int) -> ProofStatus:
        return ProofStatus(ledger_index=index, in_checkpoint=index < size)

    mother: Person | None = birth.mother
    return ChildOut(
        newborn_id=birth.newborn_id,
        newborn_id_display=format_id(birth.newborn_id),
        facility_id=birth.facility_id,
        facility=birth.facility.name,
        time=birth.time,
        sex=birth.sex,
        weight_g=birth.weight_g,
        outcome=birth.outcome,
        mother=PersonOut(
            given_name=mother.given_name, family_name=mother.family_name, birth_date=mother.birth_date
        )
        if mother
        else None,
        mother_absent_reason=birth.mother_absent_reason,
        status=record.status,
        notification_status=record.notification_status,
        proof=proof(birth.ledger_index),
        checkpoint_size=size,
        events=[
            TimelineEventOut(
                event_id=s.event.event_id,
                type=s.event.type,
                time=s.time,
                facility_id=s.values.get("facility"),
                values=_jsonable(s.values),
                corrected_fields=s.corrected_fields,
                proof=proof(s.event.ledger_index),
            )
            for s in record.states
        ],
    )


class NotificationOut(Schema):
    newborn_id: str
    facility_id: int
    facility: str
    time: dt.datetime
    notification_status: str
    late: bool


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **ERRORS},
    summary="Birth notifications waiting for registration in the registrar's area",
)
@paginate(Pagination)
def notification_queue(request: HttpRequest):
    births = selectors.notification_queue(actor=request_actor(request))
    return [
        NotificationOut(
            newborn_id=b.newborn_id,
            facility_id=b.facility_id,
            facility=b.facility.name,
            time=b.time,
            notification_status=selectors.notification_status(b),
            late=services.registration_is_late(b),
        )
        for b in births
    ]


class RegistrationOut(Schema):
    newborn_id: str
    notification_status: str
    late: bool
    ledger_index: int | None


def _registration_out(birth: Birth, registration) -> RegistrationOut:
    birth.registration = registration
    return RegistrationOut(
        newborn_id=birth.newborn_id,
        notification_status=selectors.notification_status(birth),
        late=registration.is_late,
        ledger_index=registration.ledger_index,
    )


@router.post(
    "/children/{newborn_id}/register",
    response={200: RegistrationOut, **ERRORS},
    summary="Register a notified birth (late ones wait for a second registrar)",
)
def register_birth(request: HttpRequest, newborn_id: str):
    birth = selectors.child_for_writing(newborn_id=newborn_id)
    return _registration_out(birth, services.birth_register(actor=request_actor(request), birth=birth))


@router.post(
    "/children/{newborn_id}/approve-late",
    response={200: RegistrationOut, **ERRORS},
    summary="Second approval of a late registration, by another registrar",
)
def approve_late_registration(request: HttpRequest, newborn_id: str):
    birth = selectors.child_for_writing(newborn_id=newborn_id)
    return _registration_out(
        birth, services.registration_approve_late(actor=request_actor(request), birth=birth)
    )


# --- the public transparency log (no sign-in) ----------------------------------------------------------------


class LeafOut(Schema):
    index: int
    data: str = Field(description="the leaf's exact bytes (canonical JSON, UTF-8)")
    leaf_hash: str = Field(description="RFC 9162 leaf hash, hex")


class InclusionOut(Schema):
    index: int
    tree_size: int
    leaf_hash: str
    hashes: list[str] = Field(description="RFC 9162 §2.1.3 inclusion proof, base64, leaf's sibling first")
    tlog_proof: str | None = Field(
        None, description="c2sp.org/tlog-proof@v1 text, when a checkpoint of this size is signed"
    )


class ConsistencyOut(Schema):
    first: int
    second: int
    hashes: list[str] = Field(description="RFC 9162 §2.1.4 consistency proof, base64")


def _b64(values: list[bytes]) -> list[str]:
    return [base64.b64encode(v).decode() for v in values]


@router.get(
    "/log/checkpoint",
    auth=None,
    response={200: str, 404: ErrorOut},
    summary="The latest signed checkpoint of the registry log (C2SP signed note, text/plain)",
)
def log_checkpoint(request: HttpRequest):
    note = selectors.latest_checkpoint()
    if note is None:
        return Status(
            404, {"code": "not_found", "message": "No checkpoint has been signed yet.", "errors": []}
        )
    return HttpResponse(note, content_type="text/plain; charset=utf-8")


@router.get(
    "/log/key", auth=None, response=str, summary="The verifier key of the log's checkpoints (text/plain)"
)
def log_key(request: HttpRequest):
    return HttpResponse(selectors.verifier_key() + "\n", content_type="text/plain; charset=utf-8")


@router.get(
    "/log/leaves/{index}",
    auth=None,
    response={200: LeafOut, 404: ErrorOut, 422: ErrorOut},
    summary="One leaf of the log: what the public may see of one registry event",
)
def log_leaf(request: HttpRequest, index: int):
    from kinward.apps.registry.ledger import registry_log

    log = registry_log()
    try:
        data = log.leaf_data(index)
    except ProofRequestError as exc:
        raise ValidationError({"index": str(exc)}) from None
    return LeafOut(index=index, data=data.decode("utf-8"), leaf_hash=log.leaf_hash(index).hex())


@router.get(
    "/log/proof/inclusion",
    auth=None,
    response={200: InclusionOut, 422: ErrorOut},
    summary="Inclusion proof of a leaf in the tree of a given size (default: latest signed checkpoint)",
)
def log_inclusion(request: HttpRequest, index: int, tree_size: int | None = None):
    from kinward.apps.registry.ledger import registry_log
    from kinward.apps.registry.models import LedgerCheckpoint

    log = registry_log()
    note = None
    if tree_size is None:
        note = selectors.latest_checkpoint()
        tree_size = selectors.checkpoint_size(note) if note else log.size
    else:
        note = LedgerCheckpoint.objects.filter(tree_size=tree_size).values_list("note", flat=True).first()
    try:
        hashes = log.inclusion_proof(index, tree_size)
        leaf_hash = log.leaf_hash(index)
    except ProofRequestError as exc:
        raise ValidationError({"index": str(exc)}) from None
    tlog = make_tlog_proof(log, index, note).to_text() if note else None
    return InclusionOut(
        index=index, tree_size=tree_size, leaf_hash=leaf_hash.hex(), hashes=_b64(hashes), tlog_proof=tlog
    )


@router.get(
    "/log/proof/consistency",
    auth=None,
    response={200: ConsistencyOut, 422: ErrorOut},
    summary="Consistency proof that the tree of size `second` extends the tree of size `first`",
)
def log_consistency(request: HttpRequest, first: int, second: int):
    from kinward.apps.registry.ledger import registry_log

    try:
        hashes = registry_log().consistency_proof(first, second)
    except ProofRequestError as exc:
        raise ValidationError({"first": str(exc)}) from None
    return ConsistencyOut(first=first, second=second, hashes=_b64(hashes))


from kinward.apps.registry.fhir import router as fhir_router  # noqa: E402  (mounted under this router)

router.add_router("/fhir", fhir_router)


# --- birth certificates: public verification and the issuer key list (certificates.py) ----------------------


class VerifyIn(Schema):
    """A certificate as its text (`KW1:...`) or as a base64 PNG/JPEG photo of its QR code (at most 2 MiB)."""

    text: str | None = Field(None, max_length=4096)
    image_base64: str | None = Field(None, max_length=2_796_204)


class VerifyOut(Schema):
    valid: bool
    reason: str = Field(description="empty when valid; else the engine's reason code or unreadable_image")
    facts: dict[str, Any] = Field(description="the minimal birth facts of a valid certificate")


@router.post(
    "/verify",
    auth=None,
    response={200: VerifyOut, 422: ErrorOut},
    summary="Verify a birth certificate (public, anonymous; only a per-day count of outcomes is kept)",
)
def certificate_verify(request: HttpRequest, body: VerifyIn):
    from kinward.apps.registry import certificates

    if (body.text is None) == (body.image_base64 is None):
        raise ValidationError({"text": "give exactly one of text or image_base64"})
    if body.image_base64 is not None:
        try:
            image = base64.b64decode(body.image_base64, validate=True)
        except ValueError:
            raise ValidationError({"image_base64": "not valid base64"}) from None
        verdict = certificates.certificate_verify(image=image)
    else:
        verdict = certificates.certificate_verify(text=body.text)
    return VerifyOut(valid=verdict.valid, reason=verdict.reason, facts=verdict.facts)


@router.get(
    "/issuer-keys",
    auth=None,
    response=list[dict[str, Any]],
    summary="The published public keys of the offices that sign birth certificates (JSON key list)",
)
def issuer_keys(request: HttpRequest):
    from kinward.apps.registry import certificates

    return certificates.published_keys()


# --- antenatal care: enrolment, visits, an ending without a birth ----------------------------------------------


class PregnancyIn(Schema):
    """A pregnancy enrolled in antenatal care at a facility (the mother is reused by identity document)."""

    facility_id: int | None = Field(None, description="default: the caller's agency")
    mother: PersonIn
    enrolled_on: dt.date | None = Field(None, description="default: today")
    expected_date: dt.date = Field(description="expected date of delivery")


class PregnancyOut(Schema):
    id: int
    facility_id: int
    enrolled_on: dt.date
    expected_date: dt.date
    visits: list[dt.date]
    days_past_expected: int = Field(description="negative before the expected date")
    overdue: bool = Field(description="open and more than 6 weeks past the expected date (a red flag)")


def _pregnancy_out(pregnancy, *, is_open: bool = True) -> PregnancyOut:
    from django.utils import timezone

    days = (timezone.localdate() - pregnancy.expected_date).days
    return PregnancyOut(
        id=pregnancy.pk,
        facility_id=pregnancy.facility_id,
        enrolled_on=pregnancy.enrolled_on,
        expected_date=pregnancy.expected_date,
        visits=[dt.date.fromisoformat(v) for v in pregnancy.visits],
        days_past_expected=days,
        overdue=is_open and days > services.OVERDUE_AFTER.days,
    )


def _pregnancy_for_writing(pregnancy_id: int):
    from kinward.apps.registry.models import Pregnancy

    return Pregnancy.objects.select_related("facility__region", "mother").get(pk=pregnancy_id)


@router.post(
    "/pregnancies", response={201: PregnancyOut, **ERRORS}, summary="Enrol a pregnancy in antenatal care"
)
def enrol_pregnancy(request: HttpRequest, payload: PregnancyIn):
    actor = request_actor(request)
    facility = _agency(payload.facility_id or actor.agency_id, "facility_id")
    if facility is None:
        raise ValidationError({"facility_id": "give the facility"})
    pregnancy = services.pregnancy_enrol(
        actor=actor,
        facility=facility,
        mother=payload.mother.data(),
        expected_date=payload.expected_date,
        enrolled_on=payload.enrolled_on,
    )
    return Status(201, _pregnancy_out(pregnancy))


@router.get(
    "/pregnancies",
    response={200: list[PregnancyOut], **ERRORS},
    summary="A facility's open pregnancies, earliest expected date first (overdue ones flagged; audited)",
)
@paginate(Pagination)
def open_pregnancies(request: HttpRequest, facility_id: int | None = None):
    actor = request_actor(request)
    facility = _agency(facility_id or actor.agency_id, "facility_id")
    if facility is None:
        raise ValidationError({"facility_id": "give the facility"})
    return [
        _pregnancy_out(row.pregnancy) for row in services.pregnancies_open(actor=actor, facility=facility)
    ]


class VisitIn(Schema):
    date: dt.date


@router.post(
    "/pregnancies/{pregnancy_id}/visits",
    response={200: PregnancyOut, **ERRORS},
    summary="Record an antenatal visit of an open pregnancy",
)
def record_visit(request: HttpRequest, pregnancy_id: int, payload: VisitIn):
    pregnancy = services.pregnancy_visit_record(
        actor=request_actor(request), pregnancy=_pregnancy_for_writing(pregnancy_id), date=payload.date
    )
    return _pregnancy_out(pregnancy)


class PregnancyEndIn(Schema):
    """How a pregnancy ended without a birth here: a ledger fact (INTERCHANGE.md, pregnancy_events)."""

    type: Literal["loss", "transfer_out", "moved_away"]
    date: dt.date
    to_facility_id: int | None = Field(None, description="transfer_out only: the receiving health facility")
    recorded_by: StaffIn | None = None


class PregnancyEventOut(Schema):
    event_id: uuid.UUID
    pregnancy_id: int
    type: str
    date: dt.date
    ledger_index: int


@router.post(
    "/pregnancies/{pregnancy_id}/outcomes",
    response={201: PregnancyEventOut, **ERRORS},
    summary="Record a loss, a transfer to another facility or a move away (a fact in the public log)",
)
def record_pregnancy_end(request: HttpRequest, pregnancy_id: int, payload: PregnancyEndIn):
    event = services.pregnancy_end_record(
        actor=request_actor(request),
        pregnancy=_pregnancy_for_writing(pregnancy_id),
        type=payload.type,
        date=payload.date,
        to_facility=_agency(payload.to_facility_id, "to_facility_id"),
        recorded_by_name=payload.recorded_by.name if payload.recorded_by else "",
        recorded_by_role=payload.recorded_by.role if payload.recorded_by else "midwife",
    )
    return Status(
        201,
        PregnancyEventOut(
            event_id=event.event_id,
            pregnancy_id=event.pregnancy_id,
            type=event.type,
            date=event.date,
            ledger_index=event.ledger_index,
        ),
    )


# --- birth certificates: issue and read (the same code as the pages: certificates.py) ---------------------


class CertificateOut(Schema):
    id: int
    newborn_id: str
    issue_number: int = Field(description="1 for the first certificate of this birth, 2 for a reissue, ...")
    issued_at: dt.datetime
    issuing_office_id: int
    kid: str = Field(description="hex of the signing key's kid (see /issuer-keys)")
    text: str = Field(description="the QR payload as printed under the QR code (KW1:...)")
    facts: dict[str, Any] = Field(description="the signed minimal birth facts, as a verifier sees them")
    qr_svg: str = Field(description="the QR code (alphanumeric mode, error correction Q) as SVG")


def _certificate_out(actor, certificate_id: int) -> CertificateOut:
    from kinward.apps.registry import certificates

    printable = certificates.certificate_for_print(actor=actor, certificate_id=certificate_id)
    certificate = printable.certificate
    return CertificateOut(
        id=certificate.pk,
        newborn_id=certificate.child.newborn_id,
        issue_number=printable.issue_number,
        issued_at=certificate.issued_at,
        issuing_office_id=certificate.issued_by_id,
        kid=certificate.kid,
        text=certificate.text,
        facts={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in printable.facts.items()},
        qr_svg=printable.qr_svg,
    )


@router.post(
    "/children/{newborn_id}/certificates",
    response={201: CertificateOut, **ERRORS},
    summary="Issue (or reissue) the signed birth certificate of a registered birth (registrar; audited)",
)
def issue_certificate(request: HttpRequest, newborn_id: str):
    from kinward.apps.registry import certificates

    actor = request_actor(request)
    certificate = certificates.certificate_issue(actor=actor, newborn_id=newborn_id)
    return Status(201, _certificate_out(actor, certificate.pk))


@router.get(
    "/certificates/{certificate_id}",
    response={200: CertificateOut, **ERRORS},
    summary="A birth certificate Kinward issued: its text, facts and QR (those who may issue it; audited)",
)
def get_certificate(request: HttpRequest, certificate_id: int):
    return _certificate_out(request_actor(request), certificate_id)
