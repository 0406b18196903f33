"""Records of the reunification path built directly (fast), for the access matrix and the tests.

They stand for data the services would have written; the services themselves are tested in test_*.py.
"""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from kinward.apps.reunification.models import (
    DnaProfile,
    DnaSample,
    FamilyMember,
    GenotypeImport,
    LabReview,
    MatchProposal,
    RescuedChild,
    ReunificationDecision,
    ReunificationPlan,
    SafeguardingAssessment,
    SearchRun,
    TracingRequest,
)

_n = itertools.count(1)
TODAY = dt.date(2026, 1, 10)


def NOW_ISO() -> str:  # noqa: N802 - reads as a constant in the access table
    return timezone.now().isoformat()


def child(world, agency=None, **kw) -> RescuedChild:
    return RescuedChild.objects.create(
        agency=agency or world.child_protection,
        found_on=TODAY,
        name_known=kw.pop("name_known", "Ani"),
        sex="F",
        **kw,
    )


def tracing(world, agency=None) -> TracingRequest:
    request = TracingRequest.objects.create(
        agency=agency or world.child_protection, received_on=TODAY, child_name="Ani", tracing_consent_on=TODAY
    )
    FamilyMember.objects.create(
        tracing_request=request,
        is_searcher=True,
        given_name="Siti",
        relation="mother",
        sex="F",
        dna_consent=True,
        dna_consent_on=TODAY,
        person_ref="P-SITI",
    )
    FamilyMember.objects.create(tracing_request=request, given_name="Budi", relation="father", sex="M")
    return request


def sample(world, *, donor_child=None, donor_member=None, status="received") -> DnaSample:
    if donor_child is None and donor_member is None:
        donor_child = child(world)
    return DnaSample.objects.create(
        lab=world.dna_lab,
        code=f"LAB-{next(_n):05d}",
        kit="swab kit 7",
        collected_at=timezone.now() - dt.timedelta(days=2),
        status=status,
        donor_child=donor_child,
        donor_member=donor_member,
    )


def profile(s: DnaSample, genotypes: dict, panel: str = "CODIS 20") -> DnaProfile:
    record = GenotypeImport.objects.create(
        lab=s.lab, filename="x.csv", panel=panel, status="imported", profiles=1, rows=len(genotypes)
    )
    s.status = "typed"
    s.save(update_fields=["status"])
    return DnaProfile.objects.create(
        sample=s,
        panel=panel,
        genotypes={k: list(v) for k, v in genotypes.items()},
        loci_count=len(genotypes),
        genotype_import=record,
    )


def search_run(world) -> SearchRun:
    s = typed_child_sample(world)
    return SearchRun.objects.create(
        lab=world.dna_lab, direction="child", child=s.donor_child, sample=s, state="queued"
    )


def typed_child_sample(world) -> DnaSample:
    s = sample(world)
    profile(s, {"TH01": ("6", "9.3"), "FGA": ("21", "24")})
    return s


def match(
    world,
    status: str = "pending_lab",
    *,
    assessed_by=None,
    conclusion: str = "safe",
    outcome: str = "reunify",
) -> MatchProposal:
    """A proposal at the given step of the path, with the records the earlier steps leave."""
    c, t = child(world), tracing(world)
    mother = t.members.get(relation="mother")
    cs, ms = sample(world, donor_child=c, status="typed"), sample(world, donor_member=mother, status="typed")
    run = SearchRun.objects.create(lab=world.dna_lab, direction="child", child=c, status="ok", compared=2)
    m = MatchProposal.objects.create(
        lab=world.dna_lab,
        child=c,
        tracing_request=t,
        search_run=run,
        child_sample=cs,
        members_label="mother",
        relationship="parent",
        lr=2.1e6,
        stated_lr=2.1e6,
        posterior=0.99,
        loci_compared=20,
        inconsistent_loci=0,
        class_lrs={"parent": 2.1e6},
        candidates=[],
        status=status,
    )
    m.member_samples.set([ms])
    steps = ["pending_lab", "pending_safeguarding", "pending_decision", "plan"]
    reached = steps.index("plan" if status.startswith("plan") or status == "reunified" else status)
    if reached >= 1:
        review = LabReview.objects.create(
            match=m,
            outcome="confirmed",
            confirmation_lr=5e8,
            loci_compared=29,
            reviewed_by=world.people["dna_analyst"],
        )
    if reached >= 2:
        a = SafeguardingAssessment.objects.create(
            match=m,
            lab_review=review,
            lab_outcome="confirmed",
            red_flags_checked=True,
            case_history_notes="none",
            reports_notes="none",
            concern_sold=False,
            concern_abandoned=False,
            concern_harmed=False,
            child_view_applicable=False,
            current_carer="shelter",
            conclusion=conclusion,
            conditions="monthly visits" if conclusion == "conditions" else "",
            reasons="checked",
            assessed_by=assessed_by or world.people["caseworker"],
        )
    if reached >= 3:
        d = ReunificationDecision.objects.create(
            match=m,
            assessment=a,
            assessment_conclusion=conclusion,
            outcome=outcome,
            reasons="safe",
            decided_by=world.people["case_supervisor"],
        )
        ReunificationPlan.objects.create(
            match=m,
            decision=d,
            decision_outcome=outcome,
            description="home visit",
            kind="alternative" if outcome == "alternative" else "reunification",
            created_by=world.people["case_supervisor"],
        )
    return m
