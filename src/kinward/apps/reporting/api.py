"""Mandatory reporting API: file a report, act on its steps, the overdue dashboard, missed-report leads and the
penalty procedure. A report's `reported_at` is the server's time; a body that sends one is refused (422)."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.accounts.models import Agency, User
from kinward.apps.core.api_support import (
    API_ERRORS,
    Pagination,
    PersonSession,
    StrictSchema,
    SystemClientToken,
    request_actor,
)
from kinward.apps.reporting import missed as missed_services
from kinward.apps.reporting import penalties, selectors, services
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding, ReportFiling, ReportStep
from kinward.engines.ids import format_id

router = Router(tags=["reporting"], auth=[SystemClientToken(), PersonSession()])
ERRORS = API_ERRORS


class ReporterIn(StrictSchema):
    name: str = Field(min_length=1, max_length=300)
    role: Literal["doctor", "midwife", "nurse", "clerk", "other"] = "midwife"


class ReportIn(StrictSchema):
    """An abandoned newborn found. There is no `reported_at`: the server's clock sets it, and a body that sends
    one (or any unknown field) is refused."""

    facility_id: int | None = Field(None, description="the facility reporting; default: the caller's agency")
    found_at: dt.datetime = Field(description="when the child was found, RFC 3339 with offset")
    place: str = Field(min_length=1, max_length=300, description="where the child was found")
    found_by: str = Field(min_length=1, max_length=300, description="who found the child (role, not a name)")
    condition: str = Field(min_length=1, max_length=300)
    care_given: str = Field(min_length=1, max_length=4000, description="immediate care given")
    newborn_id: str | None = Field(
        None, description="the child's newborn ID if it has one; else one is issued"
    )
    sex: Literal["female", "male", "unknown"] = "unknown"
    weight_g: int | None = Field(None, ge=200, le=8000)
    reporter: ReporterIn | None = Field(None, description="required for system clients; default: the caller")


class StepOut(Schema):
    id: int
    kind: str
    recipient_code: str
    recipient_label: str
    recipient_agency_id: int | None
    recipient_role: str
    due_at: dt.datetime
    notified_at: dt.datetime | None
    notified_count: int
    done_at: dt.datetime | None
    done_by_id: int | None
    meeting_held_at: dt.datetime | None
    meeting_attendees: str
    is_overdue: bool
    overdue_since: dt.datetime | None


class ReportOut(Schema):
    id: int
    report_id: int
    newborn_id: str
    newborn_id_display: str
    newborn_id_issued: bool
    facility_id: int
    found_at: dt.datetime
    reported_at: dt.datetime
    due_at: dt.datetime
    is_late: bool
    late_by_seconds: int | None
    late_by: str
    place: str
    condition: str
    care_given: str
    jurisdiction: str
    jurisdiction_version: str
    steps: list[StepOut]
    penalty_id: int | None


def _step_out(step: ReportStep, now: dt.datetime) -> dict:
    overdue = step.done_at is None and step.due_at < now
    return {
        **{k: getattr(step, k) for k in StepOut.model_fields if hasattr(step, k)},
        "is_overdue": overdue,
        "overdue_since": step.due_at if overdue else None,
    }


def report_out(filing: ReportFiling) -> dict:
    now = timezone.now()
    report = filing.report
    return {
        "id": filing.pk,
        "report_id": report.pk,
        "newborn_id": report.child.newborn_id,
        "newborn_id_display": format_id(report.child.newborn_id),
        "newborn_id_issued": filing.newborn_id_issued,
        "facility_id": filing.facility_id,
        "found_at": report.found_at,
        "reported_at": report.reported_at,
        "due_at": filing.due_at,
        "is_late": filing.is_late,
        "late_by_seconds": int(filing.late_by.total_seconds()) if filing.late_by else None,
        "late_by": services.human_duration(filing.late_by),
        "place": report.place,
        "condition": report.condition,
        "care_given": filing.care_given,
        "jurisdiction": filing.jurisdiction,
        "jurisdiction_version": filing.jurisdiction_version,
        "steps": [_step_out(s, now) for s in selectors.steps_of(filing)],
        "penalty_id": PenaltyProceeding.objects.filter(filing=filing).values_list("pk", flat=True).first(),
    }


class ReportListOut(Schema):
    id: int
    report_id: int
    facility_id: int
    found_at: dt.datetime
    reported_at: dt.datetime
    is_late: bool
    late_by: str


@router.post(
    "/reports", response={201: ReportOut, **ERRORS}, summary="File the report of an abandoned newborn"
)
def report_file(request: HttpRequest, payload: ReportIn):
    actor = request_actor(request)
    facility = (
        Agency.objects.select_related("region").filter(pk=payload.facility_id or actor.agency_id).first()
    )
    if facility is None:
        raise ValidationError({"facility_id": "give the reporting facility"})
    data = services.AbandonmentInput(
        found_at=payload.found_at,
        place=payload.place,
        found_by=payload.found_by,
        condition=payload.condition,
        care_given=payload.care_given,
        newborn_id=payload.newborn_id or "",
        sex=payload.sex,
        weight_g=payload.weight_g,
        reporter_name=payload.reporter.name if payload.reporter else "",
        reporter_role=payload.reporter.role if payload.reporter else "midwife",
    )
    filing = services.abandonment_report_file(
        actor=actor, facility=facility, data=data, channel=ReportFiling.Channel.API
    )
    return Status(201, report_out(filing))


@router.get(
    "/reports", response=list[ReportListOut], summary="Reports the caller may read (late ones flagged)"
)
@paginate(Pagination)
def report_list(request: HttpRequest, late: bool = False):
    return [
        {
            "id": f.pk,
            "report_id": f.report_id,
            "facility_id": f.facility_id,
            "found_at": f.report.found_at,
            "reported_at": f.report.reported_at,
            "is_late": f.is_late,
            "late_by": services.human_duration(f.late_by),
        }
        for f in selectors.report_list(actor=request_actor(request), late_only=late)
    ]


@router.get(
    "/reports/{filing_id}", response={200: ReportOut, **ERRORS}, summary="One report with its steps (audited)"
)
def report_detail(request: HttpRequest, filing_id: int):
    return report_out(selectors.report_open(actor=request_actor(request), filing_id=filing_id))


class AcknowledgeIn(StrictSchema):
    note: str = Field("", max_length=2000)


class MeetingIn(StrictSchema):
    held_at: dt.datetime
    attendees: str = Field(min_length=1, max_length=2000, description="agencies and roles present")
    note: str = Field("", max_length=4000)


@router.post(
    "/steps/{step_id}/acknowledge",
    response={200: StepOut, **ERRORS},
    summary="Acknowledge receipt of a report sent to the caller's agency",
)
def step_acknowledge(request: HttpRequest, step_id: int, payload: AcknowledgeIn):
    step = services.step_acknowledge(
        actor=request_actor(request), step=selectors.step_for_action(step_id=step_id), note=payload.note
    )
    return _step_out(step, timezone.now())


@router.post(
    "/steps/{step_id}/meeting", response={200: StepOut, **ERRORS}, summary="Record the strategy meeting"
)
def step_meeting(request: HttpRequest, step_id: int, payload: MeetingIn):
    step = services.strategy_meeting_record(
        actor=request_actor(request),
        step=selectors.step_for_action(step_id=step_id),
        held_at=payload.held_at,
        attendees=payload.attendees,
        note=payload.note,
    )
    return _step_out(step, timezone.now())


class OverdueStepOut(Schema):
    step_id: int
    report_id: int
    filing_id: int
    facility_id: int
    kind: str
    who_must_act: str
    recipient_agency_id: int | None
    overdue_since: dt.datetime
    overdue_for: str


def _overdue_out(o: selectors.OverdueStep) -> dict:
    return {
        "step_id": o.step.pk,
        "report_id": o.step.filing.report_id,
        "filing_id": o.step.filing_id,
        "facility_id": o.step.filing.facility_id,
        "kind": o.step.kind,
        "who_must_act": o.who,
        "recipient_agency_id": o.step.recipient_agency_id,
        "overdue_since": o.overdue_since,
        "overdue_for": services.human_duration(o.overdue_for),
    }


class FacilityOut(Schema):
    facility_id: int
    facility: str
    reports: int
    open_steps: int
    overdue_steps: list[OverdueStepOut]
    late_reports: list[ReportListOut]
    missed_new: int
    missed_confirmed: int


@router.get(
    "/dashboard",
    response=list[FacilityOut],
    summary="Overdue steps, late reports and missed reports by facility",
)
@paginate(Pagination)
def dashboard(request: HttpRequest):
    return [
        {
            "facility_id": r.facility.pk,
            "facility": r.facility.name,
            "reports": r.reports,
            "open_steps": r.open_steps,
            "overdue_steps": [_overdue_out(o) for o in r.overdue_steps],
            "late_reports": [
                {
                    "id": f.pk,
                    "report_id": f.report_id,
                    "facility_id": f.facility_id,
                    "found_at": f.report.found_at,
                    "reported_at": f.report.reported_at,
                    "is_late": True,
                    "late_by": services.human_duration(f.late_by),
                }
                for f in r.late_reports
            ],
            "missed_new": r.missed_new,
            "missed_confirmed": r.missed_confirmed,
        }
        for r in selectors.dashboard(actor=request_actor(request))
    ]


@router.get(
    "/overdue-steps", response=list[OverdueStepOut], summary="Overdue steps: who must act, since when"
)
@paginate(Pagination)
def overdue(request: HttpRequest):
    return [_overdue_out(o) for o in selectors.overdue_steps(actor=request_actor(request))]


class MissedOut(Schema):
    id: int
    rule: str
    facility_id: int
    newborn_id: str
    explanation: str
    facts: dict
    jurisdiction: str
    jurisdiction_version: str
    detected_at: dt.datetime
    status: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    decision_reason: str
    penalty_id: int | None


def _missed_out(lead: MissedReport) -> dict:
    return {
        **{k: getattr(lead, k) for k in MissedOut.model_fields if hasattr(lead, k)},
        "newborn_id": lead.child.newborn_id,
        "penalty_id": PenaltyProceeding.objects.filter(missed=lead).values_list("pk", flat=True).first(),
    }


@router.get("/missed", response=list[MissedOut], summary="Missed-report leads in the caller's scope")
@paginate(Pagination)
def missed_list(request: HttpRequest, status: Literal["", "new", "confirmed", "dismissed"] = ""):
    return [_missed_out(m) for m in selectors.missed_list(actor=request_actor(request), status=status)]


@router.get(
    "/missed/{missed_id}", response={200: MissedOut, **ERRORS}, summary="One missed-report lead (audited)"
)
def missed_detail(request: HttpRequest, missed_id: int):
    return _missed_out(selectors.missed_open(actor=request_actor(request), missed_id=missed_id))


class MissedDecisionIn(StrictSchema):
    decision: Literal["confirm", "dismiss"]
    reason: str = Field(min_length=1, max_length=4000)


@router.post(
    "/missed/{missed_id}/decision",
    response={200: MissedOut, **ERRORS},
    summary="Confirm or dismiss a missed-report lead, with the reason",
)
def missed_decide(request: HttpRequest, missed_id: int, payload: MissedDecisionIn):
    actor = request_actor(request)
    lead = selectors.missed_open(actor=actor, missed_id=missed_id)
    return _missed_out(
        missed_services.missed_report_decide(
            actor=actor, missed=lead, decision=payload.decision, reason=payload.reason
        )
    )


class PenaltyOut(Schema):
    id: int
    stage: str
    filing_id: int | None
    missed_id: int | None
    facility_id: int
    health_worker_id: int
    jurisdiction: str
    jurisdiction_version: str
    notice_text: str
    amount: str
    currency: str
    notice_by_id: int
    notice_at: dt.datetime
    response_due_at: dt.datetime
    response_text: str
    response_at: dt.datetime | None
    outcome: str
    decision_reasons: str
    decided_by_id: int | None
    decided_at: dt.datetime | None


def _penalty_out(p: PenaltyProceeding) -> dict:
    return {**{k: getattr(p, k) for k in PenaltyOut.model_fields}, "amount": str(p.amount)}


class PenaltyOpenIn(StrictSchema):
    filing_id: int | None = Field(None, description="a late report's id")
    missed_id: int | None = Field(None, description="a confirmed missed report's id")
    health_worker_id: int


@router.post(
    "/penalties", response={201: PenaltyOut, **ERRORS}, summary="Issue a penalty notice to a health worker"
)
def penalty_open(request: HttpRequest, payload: PenaltyOpenIn):
    actor = request_actor(request)
    filing = (
        ReportFiling.objects.select_related("facility__region").get(pk=payload.filing_id)
        if payload.filing_id
        else None
    )
    lead = (
        MissedReport.objects.select_related("facility__region").get(pk=payload.missed_id)
        if payload.missed_id
        else None
    )
    worker = User.objects.filter(pk=payload.health_worker_id).first()
    if worker is None:
        raise ValidationError({"health_worker_id": "no such person"})
    return Status(
        201,
        _penalty_out(penalties.penalty_open(actor=actor, health_worker=worker, filing=filing, missed=lead)),
    )


@router.get(
    "/penalties/{proceeding_id}",
    response={200: PenaltyOut, **ERRORS},
    summary="A penalty proceeding (audited)",
)
def penalty_detail(request: HttpRequest, proceeding_id: int):
    return _penalty_out(selectors.penalty_open_for(actor=request_actor(request), proceeding_id=proceeding_id))


class ResponseIn(StrictSchema):
    response: str = Field(min_length=1, max_length=8000)


class PenaltyDecisionIn(StrictSchema):
    outcome: Literal["upheld", "waived"]
    reasons: str = Field(min_length=1, max_length=8000)


@router.post(
    "/penalties/{proceeding_id}/response",
    response={200: PenaltyOut, **ERRORS},
    summary="The health worker's response to the notice",
)
def penalty_respond(request: HttpRequest, proceeding_id: int, payload: ResponseIn):
    actor = request_actor(request)
    proceeding = selectors.penalty_open_for(actor=actor, proceeding_id=proceeding_id)
    return _penalty_out(penalties.penalty_respond(actor=actor, proceeding=proceeding, text=payload.response))


@router.post(
    "/penalties/{proceeding_id}/decision",
    response={200: PenaltyOut, **ERRORS},
    summary="Decide a proceeding (by someone other than the notice's author)",
)
def penalty_decide(request: HttpRequest, proceeding_id: int, payload: PenaltyDecisionIn):
    actor = request_actor(request)
    proceeding = selectors.penalty_open_for(actor=actor, proceeding_id=proceeding_id)
    return _penalty_out(
        penalties.penalty_decide(
            actor=actor, proceeding=proceeding, outcome=payload.outcome, reasons=payload.reasons
        )
    )
