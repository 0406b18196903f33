"""Writes of family reunification. Each checks who may act, validates, writes and audits in one transaction.

The path of a match is enforced here and by the database (see models): search -> lab review (confirmed on an
extended panel) -> safeguarding assessment -> supervisor's decision with reasons -> reunification plan (or an
alternative plan) -> follow-up visits -> completion. Nothing automatic moves a child.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor, Scope
from kinward.apps.audit.services import audit_record, require
from kinward.apps.reunification import matching
from kinward.apps.reunification.lab_services import (  # noqa: F401 - the laboratory's writes, re-exported
    dna_sample_record,
    genotypes_import,
    match_search_execute,
    match_search_request,
    match_search_run,
    require_agency,
    sample_custody_record,
)
from kinward.apps.reunification.models import (
    FamilyMember,
    FollowUpVisit,
    LabReview,
    MatchProposal,
    RescuedChild,
    ReunificationDecision,
    ReunificationPlan,
    SafeguardingAssessment,
    TracingRequest,
)

TRACING = "reunification.tracing.manage"


# --- children and tracing requests (caseworkers) ------------------------------------------------------------


def rescued_child_record(
    *,
    actor: Actor,
    found_on: dt.date,
    name_known: str = "",
    sex: str = "",
    birth_date_estimated: dt.date | None = None,
    found_place: str = "",
    current_carer: str = "",
    case_reference: str = "",
    notes: str = "",
) -> RescuedChild:
    """Record a child in the agency's care whose family may be searching."""
    agency = require_agency(actor, TRACING, "rescued_child")
    if found_on > timezone.localdate():
        raise ValidationError({"found_on": "the day the child was found cannot be in the future"})
    with transaction.atomic():
        child = RescuedChild.objects.create(
            agency=agency,
            found_on=found_on,
            name_known=name_known.strip(),
            sex=sex,
            birth_date_estimated=birth_date_estimated,
            found_place=found_place,
            current_carer=current_carer,
            case_reference=case_reference,
            notes=notes,
            created_by_id=actor.user_id,
        )
        audit_record(actor=actor, action=TRACING, object_type="rescued_child", object_id=child.pk)
    return child


def rescued_child_case_link(*, actor: Actor, child: RescuedChild, case_id: int | None) -> RescuedChild:
    """Link a rescued child to their child-protection case (cases app), chosen among the cases the actor may
    view; `case_reference` takes the case's reference. `case_id=None` removes the link."""
    from kinward.apps.accounts.authz import authorize
    from kinward.apps.cases.models import Case

    require(actor, TRACING, child, object_type="rescued_child", object_id=child.pk)
    case = None
    if case_id is not None:
        case = Case.objects.select_related("agency__region").filter(pk=case_id).first()
        if case is None or not authorize(actor, "cases.case.view", case).allowed:
            raise ValidationError({"case": "choose one of the cases you may see"})
    with transaction.atomic():
        child.case = case
        child.case_reference = case.reference if case else ""
        child.save(update_fields=["case", "case_reference"])
        audit_record(actor=actor, action=TRACING, object_type="rescued_child", object_id=child.pk)
    return child


def tracing_request_create(
    *,
    actor: Actor,
    received_on: dt.date,
    tracing_consent: bool,
    tracing_consent_on: dt.date | None,
    searcher: dict,
    child_name: str = "",
    child_sex: str = "",
    child_birth_date: dt.date | None = None,
    child_marks: str = "",
    lost_on: dt.date | None = None,
    lost_place: str = "",
    lost_circumstances: str = "",
) -> TracingRequest:
    """Record a searching family's request: the searcher, the child as they knew it, loss and consent.

    Tracing needs the family's recorded consent, with its date; without it nothing is recorded.
    """
    agency = require_agency(actor, TRACING, "tracing_request")
    errors = {}
    if not tracing_consent or tracing_consent_on is None:
        errors["tracing_consent"] = "record the family's consent to tracing and its date before tracing"
    if lost_on and child_birth_date and lost_on < child_birth_date:
        errors["lost_on"] = "the child cannot be lost before its birth"
    if not (searcher.get("given_name") or "").strip():
        errors["searcher.given_name"] = "give the searching person's name"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = TracingRequest.objects.create(
            agency=agency,
            received_on=received_on,
            child_name=child_name,
            child_sex=child_sex,
            child_birth_date=child_birth_date,
            child_marks=child_marks,
            lost_on=lost_on,
            lost_place=lost_place,
            lost_circumstances=lost_circumstances,
            tracing_consent_on=tracing_consent_on,
            created_by_id=actor.user_id,
        )
        _member_create(request, {**searcher, "is_searcher": True})
        audit_record(actor=actor, action=TRACING, object_type="tracing_request", object_id=request.pk)
    return request


