"""Registry API for corrections of custody events under four eyes (`corrections.py`): propose, list the pending
proposals one may decide, approve (which writes the correction event and its leaf), reject with a reason.

Mounted under `/api/v1/registry` next to the registry router (config/api.py)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.core.api_support import (
    API_ERRORS,
    Pagination,
    PersonSession,
    StrictSchema,
    SystemClientToken,
    request_actor,
)
from kinward.apps.registry import corrections, selectors, services
from kinward.apps.registry.api import StaffIn, _agency
from kinward.apps.registry.corrections_out import CorrectionProposalOut, proposal_out
from kinward.apps.registry.models import CustodyEvent
from kinward.apps.registry.timeline import CORRECTABLE_FIELDS

router = Router(tags=["registry"], auth=[SystemClientToken(), PersonSession()])
ERRORS = API_ERRORS


class CorrectionIn(StrictSchema):
    """A proposed correction of one field of an earlier custody event of the child."""

    corrects: uuid.UUID = Field(description="event_id of the corrected event (not itself a correction)")
    field: str = Field(description=f"a field of that event's type: one of {', '.join(CORRECTABLE_FIELDS)}")
    new_value: Any = Field(description="the field's correct value, in its JSON type (a time with its offset)")
    reason: str = Field(min_length=1, max_length=500)
    time: dt.datetime | None = Field(None, description="when the correction is made; default: now")
    facility_id: int | None = Field(None, description="where it is proposed; default: the caller's agency")
    recorded_by: StaffIn | None = None


class RejectIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=500, description="why the correction is rejected (kept)")


@router.post(
    "/children/{newborn_id}/corrections",
    response={201: CorrectionProposalOut, **ERRORS},
    summary="Propose a correction of a custody event; another person approves or rejects it",
)
def propose_correction(request: HttpRequest, newborn_id: str, payload: CorrectionIn):
    actor = request_actor(request)
    child = selectors.child_for_writing(newborn_id=newborn_id)
    services.custody_permission_check(actor=actor, event_type="correction", child=child)
    corrected = CustodyEvent.objects.filter(event_id=payload.corrects, child=child).first()
    if corrected is None:
        raise ValidationError({"corrects": "no such event of this child"})
    with transaction.atomic():  # the staff entry it names is created with the proposal or not at all
        facility = _agency(payload.facility_id or actor.agency_id, "facility_id")
        staff = payload.recorded_by
        data = services.CustodyInput(
            type="correction",
            time=payload.time or timezone.now(),
            facility=facility,
            recorded_by=services.staff_resolve(agency=facility, name=staff.name, role=staff.role)
            if staff and facility
            else None,
            corrects=corrected,
            field=payload.field,
            new_value=payload.new_value,
            reason=payload.reason,
        )
        proposal = corrections.correction_propose(actor=actor, child=child, data=data)
    return Status(201, proposal_out(proposal))


@router.get(
    "/corrections",
    response={200: list[CorrectionProposalOut], **ERRORS},
    summary="Pending corrections the caller may approve or reject (never their own), oldest first",
)
@paginate(Pagination)
def pending_corrections(request: HttpRequest, newborn_id: str = ""):
    found = corrections.corrections_pending(actor=request_actor(request), newborn_id=newborn_id)
    return [proposal_out(p) for p in found]


@router.post(
    "/corrections/{proposal_id}/approve",
    response={200: CorrectionProposalOut, **ERRORS},
    summary="Approve a pending correction: writes the correction event and its log leaf",
)
def approve_correction(request: HttpRequest, proposal_id: int):
    """A proposal that does not exist is 404; the caller needs `registry.correction.approve` on the child and
    must not be its proposer (422 naming `approver`); a decided proposal is 422 naming `proposal`."""
    proposal = corrections.correction_approve(actor=request_actor(request), proposal_id=proposal_id)
    return proposal_out(proposal)


@router.post(
    "/corrections/{proposal_id}/reject",
    response={200: CorrectionProposalOut, **ERRORS},
    summary="Reject a pending correction with a reason; nothing enters the log",
)
def reject_correction(request: HttpRequest, proposal_id: int, payload: RejectIn):
    proposal = corrections.correction_reject(
        actor=request_actor(request), proposal_id=proposal_id, reason=payload.reason
    )
    return proposal_out(proposal)
