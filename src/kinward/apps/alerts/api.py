"""API: the alert queue, one alert with its evidence, and reviewers' decisions."""

from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from kinward.apps.alerts import selectors, services
from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor

router = Router(tags=["alerts"])


class RecordRefOut(Schema):
    type: str
    ref: str


class AlertOut(Schema):
    id: int
    alert_key: str
    rule: str
    rule_version: int
    status: str
    subject_type: str
    subject_ref: str
    reason: str
    agency_id: int | None
    assignee_id: int | None
    created_at: datetime


class AlertDetailOut(AlertOut):
    evidence: list[RecordRefOut]
    facts: dict
    merged_into_id: int | None


class QueueFilter(Schema):
    status: str = "open"
    rule: str = ""


class DecisionIn(StrictSchema):
    decision: Literal["review", "dismiss", "escalate_case", "escalate_police", "merge"]
    reason: str = ""
    into: int | None = None


@router.get("/", response=list[AlertOut], summary="Alerts in the caller's region (default: open ones)")
@paginate(Pagination)
def alert_list(request: HttpRequest, filters: Query[QueueFilter]):
    return selectors.alert_queue(actor=request_actor(request), status=filters.status, rule=filters.rule)


@router.get("/{alert_id}", response=AlertDetailOut, summary="One alert with its evidence (audited)")
def alert_detail(request: HttpRequest, alert_id: int):
    return selectors.alert_open(actor=request_actor(request), alert_id=alert_id)


@router.post("/{alert_id}/decision", response=AlertDetailOut, summary="Record a reviewer's decision")
def alert_decide(request: HttpRequest, alert_id: int, payload: DecisionIn):
    actor = request_actor(request)
    alert = selectors.alert_open(actor=actor, alert_id=alert_id)
    if payload.decision == "review":
        from kinward.apps.accounts.models import User

        return services.alert_assign(actor=actor, alert=alert, assignee=User.objects.get(pk=actor.user_id))
    if payload.decision == "dismiss":
        return services.alert_dismiss(actor=actor, alert=alert, reason=payload.reason)
    if payload.decision in ("escalate_case", "escalate_police"):
        return services.alert_escalate(actor=actor, alert=alert, to=payload.decision.split("_")[1],
                                       reason=payload.reason)
    if payload.into is None:
        raise ValidationError({"into": "give the id of the alert this one duplicates"})
    target = selectors.alert_open(actor=actor, alert_id=payload.into)
    return services.alert_merge(actor=actor, alert=alert, into=target, reason=payload.reason)
