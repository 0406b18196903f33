"""Registry pages: a child's timeline with proof status, the registrar's review queue, the public transparency
page. Views parse the request and call one selector or service; nothing is decided here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.registry import selectors, services
from kinward.apps.registry.timeline import STATUS_LABELS
from kinward.engines.ids import format_id


@login_required
def child_find(request: HttpRequest) -> HttpResponse:
    selectors.child_search_check(actor=request.actor)
    newborn_id = request.GET.get("newborn_id", "").strip()
    if newborn_id:
        return redirect("registry:child", newborn_id=newborn_id)
    return render(request, "registry/find.html", {})


@login_required
def child(request: HttpRequest, newborn_id: str) -> HttpResponse:
    record = selectors.child_record(actor=request.actor, newborn_id=newborn_id)
    rows = [
        {
            "state": s,
            "fields": [
                (name, value, name in s.corrected_fields)
                for name, value in s.values.items()
                if value not in (None, "", [])
            ],
        }
        for s in record.states
    ]
    return render(
        request,
        "registry/child.html",
        {
            "record": record,
            "rows": rows,
            "birth": record.birth,
            "newborn_id_display": format_id(record.birth.newborn_id),
            "status_label": STATUS_LABELS.get(record.status, record.status),
            "can_issue": authorize(request.actor, "registry.certificate.issue", record.birth).allowed,
        },
    )


@login_required
def review(request: HttpRequest) -> HttpResponse:
    queue = selectors.notification_queue(actor=request.actor)
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "birth": b,
            "display": format_id(b.newborn_id),
            "status": selectors.notification_status(b),
            "late": services.registration_is_late(b),
        }
        for b in page
    ]
    return render(request, "registry/review.html", {"page": page, "rows": rows})


def _decide(request: HttpRequest, newborn_id: str, service, done: str) -> HttpResponse:
    birth = selectors.child_for_writing(newborn_id=newborn_id)
    try:
        service(actor=request.actor, birth=birth)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done.format(id=format_id(birth.newborn_id)))
    return redirect(reverse("registry:review"))


@login_required
@require_POST
def register(request: HttpRequest, newborn_id: str) -> HttpResponse:
    return _decide(
        request,
        newborn_id,
        services.birth_register,
        _("Birth {id} registered (a late registration waits for a second registrar)."),
    )


@login_required
@require_POST
def approve_late(request: HttpRequest, newborn_id: str) -> HttpResponse:
    return _decide(
        request, newborn_id, services.registration_approve_late, _("Late registration of {id} approved.")
    )


def transparency(request: HttpRequest) -> HttpResponse:
    """Public: the log's size and its latest signed checkpoint, and how to check them. No sign-in."""
    note = selectors.latest_checkpoint()
    return render(
        request,
        "registry/transparency.html",
        {
            "size": selectors.log_size(),
            "checkpoint": note,
            "checkpoint_size": selectors.checkpoint_size(note) if note else None,
            "verifier_key": selectors.verifier_key(),
        },
    )


# --- birth certificates (certificates.py) ------------------------------------------------------------------


@login_required
@require_POST
def certificate_issue(request: HttpRequest, newborn_id: str) -> HttpResponse:
    from kinward.apps.registry import certificates

    try:
        certificate = certificates.certificate_issue(actor=request.actor, newborn_id=newborn_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:child", newborn_id=newborn_id)
    return redirect("registry:certificate", certificate_id=certificate.pk)


@login_required
def certificate(request: HttpRequest, certificate_id: int) -> HttpResponse:
    from kinward.apps.registry import certificates

    printable = certificates.certificate_for_print(actor=request.actor, certificate_id=certificate_id)
    return render(request, "registry/certificate.html", {"p": printable})


def _reason_texts() -> dict[str, str]:
    return {
        "bad_prefix": _("This is not a Kinward birth certificate: the text does not start with KW1:."),
        "bad_base45": _("The text is damaged: it contains characters a certificate cannot contain."),
        "bad_compression": _("The text is damaged: its content cannot be unpacked."),
        "bad_cose": _("The text is damaged: the signed part is malformed."),
        "unknown_key": _(
            "The certificate was not signed by a key of a registry office, or not while it was in use."
        ),
        "bad_signature": _("The signature does not match: the certificate was altered or forged."),
        "bad_claims": _("The signed facts are malformed or do not match the signing office."),
        "revoked_key": _(
            "The key that signed this certificate was revoked: ask the registry office to reissue it."
        ),
        "not_yet_valid": _("The certificate claims to be issued in the future."),
        "expired": _("The certificate has expired."),
        "unreadable_image": _("No QR code could be read in this photo: try a sharper, well-lit photo."),
    }


def _upload_texts() -> dict[str, str]:
    return {
        "too_large": _("The photo is too large."),
        "bad_type": _("Upload a PNG or JPEG photo."),
        "empty": _("Paste the certificate text or choose a photo of its QR code."),
    }


def verify(request: HttpRequest) -> HttpResponse:
    """Public: check a birth certificate from its text or a photo of its QR code. No sign-in, nothing kept."""
    from kinward.apps.registry import certificates

    context: dict = {"max_mb": certificates.MAX_UPLOAD_BYTES // (1024 * 1024)}
    if request.method == "POST":
        upload = request.FILES.get("photo")
        text = request.POST.get("text", "").strip()
        if upload is not None:
            problem = certificates.image_problem(upload.name, upload.content_type or "", upload.size)
            if problem:
                context["upload_error"] = problem
            else:
                context["verdict"] = certificates.certificate_verify(image=upload.read())
        elif text:
            context["verdict"] = certificates.certificate_verify(text=text)
        else:
            context["upload_error"] = "empty"
        context["text"] = text
        if "verdict" in context:
            context["reason_text"] = _reason_texts().get(context["verdict"].reason, context["verdict"].reason)
        if "upload_error" in context:
            context["upload_error_text"] = _upload_texts()[context["upload_error"]]
    return render(request, "registry/verify.html", context)
