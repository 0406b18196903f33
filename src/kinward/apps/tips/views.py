"""Pages of the public tip line (no sign-in) and the analysts' triage queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from kinward.apps.cases import services as case_services
from kinward.apps.cases.forms import LeadCaseForm
from kinward.apps.core.forms import add_service_errors
from kinward.apps.tips import selectors, services
from kinward.apps.tips.forms import AddInformationForm, ReceiptCodeForm, TipForm, TriageForm
from kinward.apps.tips.models import Tip
from kinward.apps.tips.ratelimit import RateLimited, rate_check


def _rate_limited(request: HttpRequest, limited: RateLimited) -> HttpResponse:
    response = render(
        request, "tips/rate_limited.html", {"minutes": max(1, limited.retry_after // 60)}, status=429
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """The anonymous tip form; after a successful submission the receipt code is shown once, on this answer."""
    if request.method == "GET":
        return render(request, "tips/submit.html", {"form": TipForm()})
    try:
        rate_check(scope="submit", address=request.META.get("REMOTE_ADDR", ""))
    except RateLimited as limited:
        return _rate_limited(request, limited)
    form = TipForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            submitted = services.tip_submit(
                category=data["category"],
                what_happened=data["what_happened"],
                where=data["where"],
                region=data["region"],
                when=data["when"],
                seen_identifiers=data["seen_identifiers"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                contact_email=data["contact_email"],
                attachments=data["attachments"],
                language=get_language(),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            return render(request, "tips/receipt.html", {"receipt_code": submitted.receipt_code})
    return render(request, "tips/submit.html", {"form": form}, status=400)


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """The tipster types the receipt code and sees only the coarse status, with a form to add information."""
    if request.method == "GET":
        return render(request, "tips/status.html", {"code_form": ReceiptCodeForm()})
    try:
        rate_check(scope="status", address=request.META.get("REMOTE_ADDR", ""))
    except RateLimited as limited:
        return _rate_limited(request, limited)
    code_form = ReceiptCodeForm(request.POST)
    if code_form.is_valid():
        try:
            tip = selectors.tip_status_check(receipt_code=code_form.cleaned_data["receipt_code"])
        except ValidationError as invalid:
            add_service_errors(code_form, invalid)
        else:
            return _status_page(request, tip, code_form.cleaned_data["receipt_code"])
    return render(request, "tips/status.html", {"code_form": code_form}, status=400)


def _status_page(
    request: HttpRequest, tip: Tip, code: str, *, add_form=None, added=False, http_status: int = 200
) -> HttpResponse:
    add_form = add_form or AddInformationForm(initial={"receipt_code": code})
    return render(
        request,
        "tips/status.html",
        {
            "public_status": tip.public_status,
            "status_label": Tip.PublicStatus(tip.public_status).label,
            "received_on": tip.created_at,
            "can_add": tip.status != Tip.Status.CLOSED,
            "add_form": add_form,
            "added": added,
        },
        status=http_status,
    )


@never_cache
@require_POST
def add_information(request: HttpRequest) -> HttpResponse:
    try:
        rate_check(scope="add", address=request.META.get("REMOTE_ADDR", ""))
    except RateLimited as limited:
        return _rate_limited(request, limited)
    form = AddInformationForm(request.POST, request.FILES)
    code = request.POST.get("receipt_code", "")
    try:
        tip = services.tip_find_by_receipt(code)
    except ValidationError:
        return render(request, "tips/status.html", {"code_form": ReceiptCodeForm(request.POST)}, status=400)
    if form.is_valid():
        try:
            services.tip_add_information(
                receipt_code=code,
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            return _status_page(request, tip, code, added=True)
    return _status_page(request, tip, code, add_form=form, http_status=400)


# --- analysts ----------------------------------------------------------------------------------------------


@login_required
def triage(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("status", "open")
    category = request.GET.get("category", "")
    tips = selectors.tip_queue(
        actor=request.actor, status=state, category=category, mine=request.GET.get("mine") == "1"
    )
    page = Paginator(tips, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "tips/triage.html",
        {
            "page": page,
            "status": state,
            "category": category,
            "statuses": Tip.Status.choices,
            "categories": Tip.Category.choices,
        },
    )


def _case_form(request: HttpRequest, data=None) -> LeadCaseForm:
    return LeadCaseForm(data, prefix="case", agencies=case_services.lead_agencies(actor=request.actor))


def _detail_context(request: HttpRequest, tip: Tip, form: TriageForm, case_form=None) -> dict:
    origin = selectors.tip_case(tip)
    return {
        "tip": tip,
        "form": form,
        "case_origin": origin,
        "case_form": None if origin else (case_form or _case_form(request)),
        "actions": tip.actions.select_related("taken_by"),
        "follow_ups": tip.messages.prefetch_related("attachments"),
        "first_attachments": tip.attachments.filter(message__isnull=True),
    }


@login_required
def detail(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = selectors.tip_open(actor=request.actor, tip_id=tip_id)
    return render(request, "tips/detail.html", _detail_context(request, tip, TriageForm()))


@login_required
@require_POST
def open_case(request: HttpRequest, tip_id: int) -> HttpResponse:
    """Open a case at a child-protection agency from this tip (the analyst then sees its reference only)."""
    tip = selectors.tip_open(actor=request.actor, tip_id=tip_id)
    form = _case_form(request, request.POST)
    if form.is_valid():
        try:
            case = case_services.case_open_from_tip(
                actor=request.actor,
                tip=tip,
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
                **form.child(),
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(
                request,
                _("Case %(ref)s is opened at %(agency)s.") % {"ref": case.reference, "agency": case.agency},
            )
            return redirect("tips:detail", tip_id=tip.pk)
    return render(request, "tips/detail.html", _detail_context(request, tip, TriageForm(), form), status=400)


@login_required
def attachment(request: HttpRequest, tip_id: int, attachment_id: int) -> HttpResponse:
    found, content = selectors.tip_attachment_open(
        actor=request.actor, tip_id=tip_id, attachment_id=attachment_id
    )
    response = HttpResponse(content, content_type=found.content_type)
    if found.content_type == "application/pdf":
        # downloaded, not opened inside Kinward's pages: even a cleaned PDF is the tipster's file
        response["Content-Disposition"] = f'attachment; filename="tip-{tip_id}-{found.pk}.pdf"'
    else:
        response["Content-Disposition"] = f'inline; filename="tip-{tip_id}-{found.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def act(request: HttpRequest, tip_id: int) -> HttpResponse:
    tip = selectors.tip_open(actor=request.actor, tip_id=tip_id)
    form = TriageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.tip_triage(
                actor=request.actor,
                tip=tip,
                action=data["action"],
                reason=data["reason"],
                target=data["target"],
                region=data["region"],
                assignee=request.user,
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("tips:detail", tip_id=tip.pk)
    return render(request, "tips/detail.html", _detail_context(request, tip, form), status=400)
