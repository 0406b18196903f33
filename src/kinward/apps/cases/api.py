"""API: cases (filtered by what the reader may see), screenings, consent, status decisions, referrals and their
answers, services and outcomes, closure, corrections of the child's identity and changes of caseworker."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.accounts.models import Agency, User
from kinward.apps.audit.services import require
from kinward.apps.cases import selectors, services
from kinward.apps.cases.catalogue import instrument_get, instruments
from kinward.apps.cases.models import ClosureRequest
from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor

router = Router(tags=["cases"])


class CaseIn(StrictSchema):
    given_name: str
    sex: Literal["female", "male", "unknown"]
    family_name: str = ""
    birth_date: date | None = None
    age_estimate_years: int | None = None
    nationality: str = ""
    languages: str = ""
    newborn_id: str = ""
    exploitation_type: str = "unknown"
    exploitation_details: str = ""
    vulnerabilities: str = ""


class CaseOut(Schema):
    id: int
    reference: str
    agency_id: int
    status: str
    opened_at: datetime
    given_name: str
    sex: str


class ReferralOut(Schema):
    id: int
    case_id: int
    case_reference: str
    from_agency_id: int
    to_agency_id: int
    service: str
    status: str
    shared_sections: list[str]
    requested_at: datetime
    due_at: datetime

    @staticmethod
    def resolve_case_reference(obj) -> str:
        return obj.case.reference


def _case_detail(view: selectors.CaseView) -> dict:
    """The case as this reader may see it: only the shared sections for a receiving agency."""
    case = view.case
    body: dict = {
        "id": case.pk,
        "reference": case.reference,
        "agency_id": case.agency_id,
        "status": case.status,
        "full_view": view.full,
        "sections": sorted(view.sections) if not view.full else ["all"],
    }
    body["child"] = {
        "given_name": case.given_name,
        "sex": case.sex,
        "age_years": services.case_age_years(case),
    }
    if view.shows("child_identity"):
        body["child"].update(
            family_name=case.family_name,
            birth_date=case.birth_date,
            age_estimate_years=case.age_estimate_years,
            nationality=case.nationality,
            languages=case.languages,
            newborn_id=case.newborn_id,
        )
    if view.shows("victim_context"):
        body["victim_context"] = {
            "exploitation_type": case.exploitation_type,
            "exploitation_details": case.exploitation_details,
            "vulnerabilities": case.vulnerabilities,
            "trafficking_status": case.trafficking_status,
        }
    if view.shows("perpetrators"):
        body["perpetrators"] = [{"role": p.role, "details": p.details} for p in case.perpetrators.all()]
    if view.shows("events"):
        body["events"] = [
            {
                "type": e.type,
                "date": e.date,
                "city": e.city,
                "country": e.country,
                "description": e.description,
            }
            for e in case.events.all()
        ]
    if view.shows("support_plan"):
        body["support_plan"] = case.support_plan
    if view.shows("screenings"):
        body["screenings"] = [
            {
                "id": s.pk,
                "instrument": s.instrument,
                "version": s.instrument_version,
                "level": s.level,
                "raised_items": s.raised_items,
            }
            for s in case.screenings.all()
        ]
    if view.shows("consent"):
        body["consents"] = [
            {
                "purpose": c.purpose,
                "decision": c.decision,
                "given_by": c.given_by,
                "reason": c.reason,
                "recorded_at": c.recorded_at,
            }
            for c in case.consents.all()
        ]
    body["referrals"] = [
        {
            "id": r.pk,
            "to_agency_id": r.to_agency_id,
            "service": r.service,
            "status": r.status,
            "shared_sections": r.shared_sections,
            "due_at": r.due_at,
        }
        for r in view.referrals
    ]
    origin = view.case.origin if view.full and hasattr(view.case, "origin") else None
    body["origin"] = (
        {
            "kind": origin.kind,
            "reference": origin.reference,
            "tip_id": origin.tip_id,
            "post_id": origin.post_id,
            "reason": origin.reason,
            "opened_by_agency_id": origin.opened_by_agency_id,
            "opened_at": origin.opened_at,
        }
        if origin
        else None
    )
    body["timeline"] = [
        {"at": e.at, "kind": e.kind, "title": e.title, "detail": e.detail}
        for e in selectors.case_timeline(view)
    ]
    return body


class CaseFilter(Schema):
    mine: bool = False
    status: str = ""


@router.get("/", response=list[CaseOut], summary="Cases of the caller's agency")
@paginate(Pagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]):
    return selectors.case_list(actor=request_actor(request), mine=filters.mine, status=filters.status)


@router.post("/", response={201: CaseOut}, summary="Open a case for a child")
def case_create(request: HttpRequest, payload: CaseIn):
    return Status(201, services.case_open(actor=request_actor(request), **payload.dict()))


@router.get("/instruments", summary="Screening instruments and their versions")
def instrument_list(request: HttpRequest):
    require(request_actor(request), "cases.case.view", object_type="instrument")
    return [{"code": c, "version": v, "title": i.title} for (c, v), i in sorted(instruments().items())]


@router.get("/instruments/{code}/{version}", summary="One instrument version with its items")
def instrument_detail(request: HttpRequest, code: str, version: int):
    from django.core.exceptions import ValidationError

    from kinward.apps.cases.catalogue import UnknownInstrument

    require(request_actor(request), "cases.case.view", object_type="instrument")
    try:
        found = instrument_get(code, version)
    except UnknownInstrument as unknown:
        raise ValidationError({"instrument": str(unknown)}) from unknown
    return {
        "code": found.code,
        "version": found.version,
        "title": found.title,
        "description": found.description,
        "groups": found.groups,
        "items": [vars(i) for i in found.items],
    }


@router.get("/referrals", response=list[ReferralOut], summary="Referrals into or out of the caller's agency")
@paginate(Pagination)
def referral_list(request: HttpRequest, direction: Literal["in", "out"] = "in", status: str = ""):
    actor = request_actor(request)
    if direction == "in":
        return selectors.referrals_in(actor=actor, status=status)
    return selectors.referrals_out(actor=actor, status=status)


class RespondIn(StrictSchema):
    decision: Literal["accept", "reject", "complete"]
    reason: str = ""


@router.post(
    "/referrals/{referral_id}/respond",
    response=ReferralOut,
    summary="The receiving agency accepts, rejects (with a reason) or completes a referral",
)
def referral_respond(request: HttpRequest, referral_id: int, payload: RespondIn):
    actor = request_actor(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    return services.referral_respond(
        actor=actor, referral=referral, decision=payload.decision, reason=payload.reason
    )


class RevokeIn(StrictSchema):
    reason: str


@router.post("/referrals/{referral_id}/revoke", response=ReferralOut, summary="The referring agency revokes")
def referral_revoke(request: HttpRequest, referral_id: int, payload: RevokeIn):
    actor = request_actor(request)
    referral = selectors.referral_get(actor=actor, referral_id=referral_id)
    return services.referral_revoke(actor=actor, referral=referral, reason=payload.reason)


@router.get("/outcomes", summary="Coded outcomes per service type (the caller's agency)")
def outcome_summary(request: HttpRequest):
    return [
        {
            "service": o.service,
            "title": o.title,
            "outcomes": o.outcomes,
            "positive": o.positive,
            "positive_share": o.positive_share,
            "by_outcome": o.by_outcome,
        }
        for o in selectors.service_outcomes(actor=request_actor(request))
    ]


@router.get(
    "/{case_id}", summary="One case as the caller may see it (audited; filtered for referred agencies)"
)
def case_detail(request: HttpRequest, case_id: int):
    return _case_detail(selectors.case_view(actor=request_actor(request), case_id=case_id))


class ChildCorrectionIn(StrictSchema):
    reason: str
    given_name: str | None = None
    family_name: str | None = None
    sex: Literal["female", "male", "unknown"] | None = None
    birth_date: date | None = None
    age_estimate_years: int | None = None
    nationality: str | None = None
    languages: str | None = None
    newborn_id: str | None = None


@router.patch(
    "/{case_id}/child",
    response=dict,
    summary="Correct the child's identity: only the fields sent change; the reason is kept with the case",
)
def child_correct(request: HttpRequest, case_id: int, payload: ChildCorrectionIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    changes = payload.dict(exclude_unset=True)
    reason = changes.pop("reason")
    services.case_child_correct(actor=actor, case=case, reason=reason, changes=changes)
    change = case.record_changes.order_by("-pk").first()
    return {"id": case.pk, "corrected": change.fields, **{n: getattr(case, n) for n in services.CHILD_IDENTITY_FIELDS}}


class ReassignIn(StrictSchema):
    caseworker_id: int
    reason: str


@router.post(
    "/{case_id}/caseworker", response=dict, summary="A supervisor gives the case to another caseworker of the agency"
)
def caseworker_reassign(request: HttpRequest, case_id: int, payload: ReassignIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    caseworker = User.objects.filter(pk=payload.caseworker_id).first()
    if caseworker is None:
        raise ValidationError({"caseworker_id": f"no user {payload.caseworker_id}"})
    services.case_caseworker_reassign(actor=actor, case=case, caseworker=caseworker, reason=payload.reason)
    return {"id": case.pk, "caseworker_id": case.caseworker_id}


class ScreeningIn(StrictSchema):
    instrument: str
    version: int
    answers: dict[str, bool]
    notes: str = ""


@router.post("/{case_id}/screenings", response={201: dict}, summary="Record a screening: a level of concern")
def screening_create(request: HttpRequest, case_id: int, payload: ScreeningIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    s = services.screening_record(
        actor=actor,
        case=case,
        instrument=payload.instrument,
        version=payload.version,
        answers=payload.answers,
        notes=payload.notes,
    )
    return Status(201, {
        "id": s.pk,
        "level": s.level,
        "score": s.score,
        "raised_items": s.raised_items,
        "reasons": s.reasons,
        "note": "A level of concern, not a determination: a competent authority decides the status.",
    })


class ConsentIn(StrictSchema):
    purpose: str
    decision: Literal["given", "refused", "withdrawn", "override"]
    given_by: str = ""
    reason: str = ""


@router.post(
    "/{case_id}/consents", response={201: dict}, summary="Record consent for one purpose, or override"
)
def consent_create(request: HttpRequest, case_id: int, payload: ConsentIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    c = services.consent_record(actor=actor, case=case, **payload.dict())
    return Status(201, {"id": c.pk, "purpose": c.purpose, "decision": c.decision})


class StatusIn(StrictSchema):
    status: Literal["possible", "actual", "not"]
    authority: str
    decided_on: date
    reasons: str


@router.post(
    "/{case_id}/status-decisions",
    response={201: dict},
    summary="Record a competent authority's trafficking-status decision",
)
def status_create(request: HttpRequest, case_id: int, payload: StatusIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    d = services.status_decide(actor=actor, case=case, **payload.dict())
    return Status(201, {"id": d.pk, "status": d.status})


class ReferralIn(StrictSchema):
    to_agency_id: int
    service: str
    details: str = ""
    shared_sections: list[str] = []


@router.post("/{case_id}/referrals", response={201: ReferralOut}, summary="Refer the child to another agency")
def referral_create(request: HttpRequest, case_id: int, payload: ReferralIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    to_agency = Agency.objects.get(pk=payload.to_agency_id)
    return Status(201, services.referral_create(
        actor=actor,
        case=case,
        to_agency=to_agency,
        service=payload.service,
        details=payload.details,
        shared_sections=payload.shared_sections,
    ))


class ServiceIn(StrictSchema):
    entry: Literal["delivery", "follow_up", "outcome"]
    occurred_on: date
    referral_id: int | None = None
    service: str = ""
    description: str = ""
    outcome: str = ""
    next_follow_up_on: date | None = None


@router.post(
    "/{case_id}/services",
    response={201: dict},
    summary="Record a service delivered, a follow-up or an outcome (either agency of a referral)",
)
def service_create(request: HttpRequest, case_id: int, payload: ServiceIn):
    actor = request_actor(request)
    data = payload.dict()
    referral_id = data.pop("referral_id")
    if referral_id is not None:
        referral = selectors.referral_get(actor=actor, referral_id=referral_id)
        case = referral.case
        if case.pk != case_id:
            from django.http import Http404

            raise Http404
    else:
        referral = None
        case = selectors.case_for_manage(actor=actor, case_id=case_id)
    r = services.service_record_add(actor=actor, case=case, referral=referral, **data)
    return Status(201, {"id": r.pk, "service": r.service, "entry": r.entry, "outcome": r.outcome})


class ClosureIn(StrictSchema):
    reason: str


@router.post("/{case_id}/closure", response={201: dict}, summary="Ask for the case to be closed")
def closure_create(request: HttpRequest, case_id: int, payload: ClosureIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    c = services.closure_request(actor=actor, case=case, reason=payload.reason)
    return Status(201, {"id": c.pk, "status": c.status})


class ClosureDecisionIn(StrictSchema):
    decision: Literal["approve", "return"]
    note: str = ""


@router.post(
    "/{case_id}/closure/decision", response=dict, summary="A supervisor approves or returns a closure"
)
def closure_decision(request: HttpRequest, case_id: int, payload: ClosureDecisionIn):
    actor = request_actor(request)
    case = selectors.case_for_manage(actor=actor, case_id=case_id)
    closure = ClosureRequest.objects.get(case=case, status=ClosureRequest.Status.PENDING)
    c = services.closure_decide(
        actor=actor, closure=closure, approve=payload.decision == "approve", note=payload.note
    )
    return {"id": c.pk, "status": c.status, "case_status": case.status}
