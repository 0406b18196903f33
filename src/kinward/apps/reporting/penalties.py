"""The penalty procedure, in the order due process requires: a notice to the health worker (text and amount
from the jurisdiction's rules), the health worker's response, then a decision by someone other than the notice's
author. Each stage is written once; none can be skipped or changed afterwards.

The decision may follow without a response only once the response period has passed (the record then shows
that no response came in time): a health worker cannot stop the procedure by staying silent, and cannot be
decided against before the period ends.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied, Actor, authorize
from kinward.apps.accounts.models import User
from kinward.apps.accounts.services import actor_for_user
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.core.services import notify
from kinward.apps.reporting.jurisdictions import jurisdiction_for
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding, ReportFiling, facility_scope


def _check_health_worker(actor: Actor, health_worker: User, facility) -> None:
    """The person named must be a health worker of the facility, and not the one issuing the notice."""
    allowed = authorize(actor_for_user(health_worker), "reporting.penalty.respond", facility_scope(facility))
    if health_worker.agency_id != facility.pk or not allowed.allowed:
        raise ValidationError({"health_worker": "name a health worker of this facility"})
    if health_worker.pk == actor.user_id:
        raise ValidationError({"health_worker": "nobody opens a proceeding against themself"})


def penalty_open(
    *,
    actor: Actor,
    health_worker: User,
    filing: ReportFiling | None = None,
    missed: MissedReport | None = None,
) -> PenaltyProceeding:
    """Issue the notice that opens a proceeding on a late report or a confirmed missed report."""
    if (filing is None) == (missed is None):
        raise ValidationError(
            {"ground": "a proceeding rests on one late report or one confirmed missed report"}
        )
    ground = filing or missed
    require(actor, "reporting.penalty.decide", ground, object_type="penalty_ground", object_id=ground.pk)
    if filing is not None and not filing.is_late:
        raise ValidationError({"filing": "this report was filed in time: there is nothing to penalise"})
    if missed is not None and missed.status != MissedReport.Status.CONFIRMED:
        raise ValidationError({"missed": "a person must first confirm the missed report"})
    facility = ground.facility
    _check_health_worker(actor, health_worker, facility)
    jurisdiction, version = jurisdiction_for(facility)
    now = timezone.now()
    with transaction.atomic():
        same = {"filing": filing} if filing is not None else {"missed": missed}
        if PenaltyProceeding.objects.filter(**same).exists():
            raise ValidationError({"ground": "a proceeding on this report is already open"})
        proceeding = PenaltyProceeding.objects.create(
            filing=filing,
            missed=missed,
            facility=facility,
            health_worker=health_worker,
            jurisdiction=jurisdiction.code,
            jurisdiction_version=version,
            notice_text=jurisdiction.penalty.text,
            amount=jurisdiction.penalty.amount,
            currency=jurisdiction.penalty.currency,
            notice_by_id=actor.user_id,
            notice_at=now,
            response_due_at=now + jurisdiction.penalty.response_within,
        )
        audit_record(
            actor=actor, action="reporting.penalty.notice", object_type="penalty", object_id=proceeding.pk
        )
        due = timezone.localtime(proceeding.response_due_at).strftime("%Y-%m-%d %H:%M %Z")
        notify(
            recipients=[health_worker],
            subject=f"Notice of a penalty proceeding: respond by {due}",
            body=f"{jurisdiction.penalty.text}\n\nAmount: {proceeding.amount} {proceeding.currency}.\n"
            f"You may respond before {due}; the decision is taken by another person than the one who "
            "issued this notice.",
            link=f"/reporting/penalties/{proceeding.pk}/",
        )
    return proceeding


def penalty_respond(*, actor: Actor, proceeding: PenaltyProceeding, text: str) -> PenaltyProceeding:
    """The health worker named in the notice answers it (once)."""
    require(actor, "reporting.penalty.respond", proceeding, object_type="penalty", object_id=proceeding.pk)
    if actor.user_id != proceeding.health_worker_id:
        audit_record(
            actor=actor,
            action="reporting.penalty.respond",
            object_type="penalty",
            object_id=proceeding.pk,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise AccessDenied("reporting.penalty.respond", "only the person named in the notice responds")
    if not text.strip():
        raise ValidationError({"response": "write your response"})
    with transaction.atomic():
        locked = PenaltyProceeding.objects.select_for_update().get(pk=proceeding.pk)
        if locked.stage != PenaltyProceeding.Stage.AWAITING_RESPONSE:
            raise ValidationError({"response": "the response is already recorded or the matter decided"})
        locked.response_text = text.strip()
        locked.response_at = timezone.now()
        locked.stage = PenaltyProceeding.Stage.AWAITING_DECISION
        locked.save(update_fields=["response_text", "response_at", "stage"])
        audit_record(
            actor=actor, action="reporting.penalty.respond", object_type="penalty", object_id=locked.pk
        )
        notify(
            recipients=User.objects.filter(pk=locked.notice_by_id),
            subject=f"Response received in penalty proceeding {locked.pk}",
            body="The health worker has responded; a person other than the notice's author decides.",
            link=f"/reporting/penalties/{locked.pk}/",
        )
    return locked


def penalty_decide(
    *, actor: Actor, proceeding: PenaltyProceeding, outcome: str, reasons: str
) -> PenaltyProceeding:
    """Uphold or waive, with reasons, by someone other than the notice's author and the health worker."""
    require(actor, "reporting.penalty.decide", proceeding, object_type="penalty", object_id=proceeding.pk)
    if outcome not in PenaltyProceeding.Outcome.values:
        raise ValidationError({"outcome": "upheld or waived"})
    if not reasons.strip():
        raise ValidationError({"reasons": "give the reasons for the decision"})
    if actor.user_id in (proceeding.notice_by_id, proceeding.health_worker_id):
        raise ValidationError(
            {
                "decided_by": "the decision is taken by another person than the one who issued "
                "the notice (and never by the health worker)"
            }
        )
    now = timezone.now()
    with transaction.atomic():
        locked = PenaltyProceeding.objects.select_for_update().get(pk=proceeding.pk)
        if locked.stage == PenaltyProceeding.Stage.DECIDED:
            raise ValidationError({"outcome": "this proceeding is decided; a decision is not changed"})
        if locked.stage == PenaltyProceeding.Stage.AWAITING_RESPONSE and now < locked.response_due_at:
            raise ValidationError(
                {"outcome": "wait for the health worker's response or the end of the response period"}
            )
        locked.outcome = outcome
        locked.decision_reasons = reasons.strip()
        locked.decided_by_id = actor.user_id
        locked.decided_at = now
        locked.stage = PenaltyProceeding.Stage.DECIDED
        locked.save(update_fields=["outcome", "decision_reasons", "decided_by", "decided_at", "stage"])
        audit_record(
            actor=actor, action="reporting.penalty.decide", object_type="penalty", object_id=locked.pk
        )
        notify(
            recipients=User.objects.filter(pk=locked.health_worker_id),
            subject=f"Decision in penalty proceeding {locked.pk}: {locked.get_outcome_display()}",
            body=locked.decision_reasons,
            link=f"/reporting/penalties/{locked.pk}/",
        )
    return locked
