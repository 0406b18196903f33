"""Pages of mandatory reporting: file a report, a report with its steps, the supervisors' overdue dashboard, a
missed-report lead, and a penalty proceeding (the health worker's own page). Views call one service or selector."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.accounts.models import Agency, User
from kinward.apps.accounts.services import actor_for_user
from kinward.apps.audit.services import require
from kinward.apps.core.forms import add_service_errors
from kinward.apps.reporting import missed as missed_services
from kinward.apps.reporting import penalties, selectors, services
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding, ReportFiling, facility_scope
from kinward.engines.ids import format_id

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReportForm(forms.Form):
    """What the health worker reports. There is no "reported at" field: the server's clock sets it."""

    found_at = forms.DateTimeField(label=_("Found at (date and time)"), widget=DATETIME)
    place = forms.CharField(label=_("Where the child was found"), max_length=300)
    found_by = forms.CharField(label=_("Found by (role, e.g. night nurse, security guard)"), max_length=300)
    condition = forms.CharField(label=_("Condition of the child"), max_length=300)
    care_given = forms.CharField(label=_("Immediate care given"), widget=forms.Textarea(attrs={"rows": 3}))
    newborn_id = forms.CharField(
        label=_("Newborn ID, if the child has one"),
        required=False,
        help_text=_("Leave empty: a newborn ID is issued with the report."),
    )
    sex = forms.ChoiceField(
        label=_("Sex"), choices=[("unknown", _("unknown")), ("female", _("female")), ("male", _("male"))]
    )
    weight_g = forms.IntegerField(label=_("Weight (grams)"), required=False, min_value=200, max_value=8000)
    reporter_role = forms.ChoiceField(
        label=_("Your role"),
        choices=[
            ("midwife", _("midwife")),
            ("nurse", _("nurse")),
            ("doctor", _("doctor")),
            ("clerk", _("clerk")),
        ],
    )


class MeetingForm(forms.Form):
    held_at = forms.DateTimeField(label=_("Meeting held at"), widget=DATETIME)
    attendees = forms.CharField(
        label=_("Who took part (agencies and roles)"), widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirm", _("Confirm: a report was missed")),
            ("dismiss", _("Dismiss: not a missed report")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class PenaltyOpenForm(forms.Form):
    health_worker = forms.ModelChoiceField(label=_("Health worker"), queryset=User.objects.none())

    def __init__(self, *args, facility: Agency, **kwargs):
        super().__init__(*args, **kwargs)
        people = User.objects.filter(agency=facility, is_active=True).select_related("agency__region")
        allowed = [
            p.pk
            for p in people
            if authorize(actor_for_user(p), "reporting.penalty.respond", facility_scope(facility)).allowed
        ]
        self.fields["health_worker"].queryset = User.objects.filter(pk__in=allowed).order_by("username")


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("Your response"), widget=forms.Textarea(attrs={"rows": 5}))


class PenaltyDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Decision"), choices=PenaltyProceeding.Outcome.choices)
    reasons = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 4}))


