"""Reads of reunification records, scoped by role and agency; every opening of a sensitive record is audited.

Genotypes leave this module only through `sample_genotypes`, for the laboratory role (`dna.genotype.view`);
everyone else learns "typed at N loci". A match is seen by the three agencies it concerns (the laboratory, the
child's agency, the family's agency), in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from kinward.apps.accounts.authz import AccessDenied, Actor, authorize, scope_filter
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.reunification import matching, wording
from kinward.apps.reunification.models import (
    DnaSample,
    FamilyMember,
    GenotypeImport,
    MatchProposal,
    RescuedChild,
    SearchRun,
    TracingRequest,
)

TRACING = "reunification.tracing.manage"
SAMPLES = "dna.sample.manage"
MATCH_VIEW = "reunification.match.view"


def _opened(actor: Actor, action: str, object_type: str, object_id: int) -> None:
    audit_record(actor=actor, action=action, object_type=object_type, object_id=object_id)


# --- caseworkers' records ---------------------------------------------------------------------------------------


def rescued_children(*, actor: Actor) -> QuerySet[RescuedChild]:
    require(actor, TRACING, object_type="rescued_child")
    return RescuedChild.objects.filter(scope_filter(actor, TRACING)).select_related("agency")


def rescued_child_open(*, actor: Actor, child_id: int) -> RescuedChild:
    child = RescuedChild.objects.select_related("agency__region").get(pk=child_id)
    require(actor, TRACING, child, object_type="rescued_child", object_id=child.pk)
    _opened(actor, TRACING, "rescued_child", child.pk)
    return child


def tracing_requests(*, actor: Actor, status: str = "") -> QuerySet[TracingRequest]:
    require(actor, TRACING, object_type="tracing_request")
    found = TracingRequest.objects.filter(scope_filter(actor, TRACING)).select_related("agency")
    return found.filter(status=status) if status else found


def tracing_request_open(*, actor: Actor, request_id: int) -> TracingRequest:
    request = TracingRequest.objects.select_related("agency__region").get(pk=request_id)
    require(actor, TRACING, request, object_type="tracing_request", object_id=request.pk)
    _opened(actor, TRACING, "tracing_request", request.pk)
    return request


def family_member_open(*, actor: Actor, member_id: int) -> FamilyMember:
    member = FamilyMember.objects.select_related("tracing_request__agency__region").get(pk=member_id)
    require(actor, TRACING, member, object_type="family_member", object_id=member.pk)
    return member


# --- laboratory -------------------------------------------------------------------------------------------------


def samples(*, actor: Actor, status: str = "") -> QuerySet[DnaSample]:
    require(actor, SAMPLES, object_type="dna_sample")
    found = (
        DnaSample.objects.filter(scope_filter(actor, SAMPLES, agency_field="lab"))
        .select_related("donor_member")
        .prefetch_related("profiles")
    )
    return found.filter(status=status) if status else found


def sample_open(*, actor: Actor, sample_id: int) -> DnaSample:
    sample = DnaSample.objects.select_related("lab__region", "donor_member").get(pk=sample_id)
    require(actor, SAMPLES, sample, object_type="dna_sample", object_id=sample.pk)
    _opened(actor, SAMPLES, "dna_sample", sample.pk)
    return sample


def sample_genotypes(*, actor: Actor, sample: DnaSample) -> list[dict] | None:
    """The sample's genotypes per panel, for the laboratory role only (audited); None for anyone else."""
    if not authorize(actor, "dna.genotype.view", sample).allowed:
        return None
    _opened(actor, "dna.genotype.view", "dna_sample", sample.pk)
    return [
        {"panel": p.panel, "loci_count": p.loci_count, "genotypes": p.genotypes, "imported_at": p.created_at}
        for p in sample.profiles.order_by("id")
    ]


def typed_loci(sample: DnaSample) -> int:
    """How many loci the sample is typed at (its largest typing): what non-laboratory roles may know."""
    best = matching.best_profile(sample)
    return best.loci_count if best else 0


def sample_for_lab(*, actor: Actor, code: str) -> DnaSample:
    found = samples(actor=actor).filter(code=code).first()
    if found is None:
        raise DnaSample.DoesNotExist(code)
    return found


