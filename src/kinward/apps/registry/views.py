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