def _member_create(request: TracingRequest, data: dict) -> FamilyMember:
    consent, consent_on = bool(data.get("dna_consent")), data.get("dna_consent_on")
    if consent and consent_on is None:
        raise ValidationError({"dna_consent_on": "give the date of the DNA consent"})
    if data.get("relation") not in FamilyMember.Relation.values:
        raise ValidationError({"relation": f"choose one of {', '.join(FamilyMember.Relation.values)}"})
    fields = {
        k: data.get(k) or ""
        for k in ("given_name", "family_name", "sex", "relation", "phone", "address", "person_ref")
    }
    return FamilyMember.objects.create(
        tracing_request=request,
        is_searcher=bool(data.get("is_searcher")),
        birth_date=data.get("birth_date"),
        dna_consent=consent,
        dna_consent_on=consent_on if consent else None,
        **fields,
    )


def family_member_add(*, actor: Actor, tracing_request: TracingRequest, **data) -> FamilyMember:
    """Add a relative of the searching family (who may give a DNA reference sample once they consent)."""
    require(actor, TRACING, tracing_request, object_type="tracing_request", object_id=tracing_request.pk)
    if not (data.get("given_name") or "").strip():
        raise ValidationError({"given_name": "give the person's name"})
    with transaction.atomic():
        member = _member_create(tracing_request, data)
        audit_record(actor=actor, action=TRACING, object_type="family_member", object_id=member.pk)
    return member


def family_member_dna_consent(*, actor: Actor, member: FamilyMember, consent_on: dt.date) -> FamilyMember:
    """Record a relative's consent to give a DNA sample and to its use in the search, with its date."""
    require(actor, TRACING, member, object_type="family_member", object_id=member.pk)
    if consent_on > timezone.localdate():
        raise ValidationError({"consent_on": "the consent date cannot be in the future"})
    with transaction.atomic():
        member.dna_consent, member.dna_consent_on = True, consent_on
        member.save(update_fields=["dna_consent", "dna_consent_on"])
        audit_record(actor=actor, action=TRACING, object_type="family_member", object_id=member.pk)
    return member


# --- the path of a match --------------------------------------------------------------------------------------


def _expect(match: MatchProposal, status: str, what: str) -> None:
    if match.status != status:
        raise ValidationError(
            {"status": f"{what} is not possible now: the match is '{match.get_status_display().lower()}'"}
        )


def lab_review_record(*, actor: Actor, match: MatchProposal, outcome: str, notes: str = "") -> LabReview:
    """The laboratory's review. Confirmation recomputes the LR with every sample's largest typing and needs an
    extended panel (more loci compared than the search) and an LR at or above the threshold."""
    require(
        actor,
        "reunification.match.review",
        Scope(match.lab_id, match.lab.region.path, match.lab.country),
        object_type="match",
        object_id=match.pk,
    )  # type: ignore[arg-type]
    _expect(match, MatchProposal.Status.PENDING_LAB_REVIEW, "a laboratory review")
    if outcome not in LabReview.Outcome.values:
        raise ValidationError({"outcome": "confirmed or not_confirmed"})
    conf = matching.confirm(match.child_sample, list(match.member_samples.all()), match.relationship)
    if outcome == LabReview.Outcome.CONFIRMED:
        if conf is None or conf.loci_compared <= match.loci_compared:
            raise ValidationError(
                {
                    "outcome": f"confirmation needs an extended panel: type the samples at more "
                    f"than the {match.loci_compared} loci of the search first"
                }
            )
        if conf.lr < matching.lr_threshold():
            raise ValidationError(
                {
                    "outcome": f"the extended panel gives a likelihood ratio of {conf.lr:.3g}, "
                    f"below the threshold: it cannot be confirmed"
                }
            )
    elif not notes.strip():
        raise ValidationError({"notes": "say why the match is not confirmed"})
    with transaction.atomic():
        review = LabReview.objects.create(
            match=match,
            outcome=outcome,
            notes=notes,
            reviewed_by_id=actor.user_id,
            confirmation_lr=None if conf is None else min(conf.lr, 1e300),
            loci_compared=conf.loci_compared if conf else 0,
            inconsistent_loci=conf.inconsistent_loci if conf else 0,
            panels=conf.panels if conf else "",
        )
        match.status = (
            MatchProposal.Status.PENDING_SAFEGUARDING
            if outcome == LabReview.Outcome.CONFIRMED
            else MatchProposal.Status.NOT_CONFIRMED
        )
        match.save(update_fields=["status"])
        audit_record(
            actor=actor, action="reunification.match.review", object_type="match", object_id=match.pk
        )
    return review


