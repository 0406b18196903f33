"""Analysts' pages: the queue of risky posts, a post with its reasons highlighted and decisions, submissions,
sources with their statistics and errors, file imports, entity pages, and the classifier's versions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinward.apps.audit.services import require
from kinward.apps.cases import services as case_services
from kinward.apps.cases.forms import LeadCaseForm
from kinward.apps.core.forms import add_service_errors
from kinward.apps.watch import selectors, services
from kinward.apps.watch.highlight import highlighted_html
from kinward.apps.watch.models import Decision, Post

RISKY_LABELS = [
    ("offer_sale", _("Offer to sell a child")),
    ("seek_buy", _("Seeking to buy a child")),
    ("surrogacy_broker", _("Surrogacy brokering")),
    ("illegal_adoption", _("Adoption without papers")),
    ("review", _("Other concern")),
]


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("confirmed", _("Confirmed: a risky post (give the label)")),
            ("dismissed", _("Dismissed: not a concern")),
            ("needs_help", _("Needs help: the writer needs support; route to support services")),
        ],
    )
    label = forms.ChoiceField(
        label=_("Label (for a confirmed post)"), choices=[("", "—"), *RISKY_LABELS], required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required; kept with the decision and used to retrain the classifier."),
    )
    note = forms.CharField(
        label=_("Note for support"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class SubmitForm(forms.Form):
    text = forms.CharField(label=_("Text of the post"), widget=forms.Textarea(attrs={"rows": 6}))
    url = forms.CharField(label=_("Address of the post"), required=False)
    platform = forms.CharField(label=_("Platform"), required=False, max_length=100)
    screenshot = forms.FileField(label=_("Screenshot (PNG, JPEG or WebP)"), required=False)


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.CharField(label=_("Feed address (RSS, Atom or JSON Feed)"))
    platform = forms.CharField(label=_("Platform"), required=False, max_length=100)
    poll_minutes = forms.IntegerField(label=_("Minutes between polls"), initial=30, min_value=1)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (.jsonl or .csv)"))
    platform = forms.CharField(label=_("Platform"), required=False, max_length=100)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "awaiting_review")
    label = request.GET.get("label", "")
    source = request.GET.get("source", "")
    posts = selectors.post_queue(
        actor=request.actor, status=status, label=label, source_id=int(source) if source.isdigit() else None
    )
    page = Paginator(posts, 50).get_page(request.GET.get("page"))
    template = "watch/_queue_rows.html" if request.headers.get("HX-Request") else "watch/queue.html"
    return render(
        request,
        template,
        {
            "page": page,
            "status": status,
            "label": label,
            "statuses": Post.Status.choices,
            "labels": RISKY_LABELS,
        },
    )


def _case_form(request: HttpRequest, data=None) -> LeadCaseForm:
    return LeadCaseForm(data, prefix="case", agencies=case_services.lead_agencies(actor=request.actor))


def _detail_context(post: Post, form: DecisionForm, case_form=None, request=None) -> dict:
    origin = selectors.post_case(post)
    return {
        "post": post,
        "form": form,
        "case_origin": origin,
        "case_form": None if origin or request is None else (case_form or _case_form(request)),
        "text_html": highlighted_html(post.text, post.highlights),
        "decisions": selectors.post_decisions(post),
        "entities": post.post_entities.select_related("entity").order_by("entity__type"),
    }


@login_required
def detail(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_open(actor=request.actor, post_id=post_id)
    return render(request, "watch/post.html", _detail_context(post, DecisionForm(), request=request))


@login_required
@require_POST
def open_case(request: HttpRequest, post_id: int) -> HttpResponse:
    """Needs help, routed directly to a case at a child-protection agency (instead of the tip queue)."""
    post = selectors.post_open(actor=request.actor, post_id=post_id)
    form = _case_form(request, request.POST)
    if form.is_valid():
        try:
            decision = services.post_decide(
                actor=request.actor,
                post=post,
                outcome=Decision.Outcome.NEEDS_HELP,
                reason=form.cleaned_data["reason"],
                route=services.ROUTE_CASE,
                agency=form.cleaned_data["agency"],
                child=form.child(),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request, _("Case %(ref)s is opened.") % {"ref": decision.route_target.split(":", 1)[1]}
            )
            return redirect("watch:post", post_id=post.pk)
    context = _detail_context(post, DecisionForm(), form, request=request)
    return render(request, "watch/post.html", context, status=400)


@login_required
@require_POST
def decide(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_open(actor=request.actor, post_id=post_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.post_decide(
                actor=request.actor,
                post=post,
                outcome=data["outcome"],
                label=data["label"],
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("watch:post", post_id=post.pk)
    return render(request, "watch/post.html", _detail_context(post, form, request=request), status=400)


@login_required
def screenshot(request: HttpRequest, post_id: int) -> HttpResponse:
    post = selectors.post_screenshot(actor=request.actor, post_id=post_id)
    response = FileResponse(post.screenshot.open("rb"))
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def submit(request: HttpRequest) -> HttpResponse:
    require(request.actor, "watch.post.review", object_type="watch_post")
    form = SubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["screenshot"]
        try:
            result = services.post_submit(
                actor=request.actor,
                text=data["text"],
                url=data["url"],
                platform=data["platform"],
                screenshot=upload.read() if upload else None,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            if result.created:
                messages.success(request, _("The post is stored and classified."))
            else:
                messages.info(request, _("This text is already held: here is the stored post."))
            return redirect("watch:post", post_id=result.post.pk)
    return render(request, "watch/submit.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def sources(request: HttpRequest) -> HttpResponse:
    stats = selectors.source_statistics(actor=request.actor)
    form = SourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.source_create(actor=request.actor, **form.cleaned_data)
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("The feed is added; it is polled within a few minutes."))
            return redirect("watch:sources")
    return render(
        request, "watch/sources.html", {"stats": stats, "form": form}, status=400 if form.errors else 200
    )


@login_required
@require_POST
def source_poll(request: HttpRequest, source_id: int) -> HttpResponse:
    source = selectors.source_get(actor=request.actor, source_id=source_id)
    result = services.source_poll_now(actor=request.actor, source=source)
    if result.ok:
        messages.success(request, _("Polled: %(n)d new posts.") % {"n": result.created})
    else:
        messages.error(request, _("The poll failed: %(error)s") % {"error": result.error})
    return redirect("watch:sources")


@login_required
def import_file(request: HttpRequest) -> HttpResponse:
    require(request.actor, "watch.source.manage", object_type="watch_source")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.posts_import_file(
                actor=request.actor,
                filename=upload.name,
                content=upload.read(),
                platform=form.cleaned_data["platform"],
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("%(read)d records read: %(created)d new posts (%(risky)d risky), %(dup)d already held.")
                % {
                    "read": report.read,
                    "created": report.created,
                    "risky": report.risky,
                    "dup": report.duplicates,
                },
            )
            return redirect("watch:sources")
    return render(request, "watch/import.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def entity(request: HttpRequest, entity_id: int) -> HttpResponse:
    page = selectors.entity_open(actor=request.actor, entity_id=entity_id)
    return render(request, "watch/entity.html", {"page": page})


@login_required
def model(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            version = services.model_retrain(actor=request.actor)
        except ValidationError as invalid:
            messages.error(request, " ".join(invalid.messages))
        else:
            messages.success(request, _("Retrained: version %(v)s is now active.") % {"v": version.version})
        return redirect("watch:model")
    versions = selectors.model_versions(actor=request.actor)
    return render(
        request,
        "watch/model.html",
        {"versions": versions, "decided": Decision.objects.values("post").distinct().count()},
    )
