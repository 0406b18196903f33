"""The API's view of a proposed correction (`CorrectionProposal`), shared by the registry router (a correction sent
to `POST /children/{newborn_id}/custody-events` is answered as a proposal) and `corrections_api.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from kinward.apps.registry.models import CorrectionProposal


class CorrectionProposalOut(Schema):
    id: int
    newborn_id: str
    corrects: uuid.UUID = Field(description="event_id of the corrected event")
    field: str
    new_value: Any
    reason: str
    time: dt.datetime
    status: str = Field(description="pending, approved or rejected (decided once)")
    proposed_by: str | None = Field(description="username; null for a system client")
    proposed_at: dt.datetime
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str = Field("", description="a rejection's reason")
    event_id: uuid.UUID | None = Field(None, description="the correction event written on approval")
    ledger_index: int | None = Field(None, description="its leaf in the public log")


def proposal_out(p: CorrectionProposal) -> CorrectionProposalOut:
    return CorrectionProposalOut(
        id=p.pk,
        newborn_id=p.child.newborn_id,
        corrects=p.corrects.event_id,
        field=p.corrected_field,
        new_value=p.new_value,
        reason=p.reason,
        time=p.time,
        status=p.status,
        proposed_by=p.proposed_by.username if p.proposed_by else None,
        proposed_at=p.proposed_at,
        decided_by=p.decided_by.username if p.decided_by else None,
        decided_at=p.decided_at,
        decision_reason=p.decision_reason,
        event_id=p.event.event_id if p.event else None,
        ledger_index=p.event.ledger_index if p.event else None,
    )