@login_required
def report_file(request: HttpRequest) -> HttpResponse:
    require(request.actor, "reporting.abandonment.report", object_type="abandonment_report")
    facility = Agency.objects.select_related("region").filter(pk=request.actor.agency_id).first()
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        data = services.AbandonmentInput(
            found_at=d["found_at"],
            place=d["place"],
            found_by=d["found_by"],
            condition=d["condition"],
            care_given=d["care_given"],
            newborn_id=d["newborn_id"],
            sex=d["sex"],
            weight_g=d["weight_g"],
            reporter_role=d["reporter_role"],
        )
        try:
            filing = services.abandonment_report_file(actor=request.actor, facility=facility, data=data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The report is filed and every recipient has been told."))
            return redirect("reporting:report", filing_id=filing.pk)
    return render(
        request,
        "reporting/file.html",
        {"form": form, "facility": facility},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    late = request.GET.get("late") == "1"
    page = Paginator(selectors.report_list(actor=request.actor, late_only=late), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reporting/reports.html",
        {
            "page": page,
            "late": late,
            "can_file": authorize(request.actor, "reporting.abandonment.report").allowed,
        },
    )


def _step_rows(request: HttpRequest, filing: ReportFiling) -> list[dict]:
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for step in selectors.steps_of(filing):
        may_act = (
            not step.is_done
            and authorize(request.actor, "reporting.step.acknowledge", step).allowed
            and (not step.recipient_role or step.recipient_role in request.actor.roles)
        )
        rows.append(
            {
                "step": step,
                "overdue": not step.is_done and step.due_at < now,
                "overdue_for": services.human_duration(now - step.due_at) if step.due_at < now else "",
                "may_act": may_act,
            }
        )
    return rows


def _report_context(request: HttpRequest, filing: ReportFiling, **extra) -> dict:
    proceeding = PenaltyProceeding.objects.filter(filing=filing).first()
    may_open = (
        filing.is_late
        and proceeding is None
        and authorize(request.actor, "reporting.penalty.decide", filing).allowed
    )
    return {
        "filing": filing,
        "report": filing.report,
        "late_by": services.human_duration(filing.late_by),
        "newborn_id_display": format_id(filing.report.child.newborn_id),
        "steps": _step_rows(request, filing),
        "meeting_form": MeetingForm(),
        "proceeding": proceeding,
        "penalty_form": PenaltyOpenForm(facility=filing.facility) if may_open else None,
        **extra,
    }


@login_required
def report_detail(request: HttpRequest, filing_id: int) -> HttpResponse:
    filing = selectors.report_open(actor=request.actor, filing_id=filing_id)
    return render(request, "reporting/report.html", _report_context(request, filing))


@login_required
@require_POST
def step_act(request: HttpRequest, step_id: int, action: str) -> HttpResponse:
    step = selectors.step_for_action(step_id=step_id)
    try:
        if action == "acknowledge":
            services.step_acknowledge(actor=request.actor, step=step, note=request.POST.get("note", ""))
        elif action == "meeting":
            form = MeetingForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: " ".join(v) for k, v in form.errors.items()})
            services.strategy_meeting_record(actor=request.actor, step=step, **form.cleaned_data)
        else:
            raise Http404
    except ValidationError as invalid:
        messages.error(request, " ".join(invalid.messages))
    else:
        messages.success(request, _("Recorded, with your name and the time."))
    if authorize(request.actor, "reporting.report.view", step.filing).allowed:
        return redirect("reporting:report", filing_id=step.filing_id)
    return redirect("core:home")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    rows = selectors.dashboard(actor=request.actor)
    leads = selectors.missed_list(actor=request.actor, status=MissedReport.Status.NEW)[:100]
    return render(
        request,
        "reporting/dashboard.html",
        {
            "rows": [
                {
                    "row": r,
                    "late": [(f, services.human_duration(f.late_by)) for f in r.late_reports],
                    "overdue": [(o, services.human_duration(o.overdue_for)) for o in r.overdue_steps],
                }
                for r in rows
            ],
            "leads": leads,
        },
    )


@login_required
def missed_detail(request: HttpRequest, missed_id: int) -> HttpResponse:
    lead = selectors.missed_open(actor=request.actor, missed_id=missed_id)
    return render(request, "reporting/missed.html", _missed_context(request, lead, DecisionForm()))


def _missed_context(request: HttpRequest, lead: MissedReport, form: forms.Form) -> dict:
    proceeding = PenaltyProceeding.objects.filter(missed=lead).first()
    may_open = (
        lead.status == MissedReport.Status.CONFIRMED
        and proceeding is None
        and authorize(request.actor, "reporting.penalty.decide", lead).allowed
    )
    return {
        "lead": lead,
        "form": form,
        "proceeding": proceeding,
        "may_decide": lead.status == MissedReport.Status.NEW
        and authorize(request.actor, "reporting.missed.decide", lead).allowed,
        "penalty_form": PenaltyOpenForm(facility=lead.facility) if may_open else None,
    }


