"""Deciding proposed corrections from the child's page: approve, or reject with a reason (`corrections.py`).

Proposals are made with the correction form on the child's page (`views.custody_event`); they are listed there
for those who may propose or decide corrections of that child, with the buttons for those who may decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import Actor
from kinward.apps.registry import corrections
from kinward.apps.registry.models import Birth, CorrectionProposal


def proposal_rows(actor: Actor, child: Birth) -> list[dict]:
    """The child's proposals for its page, each saying whether this person may decide it or proposed it."""
    return [
        {
            "proposal": p,
            "mine": p.proposed_by_id is not None and p.proposed_by_id == actor.user_id,
            "may_decide": p.status == CorrectionProposal.Status.PENDING
            and corrections.may_decide(actor=actor, proposal=p),
        }
        for p in corrections.corrections_of_child(actor=actor, child=child)
    ]


def _decided(request: HttpRequest, proposal_id: int, decide, done: str) -> HttpResponse:
    child = (
        CorrectionProposal.objects.values_list("child__newborn_id", flat=True).filter(pk=proposal_id).first()
    )
    if child is None:
        raise Http404("no such correction proposal")
    try:
        decide()
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, done)
    return redirect("registry:child", newborn_id=child)


@login_required
@require_POST
def approve(request: HttpRequest, proposal_id: int) -> HttpResponse:
    return _decided(
        request,
        proposal_id,
        lambda: corrections.correction_approve(actor=request.actor, proposal_id=proposal_id),
        _("Correction approved: it is now a permanent fact in the public log."),
    )


@login_required
@require_POST
def reject(request: HttpRequest, proposal_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _decided(
        request,
        proposal_id,
        lambda: corrections.correction_reject(actor=request.actor, proposal_id=proposal_id, reason=reason),
        _("Correction rejected; the reason is kept with the proposal."),
    )
