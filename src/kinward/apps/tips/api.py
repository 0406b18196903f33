"""API: the public tip line (no authentication) and the analysts' triage of tips."""

import base64
import binascii
from datetime import datetime
from typing import Literal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kinward.apps.accounts.models import Agency, Region, User
from kinward.apps.accounts.selectors import agency_named
from kinward.apps.cases import services as case_services
from kinward.apps.core.api_support import ErrorOut, Pagination, StrictSchema, error_body, request_actor
from kinward.apps.tips import selectors, services
from kinward.apps.tips.models import Tip
from kinward.apps.tips.ratelimit import RateLimited, rate_check

router = Router(tags=["tips"])

CategoryIn = Literal["vanished_pregnancy", "baby_offered", "clinic", "website", "adoption", "other"]


class AttachmentIn(StrictSchema):
    data_base64: str


class TipIn(StrictSchema):
    category: CategoryIn
    what_happened: str
    where: str
    region: str = ""
    when: str = ""
    seen_identifiers: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    language: str = ""
    attachments: list[AttachmentIn] = []


class ReceiptOut(Schema):
    receipt_code: str
    status: str
    message: str


class ReceiptCodeIn(StrictSchema):
    receipt_code: str


class AddInformationIn(StrictSchema):
    receipt_code: str
    message: str = ""
    attachments: list[AttachmentIn] = []


class PublicStatusOut(Schema):
    status: Literal["received", "being_reviewed", "closed"]
    received_on: str
    can_add_information: bool


class TipOut(Schema):
    id: int
    number: str
    category: str
    status: str
    region: str
    country: str
    created_at: datetime
    assignee_id: int | None
    alert_id: int | None
    case_reference: str | None

    @staticmethod
    def resolve_region(tip: Tip) -> str:
        return tip.region.code if tip.region_id else ""

    @staticmethod
    def resolve_case_reference(tip: Tip) -> str | None:
        try:
            return tip.case_origin.case.reference
        except ObjectDoesNotExist:
            return None


class MessageOut(Schema):
    text: str
    created_at: datetime
    attachment_ids: list[int]

    @staticmethod
    def resolve_attachment_ids(message) -> list[int]:
        return [a.pk for a in message.attachments.all()]


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    sha256: str


class ActionOut(Schema):
    kind: str
    taken_by_id: int
    from_status: str
    to_status: str
    detail: str
    reason: str
    taken_at: datetime


class TipDetailOut(TipOut):
    what_happened: str
    where: str
    when: str
    seen_identifiers: str
    contact_name: str
    contact_phone: str
    contact_email: str
    language: str
    close_reason: str
    referral_target: str
    referral_reason: str
    messages: list[MessageOut]
    attachments: list[AttachmentOut]
    actions: list[ActionOut]

    @staticmethod
    def resolve_messages(tip: Tip):
        return list(tip.messages.all())

    @staticmethod
    def resolve_attachments(tip: Tip):
        return list(tip.attachments.all())

    @staticmethod
    def resolve_actions(tip: Tip):
        return list(tip.actions.all())


class TriageFilter(Schema):
    status: str = "open"
    category: str = ""


class TriageIn(StrictSchema):
    action: Literal["assign", "reviewed", "close", "alert", "refer", "route"]
    reason: str = ""
    target: str = ""
    region: str = ""
    assignee_id: int | None = None
    agency_id: int | None = None


class TipCaseIn(StrictSchema):
    agency_id: int
    reason: str
    given_name: str = ""
    sex: Literal["female", "male", "unknown"] = "unknown"
    age_estimate_years: int | None = None


class CaseOpenedOut(Schema):
    case_reference: str
    agency_id: int
    origin: Literal["tip", "post"]
    origin_id: int


def _decode(attachments: list[AttachmentIn]) -> list[bytes]:
    files = []
    for position, item in enumerate(attachments, start=1):
        try:
            files.append(base64.b64decode(item.data_base64, validate=True))
        except (binascii.Error, ValueError):
            raise ValidationError({f"attachments.{position - 1}": "not valid base64"}) from None
    return files


def _limited(request: HttpRequest, scope: str):
    try:
        rate_check(scope=scope, address=request.META.get("REMOTE_ADDR", ""))
    except RateLimited as limited:
        return Status(
            429, error_body("rate_limited", f"Too many requests; try again in {limited.retry_after} seconds.")
        )
    return None