def genotype_imports(*, actor: Actor) -> QuerySet[GenotypeImport]:
    require(actor, SAMPLES, object_type="genotype_import")
    return GenotypeImport.objects.filter(scope_filter(actor, SAMPLES, agency_field="lab"))


def search_runs(*, actor: Actor) -> QuerySet[SearchRun]:
    require(actor, SAMPLES, object_type="search_run")
    return SearchRun.objects.filter(scope_filter(actor, SAMPLES, agency_field="lab"))


def search_run_open(*, actor: Actor, run_id: int) -> SearchRun:
    run = SearchRun.objects.select_related("lab__region").get(pk=run_id)
    require(actor, SAMPLES, run, object_type="search_run", object_id=run.pk)
    return run


def donor_child_for_lab(*, actor: Actor, child_id: int) -> RescuedChild:
    """A rescued child as a sample donor: the lab learns that the record exists, nothing else."""
    require(actor, SAMPLES, object_type="dna_sample")
    return RescuedChild.objects.get(pk=child_id)


def donor_member_for_lab(*, actor: Actor, member_id: int) -> FamilyMember:
    require(actor, SAMPLES, object_type="dna_sample")
    return FamilyMember.objects.get(pk=member_id)


# --- matches ----------------------------------------------------------------------------------------------------


def _match_filter(actor: Actor) -> Q:
    return (
        scope_filter(actor, MATCH_VIEW, agency_field="lab")
        | scope_filter(actor, MATCH_VIEW, agency_field="child__agency")
        | scope_filter(actor, MATCH_VIEW, agency_field="tracing_request__agency")
    )


def match_queue(*, actor: Actor, status: str = "") -> QuerySet[MatchProposal]:
    """The match proposals the actor's agency is part of, newest first."""
    require(actor, MATCH_VIEW, object_type="match")
    found = MatchProposal.objects.filter(_match_filter(actor)).select_related("child", "tracing_request")
    if status == "open":
        return found.exclude(status__in=[MatchProposal.Status.NOT_CONFIRMED, MatchProposal.Status.REUNIFIED])
    return found.filter(status=status) if status else found


def may(actor: Actor, action: str, match: MatchProposal) -> bool:
    return any(authorize(actor, action, scope).allowed for scope in match.access_scopes())