ASSESSMENT_FIELDS = (
    "red_flags_checked",
    "red_flag_notes",
    "case_history_notes",
    "reports_notes",
    "concern_sold",
    "concern_abandoned",
    "concern_harmed",
    "child_view_applicable",
    "child_view",
    "current_carer",
    "carer_view",
    "home_visit_notes",
    "conclusion",
    "conditions",
    "reasons",
)


def _assessment_errors(data: dict) -> dict:
    errors = {}
    if not data.get("red_flags_checked"):
        errors["red_flags_checked"] = "check the red-flag alerts about the family first"
    for name in ("case_history_notes", "reports_notes", "current_carer", "reasons"):
        if not (data.get(name) or "").strip():
            errors[name] = "required: say what was checked and found"
    if data.get("child_view_applicable") and not (data.get("child_view") or "").strip():
        errors["child_view"] = "the child is old enough: record the child's own view"
    conclusion = data.get("conclusion")
    if conclusion not in SafeguardingAssessment.Conclusion.values:
        errors["conclusion"] = "safe, conditions or not_safe"
    if conclusion == "conditions" and not (data.get("conditions") or "").strip():
        errors["conditions"] = "write the conditions"
    if conclusion == "safe" and (data.get("concern_sold") or data.get("concern_harmed")):
        errors["conclusion"] = (
            "a family that sold or harmed the child cannot be assessed safe without conditions"
        )
    return errors


def safeguarding_assess(
    *, actor: Actor, match: MatchProposal, red_flag_alerts: list[int] | None = None, **data
) -> SafeguardingAssessment:
    """Record the caseworker's safeguarding assessment of a confirmed match (structured form, conclusion)."""
    require(actor, "reunification.safeguarding.assess", match, object_type="match", object_id=match.pk)
    _expect(match, MatchProposal.Status.PENDING_SAFEGUARDING, "a safeguarding assessment")
    errors = _assessment_errors(data)
    if errors:
        raise ValidationError(errors)
    fields = {
        k: data.get(k) if isinstance(data.get(k), bool) else (data.get(k) or "") for k in ASSESSMENT_FIELDS
    }
    for flag in (
        "red_flags_checked",
        "concern_sold",
        "concern_abandoned",
        "concern_harmed",
        "child_view_applicable",
    ):
        fields[flag] = bool(data.get(flag))
    with transaction.atomic():
        review = LabReview.objects.get(match=match)
        assessment = SafeguardingAssessment.objects.create(
            match=match,
            lab_review=review,
            lab_outcome=review.outcome,
            red_flag_alerts=list(red_flag_alerts or []),
            assessed_by_id=actor.user_id,
            **fields,
        )
        match.status = MatchProposal.Status.PENDING_DECISION
        match.save(update_fields=["status"])
        audit_record(
            actor=actor, action="reunification.safeguarding.assess", object_type="match", object_id=match.pk
        )
    return assessment


