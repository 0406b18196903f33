"""Pages: tracing requests and rescued children (caseworkers), samples and imports (laboratory), the match queue
and a match's whole path in plain words, with the form for whichever step comes next and the actor may take."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.core.forms import apply_form
from kinward.apps.reunification import forms, selectors, services
from kinward.apps.reunification.models import GenotypeImport, MatchProposal


@login_required
def tracing_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    found = selectors.tracing_requests(actor=actor, status=request.GET.get("status", ""))
    form = forms.TracingForm(request.POST or None)
    created = []
    if request.method == "POST" and apply_form(
        form,
        lambda d: created.append(
            services.tracing_request_create(actor=actor, **forms.TracingForm.service_args(d))
        ),
    ):
        messages.success(request, _("The tracing request is recorded."))
        return redirect("reunification:tracing_detail", request_id=created[0].pk)
    return render(
        request,
        "reunification/tracing_list.html",
        {"page": Paginator(found, 50).get_page(request.GET.get("page")), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def tracing_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    actor = request.actor
    tracing = selectors.tracing_request_open(actor=actor, request_id=request_id)
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST" and apply_form(
        form, lambda d: services.family_member_add(actor=actor, tracing_request=tracing, **d)
    ):
        messages.success(request, _("The family member is added."))
        return redirect("reunification:tracing_detail", request_id=tracing.pk)
    matches = selectors.match_queue(actor=actor).filter(tracing_request=tracing)
    return render(
        request,
        "reunification/tracing_detail.html",
        {"tracing": tracing, "members": tracing.members.all(), "form": form, "matches": matches},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def children(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    found = selectors.rescued_children(actor=actor)
    posted = request.POST if request.method == "POST" else None
    linking = posted is not None and posted.get("form") == "case_link"
    form = forms.ChildForm(None if linking else posted)
    link_form = forms.CaseLinkForm(
        posted if linking else None, children=found, cases=selectors.child_case_choices(actor=actor)
    )
    if linking and apply_form(
        link_form,
        lambda d: services.rescued_child_case_link(
            actor=actor, child=d["child"], case_id=d["case"].pk if d["case"] else None
        ),
    ):
        messages.success(request, _("The child's case is linked."))
        return redirect("reunification:children")
    if (
        posted is not None
        and not linking
        and apply_form(form, lambda d: services.rescued_child_record(actor=actor, **d))
    ):
        messages.success(request, _("The child is recorded."))
        return redirect("reunification:children")
    return render(
        request,
        "reunification/children.html",
        {
            "page": Paginator(found, 50).get_page(request.GET.get("page")),
            "form": form,
            "link_form": link_form,
        },
        status=400 if posted is not None else 200,
    )


@login_required
def samples(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    found = selectors.samples(actor=actor, status=request.GET.get("status", ""))
    form = forms.SampleForm(request.POST or None)

    def record(d):
        child = (
            selectors.donor_child_for_lab(actor=actor, child_id=d.pop("donor_child"))
            if d.get("donor_child")
            else None
        )
        member = (
            selectors.donor_member_for_lab(actor=actor, member_id=d.pop("donor_member"))
            if d.get("donor_member")
            else None
        )
        d.pop("donor_child", None), d.pop("donor_member", None)
        services.dna_sample_record(actor=actor, donor_child=child, donor_member=member, **d)

    if request.method == "POST" and apply_form(form, record):
        messages.success(request, _("The sample is registered with its collection event."))
        return redirect("reunification:samples")
    rows = [(s, selectors.typed_loci(s)) for s in Paginator(found, 50).get_page(request.GET.get("page"))]
    return render(
        request,
        "reunification/samples.html",
        {"rows": rows, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def sample_detail(request: HttpRequest, sample_id: int) -> HttpResponse:
    actor = request.actor
    sample = selectors.sample_open(actor=actor, sample_id=sample_id)
    form = forms.CustodyForm(request.POST or None)
    if request.method == "POST" and apply_form(
        form, lambda d: services.sample_custody_record(actor=actor, sample=sample, **d)
    ):
        messages.success(request, _("The custody event is recorded."))
        return redirect("reunification:sample_detail", sample_id=sample.pk)
    return render(
        request,
        "reunification/sample_detail.html",
        {
            "sample": sample,
            "events": sample.custody_events.all(),
            "form": form,
            "typed_loci": selectors.typed_loci(sample),
            "panels": selectors.sample_genotypes(actor=actor, sample=sample),
            "runs": sample.search_runs.order_by("-id")[:10],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def sample_search(request: HttpRequest, sample_id: int) -> HttpResponse:
    actor = request.actor
    sample = selectors.sample_open(actor=actor, sample_id=sample_id)
    try:
        services.match_search_request(actor=actor, sample=sample)
    except ValidationError as invalid:
        messages.error(request, " ".join(m for ms in invalid.message_dict.values() for m in ms))
    else:
        messages.info(
            request,
            _(
                "Search queued: it runs in the background against every laboratory's profiles in the country. "
                "This page shows when it is done."
            ),
        )
    return redirect("reunification:sample_detail", sample_id=sample.pk)


@login_required
def sample_runs(request: HttpRequest, sample_id: int) -> HttpResponse:
    """The sample's searches (queued, running, done, failed): the fragment the sample page polls while one runs."""
    sample = selectors.sample_open(actor=request.actor, sample_id=sample_id)
    return render(
        request,
        "reunification/_search_runs.html",
        {"sample": sample, "runs": sample.search_runs.order_by("-id")[:10]},
    )


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    actor = request.actor
    found = selectors.genotype_imports(actor=actor)
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    record = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            record = services.genotypes_import(
                actor=actor,
                filename=upload.name,
                panel=form.cleaned_data["panel"],
                text=upload.read().decode("utf-8-sig"),
            )
        except (ValidationError, UnicodeDecodeError) as invalid:
            form.add_error(None, getattr(invalid, "messages", [str(invalid)]))
        else:
            if record.status == GenotypeImport.Status.IMPORTED:
                messages.success(request, _("%(n)s profiles imported.") % {"n": record.profiles})
                return redirect("reunification:imports")
    return render(
        request,
        "reunification/imports.html",
        {
            "imports": found[:50],
            "form": form,
            "refused": record,
            "runs": selectors.search_runs(actor=actor)[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def matches(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    found = selectors.match_queue(actor=request.actor, status=status)
    return render(
        request,
        "reunification/matches.html",
        {
            "page": Paginator(found, 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": MatchProposal.Status.choices,
        },
    )


STEPS = {
    "lab_review": (forms.LabReviewForm, "reunification.match.review", services.lab_review_record),
    "safeguarding": (forms.AssessmentForm, "reunification.safeguarding.assess", services.safeguarding_assess),
    "decision": (forms.DecisionForm, "reunification.decide", services.reunification_decide),
    "visit": (forms.VisitForm, "reunification.safeguarding.assess", services.followup_visit_record),
    "complete": (forms.CompleteForm, "reunification.safeguarding.assess", services.reunification_complete),
}
NEXT_STEPS = {
    MatchProposal.Status.PENDING_LAB_REVIEW: ["lab_review"],
    MatchProposal.Status.PENDING_SAFEGUARDING: ["safeguarding"],
    MatchProposal.Status.PENDING_DECISION: ["decision"],
    MatchProposal.Status.PLAN_REUNIFICATION: ["visit", "complete"],
    MatchProposal.Status.PLAN_ALTERNATIVE: ["visit"],
    MatchProposal.Status.REUNIFIED: ["visit"],
}


def _step_allowed(actor, step: str, match: MatchProposal) -> bool:
    action = STEPS[step][1]
    if step == "lab_review":
        return (
            selectors.may(actor, action, match) and authorize(actor, action, match.access_scopes()[0]).allowed
        )
    return authorize(actor, action, match).allowed


@login_required
def match_detail(request: HttpRequest, match_id: int) -> HttpResponse:
    actor = request.actor
    match = selectors.match_open(actor=actor, match_id=match_id)
    step = request.POST.get("step", "")
    bound = None
    if request.method == "POST":
        if step not in NEXT_STEPS.get(match.status, []) or not _step_allowed(actor, step, match):
            messages.error(request, _("This step cannot be taken now, or not by you."))
            return redirect("reunification:match_detail", match_id=match.pk)
        form_class, _action, service = STEPS[step]
        bound = form_class(request.POST)
        extra = {}
        if step == "safeguarding":  # the alerts shown on this page are the ones the assessment saw
            extra["red_flag_alerts"] = [a.pk for a in selectors.family_red_flags(actor=actor, match=match)]
        if apply_form(bound, lambda d: service(actor=actor, match=match, **d, **extra)):
            messages.success(request, _("Recorded."))
            return redirect("reunification:match_detail", match_id=match.pk)
    step_forms = []
    for name in NEXT_STEPS.get(match.status, []):
        if _step_allowed(actor, name, match):
            step_forms.append(
                (name, forms.STEP_TITLES[name], bound if name == step and bound else STEPS[name][0]())
            )
    facts = (
        selectors.safeguarding_facts(actor=actor, match=match)
        if match.status == MatchProposal.Status.PENDING_SAFEGUARDING
        and _step_allowed(actor, "safeguarding", match)
        else None
    )
    case = match.child.case
    child_case = case if case is not None and authorize(actor, "cases.case.view", case).allowed else None
    return render(
        request,
        "reunification/match_detail.html",
        {
            "match": match,
            "path": selectors.match_path(actor=actor, match=match),
            "step_forms": step_forms,
            "facts": facts,
            "red_flags": facts.alerts if facts else None,
            "child_case": child_case,
        },
        status=400 if bound is not None else 200,
    )