def match_open(*, actor: Actor, match_id: int) -> MatchProposal:
    match = MatchProposal.objects.select_related(
        "lab__region", "child__agency__region", "tracing_request__agency__region"
    ).get(pk=match_id)
    if not may(actor, MATCH_VIEW, match):
        audit_record(
            actor=actor,
            action=MATCH_VIEW,
            object_type="match",
            object_id=match.pk,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise AccessDenied(
            MATCH_VIEW, "record outside the actor's scope" if not actor.is_anonymous else "not signed in"
        )
    _opened(actor, MATCH_VIEW, "match", match.pk)
    return match


def family_red_flags(*, actor: Actor, match: MatchProposal) -> list[Alert]:
    """Red-flag alerts whose subject is a person of the searching family (by registry person reference), for
    the safeguarding assessment. Shown to whoever may assess the match; each alert shown is audited."""
    require(actor, "reunification.safeguarding.assess", match, object_type="match", object_id=match.pk)
    refs = _family_person_refs(match)
    alerts = (
        list(Alert.objects.filter(subject_type__in=["persons", "person"], subject_ref__in=refs))
        if refs
        else []
    )
    for alert in alerts:
        _opened(actor, "reunification.safeguarding.assess", "alert", alert.pk)
    return alerts


@dataclass
class CaseLine:
    """A child-protection case found for the safeguarding check: shown whole if the reader may view the case,
    else only its reference and the agency that holds it (to ask them)."""

    case_id: int
    reference: str
    agency: str
    why: str
    visible: bool
    status: str = ""
    exploitation: str = ""
    opened_at: object = None


@dataclass
class SafeguardingFacts:
    """What the records say about the family and the child, for the safeguarding assessment: red-flag alerts,
    mandatory abandonment reports, the child's abandonment custody events, and the case history."""

    alerts: list[Alert]
    family_reports: list = field(
        default_factory=list
    )  # registry.AbandonmentReport, a family member the mother
    child_reports: list = field(default_factory=list)  # registry.AbandonmentReport, the child the subject
    child_abandonments: list = field(default_factory=list)  # registry.CustodyEvent, type abandonment_found
    cases: list[CaseLine] = field(default_factory=list)
    child_newborn_id: str = ""


def _family_person_refs(match: MatchProposal) -> list[str]:
    return [r for r in match.tracing_request.members.values_list("person_ref", flat=True) if r]


def _child_newborn_id(match: MatchProposal) -> str:
    case = match.child.case
    return case.newborn_id if case is not None else ""


def _case_lines(
    actor: Actor, match: MatchProposal, newborn_id: str, family_births: list[str]
) -> list[CaseLine]:
    from kinward.apps.cases.models import Case

    found: dict[int, tuple[Case, str]] = {}
    if match.child.case_id:
        found[match.child.case_id] = (match.child.case, "the child's own case")
    if newborn_id:
        for case in Case.objects.filter(newborn_id=newborn_id).select_related("agency"):
            found.setdefault(case.pk, (case, "a case about the same newborn ID"))
    if family_births:
        for case in Case.objects.filter(newborn_id__in=family_births).select_related("agency"):
            found.setdefault(case.pk, (case, "a case about another child born to a mother of this family"))
    lines = []
    for case, why in found.values():
        visible = authorize(actor, "cases.case.view", case).allowed
        line = CaseLine(case.pk, case.reference, case.agency.name, why, visible)
        if visible:
            line.status, line.exploitation = case.get_status_display(), case.get_exploitation_type_display()
            line.opened_at = case.opened_at
        _opened(actor, "reunification.safeguarding.assess", "case", case.pk)
        lines.append(line)
    return lines


def safeguarding_facts(*, actor: Actor, match: MatchProposal) -> SafeguardingFacts:
    """Everything the records hold about whether this family sold, abandoned or harmed a child, for the person
    who assesses the match (`reunification.safeguarding.assess`). Every record shown is audited (identifiers
    only).

    * red-flag alerts whose subject is a family member (registry person reference);
    * mandatory abandonment reports (registry) of a child whose mother is a family member, and of this child
      (through the newborn ID of the child's linked case), and this child's `abandonment_found` custody events;
    * child-protection cases of this child (the linked case, the same newborn ID) and of other children born to
      a mother of this family: whole when the reader may view the case, else reference and holding agency.
    """
    from kinward.apps.registry.models import AbandonmentReport, Birth, CustodyEvent

    alerts = family_red_flags(actor=actor, match=match)
    refs = _family_person_refs(match)
    newborn_id = _child_newborn_id(match)
    facts = SafeguardingFacts(alerts=alerts, child_newborn_id=newborn_id)
    family_births = (
        list(Birth.objects.filter(mother__external_ref__in=refs).values_list("newborn_id", flat=True))
        if refs
        else []
    )
    if refs:
        facts.family_reports = list(
            AbandonmentReport.objects.filter(child__mother__external_ref__in=refs).select_related(
                "child", "facility"
            )
        )
    if newborn_id:
        facts.child_reports = list(
            AbandonmentReport.objects.filter(child__newborn_id=newborn_id).select_related("child", "facility")
        )
        facts.child_abandonments = list(
            CustodyEvent.objects.filter(
                child__newborn_id=newborn_id, type=CustodyEvent.Type.ABANDONMENT_FOUND
            )
        )
    for report in {r.pk: r for r in [*facts.family_reports, *facts.child_reports]}.values():
        _opened(actor, "reunification.safeguarding.assess", "abandonment_report", report.pk)
    for event in facts.child_abandonments:
        _opened(actor, "reunification.safeguarding.assess", "custody_event", event.pk)
    facts.cases = _case_lines(actor, match, newborn_id, [b for b in family_births if b])
    return facts


def child_case_choices(*, actor: Actor):
    """The child-protection cases the actor may see, to link a rescued child to its case."""
    from kinward.apps.cases.selectors import case_list

    return case_list(actor=actor)


@dataclass
class PathStep:
    title: str
    done: bool
    lines: list[str] = field(default_factory=list)


@dataclass
class MatchPath:
    """The whole path of a match in plain words, for families, caseworkers and supervisors."""

    headline: str
    meaning: str
    steps: list[PathStep]
    names_shown: bool
    loci: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _member_names(match: MatchProposal, names: bool) -> list[tuple[str, str, str]]:
    out = []
    for sample in match.member_samples.select_related("donor_member").order_by("id"):
        m = sample.donor_member
        out.append((str(m) if names else f"family member no. {m.pk}", m.relation, m.sex))
    return out


def match_path(*, actor: Actor, match: MatchProposal) -> MatchPath:
    """Plain-words account of the match: the DNA result, the lab review, the safeguarding, the decision, the plan.
    Names appear only for people who hold the child's or the family's record; genotypes never."""
    names = (
        authorize(actor, TRACING, match.child).allowed
        or authorize(actor, TRACING, match.tracing_request).allowed
    )
    child = match.child.label if names else f"rescued child no. {match.child_id}"
    members = _member_names(match, names)
    lr = match.stated_lr
    headline = wording.match_sentence(child=child, members=members, relationship=match.relationship, lr=lr)
    notes = []
    if match.relationship not in ("family", matching.STATED_CLASS.get(members[0][1] if members else "", "")):
        notes.append(
            f"The search found the DNA fits '{match.relationship.replace('_', ' ')}' best "
            f"(likelihood ratio {wording.about(match.lr)}); the laboratory review checks the stated relation."
        )
    if match.inconsistent_loci:
        notes.append(
            f"{match.inconsistent_loci} of {match.loci_compared} DNA markers differ in a way that needs a "
            "mutation to explain; the laboratory takes this into account."
        )
    steps = [
        PathStep(
            "DNA search",
            True,
            [f"Compared at {match.loci_compared} DNA markers on {match.created_at:%Y-%m-%d}."],
        )
    ]
    steps += _later_steps(match)
    loci = {"child": typed_loci(match.child_sample)}
    return MatchPath(headline, wording.lr_meaning(lr), steps, names, loci, notes)


def _later_steps(match: MatchProposal) -> list[PathStep]:
    review = getattr(match, "lab_review", None)
    lab = PathStep(
        "Laboratory review", review is not None, ["Waiting for the laboratory."] if review is None else []
    )
    if review is not None:
        if review.outcome == "confirmed":
            lab.lines.append(
                f"Confirmed on a wider set of {review.loci_compared} DNA markers "
                f"(likelihood ratio {wording.about(review.confirmation_lr or 0)}; {review.panels})."
            )
        else:
            lab.lines.append(f"Not confirmed by the laboratory: {review.notes}")
    assessment = getattr(match, "safeguarding", None)
    safe = PathStep("Safeguarding assessment", assessment is not None)
    if assessment is None:
        safe.lines.append(
            "Not yet done. No child goes home without it."
            if review and review.outcome == "confirmed"
            else "Comes after the laboratory confirms the match."
        )
    else:
        safe.lines.append(f"Conclusion: {assessment.get_conclusion_display()}.")
        if assessment.conditions:
            safe.lines.append(f"Conditions: {assessment.conditions}")
    decision = getattr(match, "decision", None)
    dec = PathStep(
        "Supervisor's decision",
        decision is not None,
        [] if decision else ["Waiting for the supervisor's decision."],
    )
    if decision is not None:
        dec.lines.append(f"{decision.get_outcome_display().capitalize()} — {decision.reasons}")
    plan = getattr(match, "plan", None)
    plan_step = PathStep(
        "Plan and follow-up",
        plan is not None and (plan.completed_at is not None or plan.kind == "alternative"),
    )
    if plan is not None:
        plan_step.lines.append(f"{plan.get_kind_display().capitalize()} plan: {plan.description}")
        visits = list(plan.visits.all())
        plan_step.lines += [f"Visit on {v.visited_on}: {v.get_wellbeing_display()}" for v in visits]
        if plan.completed_at:
            plan_step.lines.append(f"The child went home on {plan.completed_at:%Y-%m-%d}.")
    return [lab, safe, dec, plan_step]
