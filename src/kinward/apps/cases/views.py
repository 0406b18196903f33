"""Caseworkers' pages: my cases, my deadlines, referrals in and out, a case with its timeline, screening forms,
the service directory, outcomes per service, and the agency's HTCDS export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.audit.services import require
from kinward.apps.cases import forms as f
from kinward.apps.cases import selectors, services
from kinward.apps.cases.catalogue import (
    UnknownInstrument,
    consent_rules,
    instrument_get,
    instruments,
    service_catalogue,
)
from kinward.apps.cases.export import cases_csv
from kinward.apps.cases.models import Case, ClosureRequest, Referral
from kinward.apps.core.forms import apply_form


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("all") != "1"
    status = request.GET.get("status", "open")
    cases = selectors.case_list(actor=request.actor, mine=mine, status=status)
    return render(
        request,
        "cases/list.html",
        {
            "cases": cases[:200],
            "mine": mine,
            "status": status,
            "statuses": Case.Status.choices,
            "perms_export": authorize(request.actor, "cases.case.export").allowed,
        },
    )


@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    require(request.actor, "cases.case.manage", object_type="case")
    form = f.CaseForm(request.POST or None)
    if request.method == "POST":
        made = {}
        if apply_form(form, lambda d: made.setdefault("case", services.case_open(actor=request.actor, **d))):
            messages.success(request, _("Case opened."))
            return redirect("cases:detail", case_id=made["case"].pk)
        return render(request, "cases/create.html", {"form": form}, status=400)
    return render(request, "cases/create.html", {"form": form})


def _case_forms(actor, case: Case, bound: tuple[str, object] | None = None) -> dict:
    made = {
        "context": f.ContextForm(
            prefix="context",
            initial={
                "exploitation_type": case.exploitation_type,
                "exploitation_details": case.exploitation_details,
                "vulnerabilities": case.vulnerabilities,
            },
        ),
        "child": f.ChildIdentityForm(
            prefix="child", initial={name: getattr(case, name) for name in services.CHILD_IDENTITY_FIELDS}
        ),
        "plan": f.PlanForm(prefix="plan", initial={"plan": case.support_plan}),
        "perpetrator": f.PerpetratorForm(prefix="perpetrator"),
        "event": f.EventForm(prefix="event"),
        "consent": f.ConsentForm(prefix="consent"),
        "refer": f.ReferralForm(prefix="refer", own_agency_id=case.agency_id),
        "service": f.ServiceForm(prefix="service"),
        "closure": f.ClosureForm(prefix="closure"),
    }
    if authorize(actor, "cases.status.decide", case).allowed:
        made["status"] = f.StatusForm(prefix="status")
    if authorize(actor, "cases.case.close_approve", case).allowed:
        made["closure_decision"] = f.ClosureDecisionForm(prefix="closure_decision")
    if authorize(actor, "cases.case.assign", case).allowed:
        made["reassign"] = f.ReassignForm(prefix="reassign", staff=_other_case_staff(case))
    if bound:
        made[bound[0]] = bound[1]
    return made


def _other_case_staff(case: Case):
    return services.agency_case_staff(case.agency_id).exclude(pk=case.caseworker_id).order_by("username")


def _child_correct(actor, case, d):
    changes = {name: value for name, value in d.items() if name != "reason"}
    services.case_child_correct(actor=actor, case=case, reason=d["reason"], changes=changes)


def _detail_context(request, view: selectors.CaseView, bound=None) -> dict:
    case = view.case
    context = {
        "view": view,
        "case": case,
        "origin": selectors.case_origin(actor=request.actor, view=view),
        "timeline": selectors.case_timeline(view),
        "age": services.case_age_years(case),
        "is_child": services.case_is_child(case),
    }
    if view.full:
        context.update(
            forms=_case_forms(request.actor, case, bound),
            instruments=sorted(instruments()),
            registry_known=selectors.registry_birth_known(case.newborn_id),
            pending_closure=case.closure_requests.filter(status=ClosureRequest.Status.PENDING).first(),
            consent_state={p: services.consent_current(case, p) for p in consent_rules().purposes},
        )
    return context


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    view = selectors.case_view(actor=request.actor, case_id=case_id)
    return render(request, "cases/detail.html", _detail_context(request, view))


def _closure_decide(actor, case, d):
    pending = case.closure_requests.filter(status=ClosureRequest.Status.PENDING).first()
    if pending is None:
        raise ValidationError({"decision": "no closure is waiting for approval"})
    services.closure_decide(actor=actor, closure=pending, approve=d["decision"] == "approve", note=d["note"])


CASE_ACTS = {
    "context": lambda a, c, d: services.case_context_update(actor=a, case=c, **d),
    "plan": lambda a, c, d: services.support_plan_set(actor=a, case=c, plan=d["plan"]),
    "perpetrator": lambda a, c, d: services.perpetrator_add(actor=a, case=c, **d),
    "event": lambda a, c, d: services.event_add(actor=a, case=c, **d),
    "status": lambda a, c, d: services.status_decide(actor=a, case=c, **d),
    "consent": lambda a, c, d: services.consent_record(actor=a, case=c, **d),
    "refer": lambda a, c, d: services.referral_create(actor=a, case=c, **d),
    "service": lambda a, c, d: services.service_record_add(actor=a, case=c, **d),
    "closure": lambda a, c, d: services.closure_request(actor=a, case=c, reason=d["reason"]),
    "closure_decision": _closure_decide,
    "child": _child_correct,
    "reassign": lambda a, c, d: services.case_caseworker_reassign(
        actor=a, case=c, caseworker=d["caseworker"], reason=d["reason"]
    ),
}
ACT_FORMS = {
    "context": f.ContextForm,
    "plan": f.PlanForm,
    "perpetrator": f.PerpetratorForm,
    "event": f.EventForm,
    "status": f.StatusForm,
    "consent": f.ConsentForm,
    "refer": f.ReferralForm,
    "service": f.ServiceForm,
    "closure": f.ClosureForm,
    "closure_decision": f.ClosureDecisionForm,
    "child": f.ChildIdentityForm,
    "reassign": f.ReassignForm,
}

# the acts that need more than `cases.case.manage`
ACT_PERMISSIONS = {
    "status": "cases.status.decide",
    "closure_decision": "cases.case.close_approve",
    "reassign": "cases.case.assign",
}


@login_required
@require_POST
def case_act(request: HttpRequest, case_id: int, what: str) -> HttpResponse:
    """One of the case's forms (context, plan, perpetrator, event, status, consent, refer, service, closure...)."""
    from django.http import Http404

    if what not in CASE_ACTS:
        raise Http404(what)
    case = selectors.case_for_manage(actor=request.actor, case_id=case_id)
    if what in ACT_PERMISSIONS:  # refused before the form is read, so a refusal never looks like a typo
        require(request.actor, ACT_PERMISSIONS[what], case, object_type="case", object_id=case.pk)
    extra = {"own_agency_id": case.agency_id} if what == "refer" else {}
    if what == "reassign":
        extra = {"staff": _other_case_staff(case)}
    form = ACT_FORMS[what](request.POST, prefix=what, **extra)
    if apply_form(form, lambda d: CASE_ACTS[what](request.actor, case, d)):
        messages.success(request, _("Recorded."))
        return redirect("cases:detail", case_id=case.pk)
    view = selectors.case_view(actor=request.actor, case_id=case.pk)
    return render(
        request, "cases/detail.html", _detail_context(request, view, bound=(what, form)), status=400
    )


