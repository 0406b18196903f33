"""Family reunification: who may see what, the hard rule (no child goes home without a safeguarding assessment
and a supervisor's decision), genotype imports, the DNA search on synthetic families, and plain words."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.reunification import selectors, services
from kinward.apps.reunification.models import (
    DnaProfile,
    GenotypeImport,
    MatchProposal,
    ReunificationDecision,
    ReunificationPlan,
    SearchRun,
)
from kinward.engines.synth.dna import CORE_PANEL, DnaOptions, generate_dna
from tests import factories as f
from tests.apps.reunification import builders as ru
from tests.conftest import actor_of, signed_in_client

API = "/api/v1/reunification"


def act(world, name):
    return actor_of(world.people[name])


# --- who may see what ---------------------------------------------------------------------------------------


def test_a_caseworker_cannot_see_genotypes_only_how_many_loci(world):
    sample = ru.typed_child_sample(world)
    cw = act(world, "caseworker")
    assert selectors.sample_genotypes(actor=cw, sample=sample) is None
    assert selectors.typed_loci(sample) == 2
    with pytest.raises(AccessDenied):
        selectors.sample_open(actor=cw, sample_id=sample.pk)
    assert signed_in_client(world.people["caseworker"]).get(f"{API}/samples/{sample.pk}").status_code == 403
    lab = signed_in_client(world.people["dna_analyst"]).get(f"{API}/samples/{sample.pk}").json()
    assert lab["genotypes"][0]["genotypes"]["TH01"] == ["6", "9.3"]
    assert AuditEntry.objects.filter(action="dna.genotype.view", object_id=str(sample.pk)).exists()


def test_the_match_page_shows_no_genotypes_and_names_only_to_the_agencies_holding_the_records(world):
    match = ru.match(world)
    page = signed_in_client(world.people["caseworker"]).get(f"/reunification/matches/{match.pk}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Siti is the mother of Ani" in text and "likelihood ratio about 2 million" in text
    assert "9.3" not in text
    lab_text = (
        signed_in_client(world.people["dna_analyst"])
        .get(f"/reunification/matches/{match.pk}/")
        .content.decode()
    )
    assert "Siti" not in lab_text and f"rescued child no. {match.child_id}" in lab_text


def test_a_laboratory_of_another_agency_cannot_see_or_search_the_samples(world):
    other_lab = f.agency("dna_lab", world.east, "East DNA Laboratory")
    analyst = f.person(other_lab, ["dna_analyst"], username="east_analyst")
    sample = ru.typed_child_sample(world)
    other = actor_of(analyst)
    with pytest.raises(AccessDenied):
        selectors.sample_open(actor=other, sample_id=sample.pk)
    with pytest.raises(AccessDenied):
        services.match_search_run(actor=other, sample=sample)
    assert not selectors.samples(actor=other).exists()
    client = signed_in_client(analyst)
    assert client.get(f"{API}/samples").json()["count"] == 0
    assert client.get(f"{API}/samples/{sample.pk}").status_code == 403
    match = ru.match(world)
    assert client.get(f"{API}/matches/{match.pk}").status_code == 403
    assert AuditEntry.objects.filter(
        action="dna.sample.manage", outcome="denied", object_id=str(sample.pk)
    ).exists()


def test_anonymous_visitors_get_nothing(world):
    from django.test import Client

    match = ru.match(world)
    client = Client()
    assert client.get(f"{API}/matches/{match.pk}").status_code == 401
    assert client.get(f"{API}/samples").status_code == 401
    assert client.get(f"/reunification/matches/{match.pk}/").status_code == 302


def test_a_caseworker_of_another_agency_sees_neither_the_request_nor_the_match(world):
    match = ru.match(world)
    other = act(world, "caseworker_other_agency")
    with pytest.raises(AccessDenied):
        selectors.tracing_request_open(actor=other, request_id=match.tracing_request_id)
    with pytest.raises(AccessDenied):
        selectors.match_open(actor=other, match_id=match.pk)
    assert not selectors.match_queue(actor=other).exists()


# --- consent ------------------------------------------------------------------------------------------------


def test_it_refuses_a_family_members_sample_without_dna_consent(world):
    father = ru.tracing(world).members.get(relation="father")
    lab = act(world, "dna_analyst")
    kw = {
        "code": "F-1",
        "kit": "swab",
        "collected_at": timezone.now(),
        "handled_by": "nurse",
        "place": "home",
    }
    with pytest.raises(ValidationError) as refused:
        services.dna_sample_record(actor=lab, donor_member=father, **kw)
    assert "consent" in refused.value.message_dict["donor_member"][0]
    services.family_member_dna_consent(actor=act(world, "caseworker"), member=father, consent_on=ru.TODAY)
    father.refresh_from_db()
    assert services.dna_sample_record(actor=lab, donor_member=father, **kw).status == "collected"


def test_a_tracing_request_needs_the_familys_dated_consent(world):
    with pytest.raises(ValidationError) as refused:
        services.tracing_request_create(
            actor=act(world, "caseworker"),
            received_on=ru.TODAY,
            tracing_consent=True,
            tracing_consent_on=None,
            searcher={"given_name": "Siti", "relation": "mother"},
        )
    assert "tracing_consent" in refused.value.message_dict


# --- genotype import ----------------------------------------------------------------------------------------


def test_an_import_with_bad_rows_is_refused_whole_naming_profile_locus_and_problem(world):
    good, other = ru.sample(world), ru.sample(world)
    text = (
        "profile_id,role,locus,allele1,allele2\n"
        f"{good.code},child,TH01,6,9.3\n"
        f"{good.code},child,FOO1,6,7\n"
        f"{good.code},child,FGA,x,22\n"
        f"{good.code},child,th01,6,7\n"
        f"{other.code},child,TPOX,8,8\n"
    )
    record = services.genotypes_import(
        actor=act(world, "dna_analyst"), filename="bad.csv", text=text, panel="CODIS 20"
    )
    assert record.status == GenotypeImport.Status.REFUSED
    problems = {(e["line"], e["profile"], e["locus"]): e["problem"] for e in record.errors}
    assert "unknown locus" in problems[(3, good.code, "FOO1")]
    assert "malformed allele 'x'" in problems[(4, good.code, "FGA")]
    assert "duplicate locus 'th01' (TH01; first given on line 2)" in problems[(5, good.code, "th01")]
    assert len(problems) == 3
    assert not DnaProfile.objects.exists()


def test_the_api_answers_422_with_every_rows_problem(world):
    sample = ru.sample(world)
    body = {
        "panel": "CODIS 20",
        "csv": f"profile_id,role,locus,allele1,allele2\n{sample.code},reference,TH01,6,\n"
        f"UNKNOWN-9,child,TH01,6,7\n",
    }
    answer = signed_in_client(world.people["dna_analyst"]).post(
        f"{API}/genotype-imports", data=body, content_type="application/json"
    )
    assert answer.status_code == 422
    fields = {e["field"]: e["problem"] for e in answer.json()["errors"]}
    assert "only one allele" in fields["line 2"]


def test_an_import_refuses_unknown_sample_codes_and_a_wrong_role(world):
    sample = ru.sample(world)
    text = f"profile_id,role,locus,allele1,allele2\n{sample.code},reference,TH01,6,7\nNOPE,child,TH01,6,7\n"
    record = services.genotypes_import(
        actor=act(world, "dna_analyst"), filename="x.csv", text=text, panel="p"
    )
    problems = {e["profile"]: e["problem"] for e in record.errors}
    assert "no sample of this laboratory" in problems["NOPE"]
    assert "the role is child" in problems[sample.code]


# --- search on synthetic DNA ----------------------------------------------------------------------------------


def _load_scenario(world):
    scenario = generate_dna(
        options=DnaOptions(
            children=2,
            absent_families=1,
            decoy_families=1,
            sellers=0,
            missing_relative_rate=0.0,
            planted_mutations=0,
            seed=11,
        )
    )
    cw, lab = act(world, "caseworker"), act(world, "dna_analyst")
    rows, child_samples = ["profile_id,role,locus,allele1,allele2"], {}
    requests = {}
    for prof in scenario.children:
        child = services.rescued_child_record(actor=cw, found_on=ru.TODAY, name_known=prof.profile_id)
        child_samples[prof.profile_id] = ru.sample(world, donor_child=child)
    for prof in scenario.references:
        if prof.family_id not in requests:
            requests[prof.family_id] = ru.tracing(world)
        member = services.family_member_add(
            actor=cw,
            tracing_request=requests[prof.family_id],
            given_name=prof.profile_id,
            relation=prof.relation,
            sex=prof.sex,
            dna_consent=True,
            dna_consent_on=ru.TODAY,
        )
        s = ru.sample(world, donor_member=member)
        rows += [f"{s.code},reference,{k},{a},{b}" for k, (a, b) in prof.genotypes.items() if k in CORE_PANEL]
    for prof in scenario.children:
        code = child_samples[prof.profile_id].code
        rows += [f"{code},child,{k},{a},{b}" for k, (a, b) in prof.genotypes.items() if k in CORE_PANEL]
    record = services.genotypes_import(actor=lab, filename="s.csv", text="\n".join(rows), panel="CODIS 20")
    assert record.status == "imported", record.errors
    return scenario, child_samples, requests


def test_a_search_proposes_the_true_family_and_records_no_candidate_for_a_child_whose_family_is_absent(world):
    scenario, child_samples, requests = _load_scenario(world)
    lab = act(world, "dna_analyst")
    for child_id, sample in child_samples.items():
        run = services.match_search_run(actor=lab, sample=sample)
        family = scenario.family_of(child_id)
        if scenario.truth["families"][family]["searching"]:
            proposal = MatchProposal.objects.get(search_run=run)
            assert proposal.tracing_request_id == requests[family].pk
            assert proposal.relationship == "family" and proposal.lr >= 10_000
            assert proposal.loci_compared == 20 and proposal.posterior > 0.5
            assert {c["candidate"] for c in proposal.candidates} >= {"father", "mother", "family"}
        else:
            assert run.status == "no_candidate_above_threshold" and run.proposals_created == 0
    assert SearchRun.objects.count() == 2


def test_the_lab_confirms_only_on_an_extended_panel(world):
    scenario, child_samples, requests = _load_scenario(world)
    lab = act(world, "dna_analyst")
    child_id = next(c for c in child_samples if scenario.truth["children"][c]["family_searching"])
    services.match_search_run(actor=lab, sample=child_samples[child_id])
    match = MatchProposal.objects.get()
    with pytest.raises(ValidationError, match="extended panel"):
        services.lab_review_record(actor=lab, match=match, outcome="confirmed")
    family = scenario.family_of(child_id)
    extended = ["profile_id,role,locus,allele1,allele2"]
    for sample in [child_samples[child_id], *match.member_samples.all()]:
        prof = next(
            p
            for p in [*scenario.children, *scenario.references]
            if p.profile_id == (child_id if sample.donor_child_id else sample.donor_member.given_name)
        )
        role = "child" if sample.donor_child_id else "reference"
        extended += [f"{sample.code},{role},{k},{a},{b}" for k, (a, b) in prof.genotypes.items()]
    assert (
        services.genotypes_import(
            actor=lab, filename="ext.csv", text="\n".join(extended), panel="extended 29"
        ).status
        == "imported"
    )
    review = services.lab_review_record(actor=lab, match=match, outcome="confirmed")
    assert review.loci_compared == 29 and review.confirmation_lr > match.lr
    assert family == f"FAM{int(child_id[2:]):04d}"


# --- the hard rule ------------------------------------------------------------------------------------------

ASSESSMENT = {
    "red_flags_checked": True,
    "case_history_notes": "read",
    "reports_notes": "none",
    "concern_sold": False,
    "concern_abandoned": False,
    "concern_harmed": False,
    "child_view_applicable": False,
    "current_carer": "shelter",
    "conclusion": "safe",
    "reasons": "no concern",
}


def test_no_child_goes_home_without_an_assessment_and_a_decision(world):
    match = ru.match(world, "pending_safeguarding")
    cw, sup = act(world, "caseworker"), act(world, "case_supervisor")
    with pytest.raises(ValidationError, match="safeguarding assessment"):
        services.reunification_complete(actor=cw, match=match)
    with pytest.raises(ValidationError, match="not possible now"):
        services.reunification_decide(actor=sup, match=match, outcome="reunify", reasons="x", plan="y")
    services.safeguarding_assess(actor=cw, match=match, **ASSESSMENT)
    with pytest.raises(ValidationError, match="supervisor"):
        services.reunification_complete(actor=cw, match=match)
    services.reunification_decide(
        actor=sup, match=match, outcome="reunify", reasons="safe home", plan="handover"
    )
    plan = services.reunification_complete(actor=cw, match=match, notes="went well")
    assert plan.completed_at is not None and MatchProposal.objects.get(pk=match.pk).status == "reunified"
    assert AuditEntry.objects.filter(object_type="match", object_id=str(match.pk)).count() >= 3


def test_a_caseworker_cannot_decide_and_a_supervisor_cannot_decide_on_their_own_assessment(world):
    match = ru.match(world, "pending_decision", assessed_by=world.people["case_supervisor"])
    with pytest.raises(AccessDenied):
        services.reunification_decide(
            actor=act(world, "caseworker"), match=match, outcome="reunify", reasons="x", plan="y"
        )
    with pytest.raises(ValidationError, match="another person"):
        services.reunification_decide(
            actor=act(world, "case_supervisor"), match=match, outcome="reunify", reasons="x", plan="y"
        )


def test_a_family_that_sold_the_child_is_never_assessed_safe_or_sent_home(world):
    match = ru.match(world, "pending_safeguarding")
    cw, sup = act(world, "caseworker"), act(world, "case_supervisor")
    with pytest.raises(ValidationError, match="sold or harmed"):
        services.safeguarding_assess(actor=cw, match=match, **{**ASSESSMENT, "concern_sold": True})
    services.safeguarding_assess(
        actor=cw, match=match, **{**ASSESSMENT, "concern_sold": True, "conclusion": "not_safe"}
    )
    with pytest.raises(ValidationError, match="not safe"):
        services.reunification_decide(
            actor=sup, match=match, outcome="reunify_conditions", reasons="x", plan="y"
        )
    services.reunification_decide(
        actor=sup, match=match, outcome="alternative", reasons="sold", plan="foster care"
    )
    with pytest.raises(ValidationError, match="alternative"):
        services.reunification_complete(actor=cw, match=match)


def test_the_database_refuses_a_reunification_plan_the_decision_does_not_allow(world):
    match = ru.match(world, "plan_alternative", conclusion="not_safe", outcome="alternative")
    decision = ReunificationDecision.objects.get(match=match)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReunificationPlan.objects.filter(pk=match.plan.pk).update(
            kind="reunification", completed_at=timezone.now()
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReunificationDecision.objects.filter(pk=decision.pk).update(outcome="reunify")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReunificationPlan.objects.filter(pk=match.plan.pk).update(completed_at=timezone.now())


def test_the_database_refuses_a_decision_without_an_assessment(world):
    match = ru.match(world, "pending_safeguarding")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReunificationDecision.objects.create(
            match=match,
            assessment_id=None,
            assessment_conclusion="safe",
            outcome="reunify",
            reasons="x",
            decided_by=world.people["case_supervisor"],
        )


# --- plain words --------------------------------------------------------------------------------------------


def test_results_read_in_plain_words():
    from kinward.apps.reunification import wording

    sentence = wording.match_sentence(
        child="Ani", members=[("Siti", "mother", "F")], relationship="parent", lr=2_140_000
    )
    assert sentence == (
        "The DNA results give extremely strong support to the view that Siti is the mother of Ani "
        "(likelihood ratio about 2 million)."
    )
    assert wording.about(12_400) == "about 12,000" and wording.about(0.001) == "1 in 1,000"
    assert "NOT true" in wording.match_sentence(
        child="Ani", members=[("Budi", "father", "M")], relationship="parent", lr=0.01
    )
    both = wording.match_sentence(
        child="Ani",
        members=[("Siti", "mother", "F"), ("Dewi", "full_sibling", "F")],
        relationship="family",
        lr=3e9,
    )
    assert "Siti (mother), Dewi (a full sister), compared together" in both and "about 3 billion" in both


def test_the_whole_path_reads_in_plain_words_on_the_api(world):
    match = ru.match(world, "plan_reunification")
    body = signed_in_client(world.people["case_supervisor"]).get(f"{API}/matches/{match.pk}").json()
    assert body["headline"].startswith("The DNA results give extremely strong support")
    steps = {s["title"]: s for s in body["steps"]}
    assert (
        steps["Laboratory review"]["done"] and "about 500 million" in steps["Laboratory review"]["lines"][0]
    )
    assert "safe to proceed" in steps["Safeguarding assessment"]["lines"][0]
    assert steps["Supervisor's decision"]["lines"][0].startswith("Reunify the child")


def test_pages_walk_the_path_with_forms_for_the_next_step(world):
    match = ru.match(world, "pending_safeguarding")
    client = signed_in_client(world.people["caseworker"])
    page = client.get(f"/reunification/matches/{match.pk}/").content.decode()
    assert "Safeguarding assessment" in page and 'name="step" value="safeguarding"' in page
    answer = client.post(
        f"/reunification/matches/{match.pk}/",
        {
            "step": "safeguarding",
            **{k: ("on" if v is True else v) for k, v in ASSESSMENT.items() if v is not False},
        },
    )
    assert answer.status_code == 302
    assert MatchProposal.objects.get(pk=match.pk).status == "pending_decision"
    refused = client.post(
        f"/reunification/matches/{match.pk}/",
        {"step": "decision", "outcome": "reunify", "reasons": "x", "plan": "y"},
    )
    assert refused.status_code == 302 and MatchProposal.objects.get(pk=match.pk).status == "pending_decision"


def test_a_custody_event_cannot_go_back_in_time_or_skip_a_step(world):
    lab = act(world, "dna_analyst")
    sample = services.dna_sample_record(
        actor=lab,
        code="C-1",
        kit="swab",
        collected_at=timezone.now(),
        handled_by="nurse",
        place="shelter",
        donor_child=ru.child(world),
    )
    later = timezone.now()
    with pytest.raises(ValidationError, match="cannot be recorded as received"):
        services.sample_custody_record(
            actor=lab, sample=sample, kind="received", at=later, handled_by="a", place="b"
        )
    with pytest.raises(ValidationError, match="before the previous"):
        services.sample_custody_record(
            actor=lab,
            sample=sample,
            kind="sealed",
            at=timezone.now() - dt.timedelta(days=30),
            handled_by="a",
            place="b",
        )
    with pytest.raises(ValidationError, match="future"):
        services.sample_custody_record(
            actor=lab,
            sample=sample,
            kind="sealed",
            at=timezone.now() + dt.timedelta(days=1),
            handled_by="a",
            place="b",
        )
    assert (
        services.sample_custody_record(
            actor=lab, sample=sample, kind="sealed", at=later, handled_by="a", place="b"
        ).kind
        == "sealed"
    )


# --- demo ---------------------------------------------------------------------------------------------------


def test_the_demo_walks_one_match_home_one_seller_to_alternative_care_and_leaves_one_for_the_lab(world):
    import io

    from kinward.apps.reunification.demo import demo_seed

    demo_seed(stdout=io.StringIO())
    statuses = list(MatchProposal.objects.values_list("status", flat=True))
    assert {"plan_reunification", "plan_alternative", "pending_lab"} <= set(statuses)
    sold = MatchProposal.objects.get(status="plan_alternative")
    assert sold.safeguarding.conclusion == "not_safe" and sold.safeguarding.concern_sold
    assert sold.safeguarding.red_flag_alerts and sold.decision.outcome == "alternative"
    assert SearchRun.objects.filter(status="no_candidate_above_threshold").exists()
    demo_seed(stdout=io.StringIO())
    assert MatchProposal.objects.count() == len(statuses)


def test_a_caseworker_records_a_tracing_request_on_the_page_and_consent_is_required(world):
    from kinward.apps.reunification.models import TracingRequest

    client = signed_in_client(world.people["caseworker"])
    form = {
        "received_on": "2026-01-05",
        "searcher_given_name": "Siti",
        "searcher_relation": "mother",
        "child_name": "Ani",
        "lost_place": "clinic",
    }
    refused = client.post("/reunification/tracing/", form)
    assert refused.status_code == 400 and "consent" in refused.content.decode()
    answer = client.post(
        "/reunification/tracing/", {**form, "tracing_consent": "on", "tracing_consent_on": "2026-01-05"}
    )
    assert answer.status_code == 302
    request = TracingRequest.objects.get()
    assert request.searcher.given_name == "Siti" and request.agency == world.child_protection


def test_the_imports_page_lists_every_problem_of_a_refused_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sample = ru.sample(world)
    upload = SimpleUploadedFile(
        "g.csv",
        f"profile_id,role,locus,allele1,allele2\n{sample.code},child,XYZ,1,2\n"
        f"{sample.code},child,TH01,6,?\n".encode(),
    )
    page = signed_in_client(world.people["dna_analyst"]).post(
        "/reunification/imports/", {"panel": "CODIS 20", "file": upload}
    )
    text = page.content.decode()
    assert page.status_code == 400 and "XYZ" in text and "malformed allele" in text
    assert GenotypeImport.objects.get().status == "refused"