@login_required
@require_POST
def missed_decide(request: HttpRequest, missed_id: int) -> HttpResponse:
    lead = selectors.missed_open(actor=request.actor, missed_id=missed_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            missed_services.missed_report_decide(actor=request.actor, missed=lead, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("reporting:missed", missed_id=lead.pk)
    return render(request, "reporting/missed.html", _missed_context(request, lead, form), status=400)


@login_required
@require_POST
def penalty_open(request: HttpRequest) -> HttpResponse:
    filing_id, missed_id = request.POST.get("filing_id"), request.POST.get("missed_id")
    filing = selectors.report_open(actor=request.actor, filing_id=int(filing_id)) if filing_id else None
    lead = selectors.missed_open(actor=request.actor, missed_id=int(missed_id)) if missed_id else None
    ground = filing or lead
    if ground is None:
        raise Http404
    form = PenaltyOpenForm(request.POST, facility=ground.facility)
    if form.is_valid():
        try:
            proceeding = penalties.penalty_open(
                actor=request.actor,
                health_worker=form.cleaned_data["health_worker"],
                filing=filing,
                missed=lead,
            )
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(request, _("The notice is issued; the health worker has been told."))
            return redirect("reporting:penalty", proceeding_id=proceeding.pk)
    else:
        messages.error(request, _("Choose the health worker of this facility."))
    return (
        redirect("reporting:report", filing_id=filing.pk)
        if filing
        else redirect("reporting:missed", missed_id=lead.pk)
    )


@login_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "reporting/penalties.html", {"proceedings": selectors.my_penalties(actor=request.actor)}
    )


def _penalty_context(request: HttpRequest, proceeding: PenaltyProceeding, **forms_) -> dict:
    actor = request.actor
    awaiting = proceeding.stage == PenaltyProceeding.Stage.AWAITING_RESPONSE
    may_respond = awaiting and actor.user_id == proceeding.health_worker_id
    may_decide = (
        proceeding.stage != PenaltyProceeding.Stage.DECIDED
        and actor.user_id not in (proceeding.notice_by_id, proceeding.health_worker_id)
        and authorize(actor, "reporting.penalty.decide", proceeding).allowed
    )
    return {
        "p": proceeding,
        "response_form": forms_.get("response_form") or (ResponseForm() if may_respond else None),
        "decision_form": forms_.get("decision_form") or (PenaltyDecisionForm() if may_decide else None),
    }


@login_required
def penalty_detail(request: HttpRequest, proceeding_id: int) -> HttpResponse:
    proceeding = selectors.penalty_open_for(actor=request.actor, proceeding_id=proceeding_id)
    return render(request, "reporting/penalty.html", _penalty_context(request, proceeding))


def _penalty_step(request: HttpRequest, proceeding: PenaltyProceeding, action: str, data: dict) -> None:
    if action == "respond":
        penalties.penalty_respond(actor=request.actor, proceeding=proceeding, text=data["response"])
    else:
        penalties.penalty_decide(
            actor=request.actor, proceeding=proceeding, outcome=data["outcome"], reasons=data["reasons"]
        )


@login_required
@require_POST
def penalty_act(request: HttpRequest, proceeding_id: int, action: str) -> HttpResponse:
    proceeding = selectors.penalty_open_for(actor=request.actor, proceeding_id=proceeding_id)
    if action == "respond":
        form, key = ResponseForm(request.POST), "response_form"
    elif action == "decide":
        form, key = PenaltyDecisionForm(request.POST), "decision_form"
    else:
        raise Http404
    if form.is_valid():
        try:
            _penalty_step(request, proceeding, action, form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Recorded."))
            return redirect("reporting:penalty", proceeding_id=proceeding.pk)
    return render(
        request, "reporting/penalty.html", _penalty_context(request, proceeding, **{key: form}), status=400
    )