@login_required
def screen(request: HttpRequest, case_id: int, code: str, version: int) -> HttpResponse:
    """The form renderer: an instrument version as a form; answering it records a level of concern."""
    case = selectors.case_for_manage(actor=request.actor, case_id=case_id)
    require(request.actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    try:
        instrument = instrument_get(code, version)
    except UnknownInstrument as unknown:
        return render(
            request, "cases/unknown_instrument.html", {"case": case, "message": str(unknown)}, status=404
        )
    form = f.screening_form(instrument, request.POST or None)
    if request.method == "POST" and form.is_valid():
        answers = {i.id: form.cleaned_data[i.id] for i in instrument.items}
        made = services.screening_record(
            actor=request.actor,
            case=case,
            instrument=code,
            version=version,
            answers=answers,
            notes=form.cleaned_data["notes"],
        )
        messages.success(
            request,
            _("Level of concern: %(level)s. This is not a determination of trafficking status.")
            % {"level": made.get_level_display().lower()},
        )
        return redirect("cases:detail", case_id=case.pk)
    groups = [(label, [form[i.id] for i in items]) for _g, label, items in instrument.items_by_group()]
    return render(
        request, "cases/screen.html", {"case": case, "instrument": instrument, "form": form, "groups": groups}
    )


@login_required
def deadlines(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    return render(
        request,
        "cases/deadlines.html",
        {"d": selectors.deadlines(actor=request.actor), "now": timezone.now()},
    )


@login_required
def referrals(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "cases/referrals.html",
        {
            "incoming": selectors.referrals_in(actor=request.actor, status=status)[:200],
            "outgoing": selectors.referrals_out(actor=request.actor, status=status)[:200],
            "status": status,
            "statuses": Referral.Status.choices,
        },
    )


def _referral_context(request, referral: Referral, **bound) -> dict:
    actor = request.actor
    receiving = authorize(actor, "cases.referral.respond", referral).allowed
    owning = authorize(actor, "cases.case.manage", referral.case).allowed
    view = selectors.case_view(actor=actor, case_id=referral.case_id)
    return {
        "referral": referral,
        "view": view,
        "receiving": receiving,
        "owning": owning,
        "timeline": selectors.case_timeline(view),
        "age": services.case_age_years(view.case),
        "steps": referral.steps.select_related("by"),
        "records": referral.service_records.all(),
        "respond_form": bound.get("respond") or f.RespondForm(prefix="respond"),
        "revoke_form": bound.get("revoke") or f.RevokeForm(prefix="revoke"),
        "service_form": bound.get("service") or f.ServiceForm(prefix="service"),
    }


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    referral = selectors.referral_get(actor=request.actor, referral_id=referral_id)
    return render(request, "cases/referral.html", _referral_context(request, referral))


@login_required
@require_POST
def referral_act(request: HttpRequest, referral_id: int, what: str) -> HttpResponse:
    """Answer (receiving agency), revoke (referring agency) or record a service on a referral."""
    from django.http import Http404

    referral = selectors.referral_get(actor=request.actor, referral_id=referral_id)
    actor = request.actor
    calls = {
        "respond": (f.RespondForm, lambda d: services.referral_respond(actor=actor, referral=referral, **d)),
        "revoke": (f.RevokeForm, lambda d: services.referral_revoke(actor=actor, referral=referral, **d)),
        "service": (
            f.ServiceForm,
            lambda d: services.service_record_add(
                actor=actor,
                case=referral.case,
                referral=referral,
                **{k: v for k, v in d.items() if k != "service"},
            ),
        ),
    }
    if what not in calls:
        raise Http404(what)
    form_class, call = calls[what]
    form = form_class(request.POST, prefix=what)
    if apply_form(form, call):
        messages.success(request, _("Recorded."))
        return redirect("cases:referral", referral_id=referral.pk)
    return render(
        request, "cases/referral.html", _referral_context(request, referral, **{what: form}), status=400
    )


@login_required
def outcomes(request: HttpRequest) -> HttpResponse:
    return render(request, "cases/outcomes.html", {"rows": selectors.service_outcomes(actor=request.actor)})


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    require(request.actor, "cases.case.view", object_type="agency_service")
    form = f.DeclareForm(request.POST or None)
    may_declare = authorize(request.actor, "cases.service.declare").allowed
    if request.method == "POST":
        from kinward.apps.accounts.models import Agency

        require(request.actor, "cases.service.declare", object_type="agency_service")
        agency = Agency.objects.get(pk=request.actor.agency_id)
        if apply_form(
            form, lambda d: services.agency_service_declare(actor=request.actor, agency=agency, **d)
        ):
            messages.success(request, _("Recorded."))
            return redirect("cases:directory")
    kinds = service_catalogue().kinds
    return render(
        request,
        "cases/directory.html",
        {"offers": selectors.agency_services(), "kinds": kinds, "form": form, "may_declare": may_declare},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The agency's cases as CSV with HTCDS-named columns (audited)."""
    body = cases_csv(selectors.cases_for_export(actor=request.actor))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases-htcds.csv"'
    return response
