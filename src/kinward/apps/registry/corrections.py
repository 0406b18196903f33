"""Four eyes on corrections of custody events: one person proposes, another decides.

A proposal (`CorrectionProposal`) is workflow state, checked when made exactly as a recorded event would be
(`services.custody_event_check`). A different person holding `registry.correction.approve` on the child (a
registrar of the region, a supervisor of the facility of birth or of one the child was transferred to) approves
it, which writes the correction `CustodyEvent` and its ledger leaf in the same transaction (approved by the
approver, recorded by the proposer and their staff entry), or rejects it with a reason, which writes no fact. A
proposal is decided once; every step is audited. Imported corrections do not come here: the importer writes them
as the dataset states them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor, scope_filter
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry import services, writes
from kinward.apps.registry.models import Birth, CorrectionProposal, CustodyEvent, Person, Staff
from kinward.engines.interchange.format import CORRECTION_DATES, CORRECTION_REFERENCES

APPROVE = "registry.correction.approve"
PROPOSE = "registry.custody.record"
PENDING = CorrectionProposal.Status.PENDING


_REFERENCED = {"agencies": Agency, "staff": Staff, "persons": Person}


def _reference_problem(field: str, value: Any) -> str:
    ids = value if isinstance(value, list) and field == "adoptive_parents" else [value]
    kind = CORRECTION_REFERENCES[field]
    if not ids or any(type(i) is not int for i in ids):
        return f"give the id of a record of {kind}"
    if _REFERENCED[kind].objects.filter(pk__in=ids).count() != len(set(ids)):
        return f"no such record of {kind}"
    if field == "adoptive_parents":  # named in Kinward: each with a document of their own, as in an order
        persons = Person.objects.in_bulk(ids)
        problems = services.adoptive_parent_problems([persons[i] for i in ids])
        return f"{problems[0][0]}: {problems[0][1]}" if problems else ""
    return ""


def new_value_problem(field: str, value: Any) -> str:
    """Why `value` cannot be the new value of `field` ('' when it can): the field's JSON type as the interchange
    format gives it; a time keeps its UTC offset, references name existing records."""
    if field in CORRECTION_DATES:
        as_time = CORRECTION_DATES[field] == "time"
        try:
            parsed = (dt.datetime if as_time else dt.date).fromisoformat(value)
        except (TypeError, ValueError):
            parsed = None
        if parsed is None or (as_time and parsed.utcoffset() is None):
            return (
                "a time with its UTC offset, e.g. 2026-03-01T04:12:00+07:00"
                if as_time
                else "a date, 2026-03-01"
            )
        return ""
    if field in CORRECTION_REFERENCES:
        return _reference_problem(field, value)
    if field == "id_document_checked":
        return "" if isinstance(value, bool) else "true or false"
    if field == "relationship":
        choices = CustodyEvent.Relationship.values
        return "" if value in choices else f"one of {', '.join(choices)}"
    if field == "guardianship_document":
        return "" if isinstance(value, dict) else "the document's number, issuing agency and date"
    return (
        ""
        if isinstance(value, str) and 0 < len(value.strip()) <= 300
        else "the new text (at most 300 characters)"
    )


def correction_propose(*, actor: Actor, child: Birth, data: services.CustodyInput) -> CorrectionProposal:
    """Propose a correction (`data.type == "correction"`: the event it corrects, the field, the new value, the
    reason, its time) of one of `child`'s events. Nothing enters the ledger until another person approves it."""
    if data.type != "correction":
        raise ValidationError({"type": "only a correction is proposed; other events are recorded"})
    data = dataclasses.replace(data, reason=data.reason.strip())
    services.custody_event_check(actor=actor, child=child, data=data)
    problem = new_value_problem(data.field, data.new_value)
    if problem:
        raise ValidationError({"new_value": problem})
    with transaction.atomic():
        waiting = CorrectionProposal.objects.select_for_update().filter(
            corrects=data.corrects, corrected_field=data.field, status=PENDING
        )
        if waiting.exists():
            raise ValidationError({"field": "a correction of this field is already waiting for approval"})
        proposal = CorrectionProposal.objects.create(
            child=child,
            corrects=data.corrects,
            corrected_field=data.field,
            new_value=data.new_value,
            reason=data.reason,
            time=data.time,
            utc_offset=services.utc_offset_minutes(data.time),
            facility=data.facility,
            recorded_by=data.recorded_by,
            proposed_by_id=actor.user_id,
            proposed_by_token_id=actor.token_id,
            proposed_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="registry.correction.propose",
            object_type="correction_proposal",
            object_id=proposal.pk,
        )
    return proposal


def may_decide(*, actor: Actor, proposal: CorrectionProposal) -> bool:
    """Whether `actor` may approve or reject this proposal (no audit: pages use it to offer the buttons)."""
    if actor.user_id is None or actor.user_id == proposal.proposed_by_id:
        return False
    return services.child_action_allowed(actor=actor, action=APPROVE, child=proposal.child)