@router.post(
    "/",
    auth=None,
    response={201: ReceiptOut, 429: ErrorOut},
    url_name="tip_submit",
    summary="Send a tip (public, no sign-in); the receipt code is in this answer only",
)
def tip_submit(request: HttpRequest, payload: TipIn):
    refused = _limited(request, "submit")
    if refused:
        return refused
    region = None
    if payload.region:
        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            raise ValidationError({"region": "no region has this code"})
    submitted = services.tip_submit(
        category=payload.category,
        what_happened=payload.what_happened,
        where=payload.where,
        region=region,
        when=payload.when,
        seen_identifiers=payload.seen_identifiers,
        contact_name=payload.contact_name,
        contact_phone=payload.contact_phone,
        contact_email=payload.contact_email,
        attachments=_decode(payload.attachments),
        language=payload.language,
    )
    return Status(
        201,
        {
            "receipt_code": submitted.receipt_code,
            "status": submitted.tip.public_status,
            "message": "Keep this receipt code: it is shown only once and is the only way to follow the tip.",
        },
    )


def _public_status(tip: Tip) -> dict:
    return {
        "status": tip.public_status,
        "received_on": tip.created_at.date().isoformat(),
        "can_add_information": tip.status != Tip.Status.CLOSED,
    }


@router.post(
    "/status",
    auth=None,
    response={200: PublicStatusOut, 429: ErrorOut},
    summary="A tip's coarse status by its receipt code (public)",
)
def tip_status(request: HttpRequest, payload: ReceiptCodeIn):
    refused = _limited(request, "status")
    if refused:
        return refused
    return Status(200, _public_status(selectors.tip_status_check(receipt_code=payload.receipt_code)))


@router.post(
    "/status/add",
    auth=None,
    response={201: PublicStatusOut, 429: ErrorOut},
    summary="Add information to a tip with its receipt code (public)",
)
def tip_add_information(request: HttpRequest, payload: AddInformationIn):
    refused = _limited(request, "add")
    if refused:
        return refused
    tip = services.tip_add_information(
        receipt_code=payload.receipt_code, text=payload.message, attachments=_decode(payload.attachments)
    )
    return Status(201, _public_status(tip))


@router.get("/triage", response=list[TipOut], summary="Tips the analyst may triage (default: open ones)")
@paginate(Pagination)
def tip_list(request: HttpRequest, filters: Query[TriageFilter]):
    return selectors.tip_queue(actor=request_actor(request), status=filters.status, category=filters.category)


@router.get("/triage/{tip_id}", response=TipDetailOut, summary="One tip with what the tipster sent (audited)")
def tip_detail(request: HttpRequest, tip_id: int):
    return selectors.tip_open(actor=request_actor(request), tip_id=tip_id)


@router.post(
    "/triage/{tip_id}/action",
    response=TipDetailOut,
    summary="Assign, mark reviewed, close, refer, route or make an alert",
)
def tip_act(request: HttpRequest, tip_id: int, payload: TriageIn):
    actor = request_actor(request)
    tip = selectors.tip_open(actor=actor, tip_id=tip_id)
    region = Region.objects.filter(code=payload.region).first() if payload.region else None
    if payload.region and region is None:
        raise ValidationError({"region": "no region has this code"})
    assignee = (
        User.objects.get(pk=payload.assignee_id or actor.user_id) if payload.action == "assign" else None
    )
    agency = Agency.objects.select_related("region").get(pk=payload.agency_id) if payload.agency_id else None
    services.tip_triage(
        actor=actor,
        tip=tip,
        action=payload.action,
        reason=payload.reason,
        target=payload.target,
        region=region,
        assignee=assignee,
        agency=agency,
    )
    return Tip.objects.get(pk=tip.pk)


@router.post(
    "/triage/{tip_id}/case",
    response={201: CaseOpenedOut},
    summary="Open a case at a child-protection agency from the tip (once per tip)",
)
def tip_open_case(request: HttpRequest, tip_id: int, payload: TipCaseIn):
    actor = request_actor(request)
    tip = selectors.tip_open(actor=actor, tip_id=tip_id)
    agency = agency_named(payload.agency_id)
    case = case_services.case_open_from_tip(
        actor=actor,
        tip=tip,
        agency=agency,
        reason=payload.reason,
        given_name=payload.given_name,
        sex=payload.sex,
        age_estimate_years=payload.age_estimate_years,
    )
    return Status(
        201, {"case_reference": case.reference, "agency_id": agency.pk, "origin": "tip", "origin_id": tip.pk}
    )
