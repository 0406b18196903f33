"""Registry API: birth notifications with the newborn ID, custody events, a child's timeline, registration,
certificates. The public transparency log and certificate verification are in `api_public.py`, antenatal care in
`api_antenatal.py`; both register their routes on this router."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.accounts.models import Agency
from kinward.apps.core.api_support import (
    API_ERRORS,
    Pagination,
    PersonSession,
    StrictSchema,
    SystemClientToken,
    request_actor,
)
from kinward.apps.registry import corrections, selectors, services
from kinward.apps.registry.corrections_out import CorrectionProposalOut, proposal_out
from kinward.apps.registry.models import Birth, CustodyEvent, Person
from kinward.engines.ids import format_id
from kinward.engines.interchange.format import CUSTODY_EVENT_FIELDS

# The token is tried before the session: ninja stops at the first authenticator that raises, and the session's
# CSRF check raises for a system client's POST (no cookie), so session-first would refuse every bearer POST.
router = Router(tags=["registry"], auth=[SystemClientToken(), PersonSession()])

Sex = Literal["female", "male", "unknown"]
ERRORS = API_ERRORS


class IdDocumentIn(StrictSchema):
    type: Literal["national_id", "passport", "birth_certificate", "other"]
    number: str = Field(min_length=1, max_length=100)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class PersonIn(StrictSchema):
    """A mother, guardian or adoptive parent. With an identity document, an existing person is reused; an adoptive
    parent needs one (an adoption order without it is refused)."""

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


class StaffIn(StrictSchema):
    name: str = Field(min_length=1, max_length=300)
    role: Literal["doctor", "midwife", "nurse", "clerk", "registrar", "social_worker", "other"] = "midwife"


class BirthNotificationIn(StrictSchema):
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


# The body's name of an interchange field: `<name>_id` for the agencies an event names, else the same name.
_BODY_NAMES = {name: f"{name}_id" for name in ("facility", "to_facility", "authority", "adoption_agency")}
_INTERCHANGE_NAMES = {body: name for name, body in _BODY_NAMES.items()}
_FIELDS_BY_TYPE = "; ".join(
    f"{kind}: {', '.join(_BODY_NAMES.get(n, n) for n in fields)}"
    for kind, fields in CUSTODY_EVENT_FIELDS.items()
)
EventType = Literal["discharge", "transfer", "abandonment_found", "adoption_order", "death", "correction"]


class CustodyEventIn(StrictSchema):
    """A custody event: `type`, `time`, optionally `facility_id` and `recorded_by`, and the fields of its type
    (INTERCHANGE.md, custody_events). A field of another type given a value (not null, "" or []) is refused: 422
    naming each such field and the type, nothing written; a correction carries the corrected field's name in
    `field` and its value in `new_value`. A name the body does not declare is refused (`StrictSchema`)."""

    type: EventType = Field(
        description=f"the fields each type carries besides time, facility_id and recorded_by: {_FIELDS_BY_TYPE}"
    )
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
    adoptive_parents: list[PersonIn] = Field(
        [],
        description="adoption_order: the adoptive parents, each with an id_document (type, number and country) "
        "of their own; a parent without one, or two parents with the same one, is refused (422, field "
        "adoptive_parents[<n>].id_document, n from 0) and nothing is written",
    )
    adoption_agency_id: int | None = None
    cause: str = ""
    corrects: uuid.UUID | None = Field(None, description="correction: event_id of the corrected event")
    field: str = ""
    new_value: Any = None
    reason: str = ""

    def foreign_fields(self, prefix: str = "") -> dict[str, str]:
        """The fields of another event type this body gives a value, keyed by their body name after `prefix`,
        each with its problem (`services.custody_foreign_fields`); null, "" and [] carry nothing."""
        given = {
            _INTERCHANGE_NAMES.get(name, name): name
            for name in sorted(self.model_fields_set)
            if getattr(self, name) not in (None, "", [])
        }
        foreign = services.custody_foreign_fields(self.type, given)
        return {f"{prefix}{given[name]}": problem for name, problem in foreign}


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
    response={201: EventOut, 202: CorrectionProposalOut, **ERRORS},
    summary="Record a custody event (discharge, transfer, abandonment found, adoption order, death); a "
    "correction is proposed (202, as POST /children/{newborn_id}/corrections) until another person approves it",
)
def record_custody_event(request: HttpRequest, newborn_id: str, payload: CustodyEventIn):
    foreign = payload.foreign_fields()
    if foreign:  # refused as the body's shape is, before anything is looked up or written
        raise ValidationError(foreign)
    actor = request_actor(request)
    child = selectors.child_for_writing(newborn_id=newborn_id)
    services.custody_permission_check(actor=actor, event_type=payload.type, child=child)
    with transaction.atomic():  # the people and staff it names are created with the event or not at all
        data = _custody_input(payload, child, actor.agency_id)
        if payload.type == "correction":
            proposal = corrections.correction_propose(actor=actor, child=child, data=data)
            return Status(202, proposal_out(proposal))
        event = services.custody_event_record(actor=actor, child=child, data=data)
    return Status(
        201,
        EventOut(event_id=event.event_id, type=event.type, time=event.time, ledger_index=event.ledger_index),
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


from kinward.apps.registry.fhir import router as fhir_router  # noqa: E402  (mounted under this router)

router.add_router("/fhir", fhir_router)

# --- routes in other modules, registered on `router`: the public transparency log and certificate
# verification (api_public.py); antenatal care: enrolment, visits, an ending without a birth (api_antenatal.py);
# offline batches, answered record by record (api_batch.py)

from kinward.apps.registry import api_antenatal, api_batch, api_public  # noqa: E402, F401, I001

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