def _decider_check(actor: Actor, proposal: CorrectionProposal) -> None:
    """Refuse (audited) whoever may not decide: no approving permission on the child, a system client, or the
    person who proposed it."""
    if not services.child_action_allowed(actor=actor, action=APPROVE, child=proposal.child):
        require(actor, APPROVE, proposal.child, object_type="correction_proposal", object_id=proposal.pk)
    problem = ""
    if actor.user_id is None:
        problem = "a correction is approved or rejected by a person, not a system client"
    elif actor.user_id == proposal.proposed_by_id:
        problem = "a correction is approved or rejected by another person than the one who proposed it"
    if problem:
        audit_record(
            actor=actor,
            action=APPROVE,
            object_type="correction_proposal",
            object_id=proposal.pk,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise ValidationError({"approver": problem})


def _proposal(proposal_id: int) -> CorrectionProposal:
    return CorrectionProposal.objects.select_related("child__facility__region", "corrects").get(
        pk=proposal_id
    )


def _locked_pending(proposal: CorrectionProposal) -> CorrectionProposal:
    locked = CorrectionProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != PENDING:
        raise ValidationError({"proposal": f"this correction was already {locked.status}"})
    return locked


def _correction_input(proposal: CorrectionProposal) -> services.CustodyInput:
    time = proposal.time.astimezone(timezone.get_fixed_timezone(proposal.utc_offset))
    return services.CustodyInput(
        type="correction",
        time=time,
        facility=proposal.facility,
        recorded_by=proposal.recorded_by,
        corrects=proposal.corrects,
        field=proposal.corrected_field,
        new_value=proposal.new_value,
        reason=proposal.reason,
    )


def correction_approve(*, actor: Actor, proposal_id: int) -> CorrectionProposal:
    """Approve a pending proposal: write the correction event and its leaf (approved by `actor`, recorded by the
    proposer) and mark the proposal approved, in one transaction."""
    proposal = _proposal(proposal_id)
    _decider_check(actor, proposal)
    data = _correction_input(proposal)
    with transaction.atomic():
        locked = _locked_pending(proposal)
        kinds = dict(Agency.objects.filter(pk=proposal.facility_id).values_list("pk", "kind"))
        child = proposal.child
        problems = services.custody_problems(
            data, child_id=child.pk, child_outcome=child.outcome, agency_kinds=kinds
        )
        if problems:
            raise ValidationError(dict(problems))
        event, _ = services.custody_event_build(data, child_id=child.pk)
        event.approved_by_id = actor.user_id
        proposer = Actor(user_id=proposal.proposed_by_id, token_id=proposal.proposed_by_token_id)
        (event,) = writes.custody_events_write([event], actor=proposer)
        locked.status = CorrectionProposal.Status.APPROVED
        locked.decided_by_id, locked.decided_at, locked.event = actor.user_id, timezone.now(), event
        locked.save(update_fields=["status", "decided_by", "decided_at", "event"])
        audit_record(actor=actor, action=APPROVE, object_type="correction_proposal", object_id=locked.pk)
        audit_record(actor=actor, action=PROPOSE, object_type="custody_event", object_id=event.pk)
    return locked


def correction_reject(*, actor: Actor, proposal_id: int, reason: str) -> CorrectionProposal:
    """Reject a pending proposal with a reason; nothing enters the ledger."""
    proposal = _proposal(proposal_id)
    _decider_check(actor, proposal)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "give the reason for rejecting the correction"})
    if len(reason) > 500:
        raise ValidationError({"reason": "at most 500 characters"})
    with transaction.atomic():
        locked = _locked_pending(proposal)
        locked.status = CorrectionProposal.Status.REJECTED
        locked.decided_by_id, locked.decided_at, locked.decision_reason = (
            actor.user_id,
            timezone.now(),
            reason,
        )
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor,
            action="registry.correction.reject",
            object_type="correction_proposal",
            object_id=locked.pk,
        )
    return locked


# --- reads -----------------------------------------------------------------------------------------------------


def corrections_of_child(*, actor: Actor, child: Birth) -> list[CorrectionProposal]:
    """A child's proposals, newest first, for those who may propose or decide corrections on it (else none).
    Call after the audited read of the child's record (`selectors.child_record`)."""
    if not any(services.child_action_allowed(actor=actor, action=a, child=child) for a in (APPROVE, PROPOSE)):
        return []
    rows = child.correction_proposals.select_related("corrects", "proposed_by", "decided_by", "event")
    return list(rows.order_by("-proposed_at", "-pk"))


def corrections_pending(*, actor: Actor, newborn_id: str = "") -> list[CorrectionProposal]:
    """The pending proposals `actor` may decide (at most 500, oldest first): of children born in their scope, or
    proposed from a facility in it (a receiving facility); their own proposals are left out. An audited read."""
    require(actor, APPROVE, object_type="correction_proposal")
    in_scope = scope_filter(actor, APPROVE, agency_field="child__facility") | scope_filter(
        actor, APPROVE, agency_field="facility"
    )
    rows = CorrectionProposal.objects.filter(status=PENDING).filter(in_scope)
    if newborn_id:
        rows = rows.filter(child__newborn_id=newborn_id)
    if actor.user_id is not None:
        rows = rows.exclude(proposed_by_id=actor.user_id)
    found = list(rows.select_related("child", "corrects", "proposed_by").order_by("proposed_at", "pk")[:500])
    audit_record(actor=actor, action="registry.correction.view", object_type="correction_proposal")
    return found