def reunification_decide(
    *,
    actor: Actor,
    match: MatchProposal,
    outcome: str,
    reasons: str,
    plan: str,
    planned_for: dt.date | None = None,
) -> ReunificationDecision:
    """The case supervisor decides, with reasons, on the safeguarding assessment, and sets the plan:
    reunification (only if the assessment found it safe, or safe with conditions) or alternative care.
    The supervisor cannot decide on an assessment they wrote themselves."""
    require(actor, "reunification.decide", match, object_type="match", object_id=match.pk)
    _expect(match, MatchProposal.Status.PENDING_DECISION, "a decision")
    assessment = SafeguardingAssessment.objects.get(match=match)
    errors = {}
    if outcome not in ReunificationDecision.Outcome.values:
        errors["outcome"] = "reunify, reunify_conditions or alternative"
    elif outcome == "reunify" and assessment.conclusion != "safe":
        errors["outcome"] = "the assessment did not find reunification safe without conditions"
    elif outcome == "reunify_conditions" and assessment.conclusion == "not_safe":
        errors["outcome"] = "the assessment found reunification not safe"
    if not reasons.strip():
        errors["reasons"] = "give the reasons for the decision"
    if not plan.strip():
        errors["plan"] = "describe the reunification plan or the alternative care plan"
    if assessment.assessed_by_id == actor.user_id:
        errors["outcome"] = "another person must decide: you wrote the safeguarding assessment"
    if errors:
        raise ValidationError(errors)
    reunify = outcome in ReunificationDecision.REUNIFY_OUTCOMES
    with transaction.atomic():
        decision = ReunificationDecision.objects.create(
            match=match,
            assessment=assessment,
            assessment_conclusion=assessment.conclusion,
            outcome=outcome,
            reasons=reasons,
            decided_by_id=actor.user_id,
        )
        ReunificationPlan.objects.create(
            match=match,
            decision=decision,
            decision_outcome=outcome,
            description=plan,
            planned_for=planned_for,
            kind=ReunificationPlan.Kind.REUNIFICATION if reunify else ReunificationPlan.Kind.ALTERNATIVE,
            created_by_id=actor.user_id,
        )
        match.status = (
            MatchProposal.Status.PLAN_REUNIFICATION if reunify else MatchProposal.Status.PLAN_ALTERNATIVE
        )
        match.save(update_fields=["status"])
        audit_record(actor=actor, action="reunification.decide", object_type="match", object_id=match.pk)
    return decision


def followup_visit_record(
    *,
    actor: Actor,
    match: MatchProposal,
    visited_on: dt.date,
    child_seen: bool,
    wellbeing: str,
    notes: str = "",
) -> FollowUpVisit:
    """Record a follow-up visit under the plan (the family's home, or the alternative placement)."""
    require(actor, "reunification.safeguarding.assess", match, object_type="match", object_id=match.pk)
    plan = ReunificationPlan.objects.filter(match=match).first()
    if plan is None:
        raise ValidationError({"visited_on": "there is no plan yet: visits follow the supervisor's decision"})
    if wellbeing not in FollowUpVisit.Wellbeing.values:
        raise ValidationError({"wellbeing": "good, concerns or serious"})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": "a visit cannot be in the future"})
    with transaction.atomic():
        visit = FollowUpVisit.objects.create(
            plan=plan,
            visited_on=visited_on,
            child_seen=child_seen,
            wellbeing=wellbeing,
            notes=notes,
            visited_by_id=actor.user_id,
        )
        audit_record(
            actor=actor, action="reunification.safeguarding.assess", object_type="match", object_id=match.pk
        )
    return visit


def reunification_complete(*, actor: Actor, match: MatchProposal, notes: str = "") -> ReunificationPlan:
    """Record that the child went home. Refused unless a safeguarding assessment AND a supervisor's decision to
    reunify are recorded (the database refuses it too: a plan needs a decision, a decision an assessment)."""
    require(actor, "reunification.safeguarding.assess", match, object_type="match", object_id=match.pk)
    has_assessment = SafeguardingAssessment.objects.filter(match=match).exists()
    decision = ReunificationDecision.objects.filter(match=match).first()
    if not has_assessment or decision is None:
        raise ValidationError(
            {
                "status": "no reunification without a recorded safeguarding assessment and a "
                "supervisor's decision"
            }
        )
    if decision.outcome not in ReunificationDecision.REUNIFY_OUTCOMES:
        raise ValidationError(
            {"status": "the supervisor decided against reunification: follow the alternative plan"}
        )
    plan = ReunificationPlan.objects.get(match=match)
    if plan.completed_at is not None:
        raise ValidationError({"status": "the reunification is already recorded as completed"})
    with transaction.atomic():
        plan.completed_at, plan.completed_by_id, plan.completion_notes = timezone.now(), actor.user_id, notes
        plan.save(update_fields=["completed_at", "completed_by", "completion_notes"])
        match.status = MatchProposal.Status.REUNIFIED
        match.save(update_fields=["status"])
        TracingRequest.objects.filter(pk=match.tracing_request_id).update(status=TracingRequest.Status.CLOSED)
        audit_record(
            actor=actor, action="reunification.safeguarding.assess", object_type="match", object_id=match.pk
        )
    return plan
