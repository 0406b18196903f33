"""Searches queued for the background worker and run nationally; what the safeguarding check reads (alerts,
abandonment reports, the child's abandonment custody events, case history), each read audited; the child's
link to their child-protection case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import AbandonmentReport, Staff
from kinward.apps.registry.services import CustodyInput, custody_event_record
from kinward.apps.reunification import selectors, services, tasks
from kinward.apps.reunification.models import MatchProposal, SearchRun
from kinward.engines.synth.dna import CORE_PANEL, DnaOptions, generate_dna
from tests import factories as f
from tests.apps.cases import helpers as ch
from tests.apps.registry import helpers as rh
from tests.apps.reunification import builders as ru
from tests.conftest import actor_of, signed_in_client

API = "/api/v1/reunification"


def act(world, name):
    return actor_of(world.people[name])


def _scenario(world, *, family_lab):
    """One rescued child typed at the national lab; its searching family's father and mother typed at
    `family_lab` (another laboratory)."""
    scenario = generate_dna(
        options=DnaOptions(children=1, absent_families=0, decoy_families=0, sellers=0, missing_relative_rate=0.0,
                           planted_mutations=0, seed=5)
    )  # fmt: skip
    cw = act(world, "caseworker")
    (child_prof,) = scenario.children
    child = services.rescued_child_record(actor=cw, found_on=ru.TODAY, name_known="Ani")
    child_sample = ru.sample(world, donor_child=child)
    ru.profile(child_sample, {k: v for k, v in child_prof.genotypes.items() if k in CORE_PANEL})
    tracing = ru.tracing(world)
    samples = []
    for prof in scenario.references:
        member = services.family_member_add(
            actor=cw, tracing_request=tracing, given_name=prof.relation, relation=prof.relation, sex=prof.sex,
            dna_consent=True, dna_consent_on=ru.TODAY,
        )  # fmt: skip
        s = ru.sample(world, donor_member=member)
        s.lab = family_lab
        s.save(update_fields=["lab"])
        ru.profile(s, {k: v for k, v in prof.genotypes.items() if k in CORE_PANEL})
        samples.append(s)
    return child_sample, tracing, samples


def test_a_search_is_queued_for_the_worker_and_the_page_shows_it_pending_then_done(world):
    other_lab = f.agency("dna_lab", world.east, "East DNA Laboratory")
    child_sample, tracing, _ = _scenario(world, family_lab=other_lab)
    client = signed_in_client(world.people["dna_analyst"])
    answer = client.post(f"{API}/samples/{child_sample.pk}/search")
    assert answer.status_code == 202 and answer.json()["state"] == "queued"
    run = SearchRun.objects.get(pk=answer.json()["id"])
    task = DBTaskResult.objects.get()
    assert task.task_path == "kinward.apps.reunification.tasks.match_search_execute"
    assert task.args_kwargs["args"] == [run.pk]
    assert not MatchProposal.objects.exists()  # nothing ran inside the request
    page = client.get(f"/reunification/samples/{child_sample.pk}/").content.decode()
    assert "pending" in page and 'hx-trigger="every 5s"' in page

    result = tasks.match_search_execute.call(run.pk)
    assert result["state"] == "done" and result["proposals"] == 1
    run.refresh_from_db()
    assert (run.state, run.status, run.labs_searched) == ("done", "ok", 1)
    assert run.settings["scope"] == "national (ID)" and run.finished_at is not None
    proposal = MatchProposal.objects.get(search_run=run)
    assert proposal.tracing_request == tracing and proposal.relationship == "family"
    assert client.get(f"{API}/search-runs/{run.pk}").json()["state"] == "done"
    fragment = client.get(f"/reunification/samples/{child_sample.pk}/searches/").content.decode()
    assert "hx-trigger" not in fragment and "candidates above the threshold" in fragment
    # a second run of the same task changes nothing
    assert tasks.match_search_execute.call(run.pk)["proposals"] == 1
    assert MatchProposal.objects.count() == 1


def test_the_search_reads_other_laboratories_of_the_country_but_never_shows_their_genotypes(world):
    other_lab = f.agency("dna_lab", world.east, "East DNA Laboratory")
    other_analyst = f.person(other_lab, ["dna_analyst"], username="east_analyst")
    child_sample, _tracing, family_samples = _scenario(world, family_lab=other_lab)
    run = services.match_search_run(actor=act(world, "dna_analyst"), sample=child_sample)
    assert run.proposals_created == 1
    proposal = MatchProposal.objects.get()
    assert set(proposal.member_samples.all()) == set(family_samples)
    # the searching lab cannot open the other lab's samples, nor the other lab the child's
    with pytest.raises(AccessDenied):
        selectors.sample_open(actor=act(world, "dna_analyst"), sample_id=family_samples[0].pk)
    with pytest.raises(AccessDenied):
        selectors.sample_open(actor=actor_of(other_analyst), sample_id=child_sample.pk)
    page = signed_in_client(world.people["dna_analyst"]).get(f"/reunification/matches/{proposal.pk}/")
    assert page.status_code == 200 and "family member no." in page.content.decode()


def test_a_laboratory_abroad_a_closed_request_and_a_member_without_consent_are_not_searched(world):
    abroad = f.agency("dna_lab", f.country("MY"), "Foreign DNA Laboratory")
    child_sample, _tracing, _ = _scenario(world, family_lab=abroad)
    run = services.match_search_run(actor=act(world, "dna_analyst"), sample=child_sample)
    assert run.status == "no_candidate_above_threshold" and run.labs_searched == 0
    assert "no family reference profile is typed yet" in run.notes

    child_sample, tracing, samples = _scenario(world, family_lab=world.dna_lab)
    tracing.status = "closed"
    tracing.save(update_fields=["status"])
    run = services.match_search_run(actor=act(world, "dna_analyst"), sample=child_sample)
    assert run.proposals_created == 0
    tracing.status = "open"
    tracing.save(update_fields=["status"])
    for s in samples:
        s.donor_member.dna_consent, s.donor_member.dna_consent_on = False, None
        s.donor_member.save(update_fields=["dna_consent", "dna_consent_on"])
    run = services.match_search_run(actor=act(world, "dna_analyst"), sample=child_sample)
    assert run.proposals_created == 0


def test_a_failed_search_is_recorded_with_its_reason(world, monkeypatch):
    from kinward.apps.reunification import matching

    sample = ru.typed_child_sample(world)
    run = services.match_search_request(actor=act(world, "dna_analyst"), sample=sample)

    def broken(*args, **kwargs):
        raise RuntimeError("frequency file unreadable")

    monkeypatch.setattr(matching, "search_child", broken)
    with pytest.raises(RuntimeError):
        tasks.match_search_execute.call(run.pk)
    run.refresh_from_db()
    assert run.state == "failed" and "frequency file unreadable" in run.error


def _safeguarding_world(world):
    """A match waiting for safeguarding; the family's mother (registry ref P-SITI) had another child whose
    abandonment was reported; the rescued child (newborn ID through its linked case) was found abandoned."""
    match = ru.match(world, "pending_safeguarding")
    sibling = rh.a_birth(world, days_ago=800)
    sibling.mother.external_ref = "P-SITI"
    sibling.mother.save(update_fields=["external_ref"])
    nurse = Staff.objects.create(agency=world.hospital, role="nurse", name="Nurse A")
    report = AbandonmentReport.objects.create(
        child=sibling, facility=world.hospital, reported_by=nurse, found_at=timezone.now() - dt.timedelta(days=790),
        reported_at=timezone.now() - dt.timedelta(days=789), place="market stall", condition="dehydrated",
    )  # fmt: skip
    rescued_birth = rh.a_birth(world, days_ago=300)
    event = custody_event_record(
        actor=act(world, "clerk"), child=rescued_birth,
        data=CustodyInput(type="abandonment_found", time=timezone.now() - dt.timedelta(days=299),
                          place="bus station", found_by="police officer", condition="healthy"),
    )  # fmt: skip
    own_case = ch.case(world, newborn_id=rescued_birth.newborn_id)
    other_case = ch.case(world, newborn_id=sibling.newborn_id)
    other_case.agency = world.other_child_protection
    other_case.save(update_fields=["agency"])
    alert = Alert.objects.create(
        alert_key="A-SG-1", rule="non_guardian_discharge", rule_version=1, source="test", subject_type="persons",
        subject_ref="P-SITI", reason="discharged to a broker", last_seen_at=timezone.now(),
    )  # fmt: skip
    services.rescued_child_case_link(actor=act(world, "caseworker"), child=match.child, case_id=own_case.pk)
    return match, report, event, own_case, other_case, alert


def test_the_safeguarding_check_shows_alerts_reports_abandonments_and_case_history_each_read_audited(world):
    match, report, event, own_case, other_case, alert = _safeguarding_world(world)
    facts = selectors.safeguarding_facts(actor=act(world, "caseworker"), match=match)
    assert facts.alerts == [alert]
    assert facts.family_reports == [report] and facts.child_reports == []
    assert facts.child_abandonments == [event]
    lines = {c.reference: c for c in facts.cases}
    assert lines[own_case.reference].visible and lines[own_case.reference].why == "the child's own case"
    hidden = lines[other_case.reference]
    assert not hidden.visible and hidden.agency == "East Child Protection" and hidden.status == ""
    read = set(
        AuditEntry.objects.filter(action="reunification.safeguarding.assess").values_list(
            "object_type", "object_id"
        )
    )
    assert {("alert", str(alert.pk)), ("abandonment_report", str(report.pk)), ("custody_event", str(event.pk)),
            ("case", str(own_case.pk)), ("case", str(other_case.pk))} <= read  # fmt: skip

    page = (
        signed_in_client(world.people["caseworker"])
        .get(f"/reunification/matches/{match.pk}/")
        .content.decode()
    )
    assert "market stall" in page and "bus station" in page and "discharged to a broker" in page
    assert f'href="/cases/{own_case.pk}/"' in page and "ask them; you may not open it" in page
    # the laboratory sees none of it
    lab_page = signed_in_client(world.people["dna_analyst"]).get(f"/reunification/matches/{match.pk}/")
    assert "market stall" not in lab_page.content.decode()
    with pytest.raises(AccessDenied):
        selectors.safeguarding_facts(actor=act(world, "dna_analyst"), match=match)


def test_a_child_is_linked_only_to_a_case_the_user_may_see(world):
    child = ru.child(world)
    own = ch.case(world)
    services.rescued_child_case_link(actor=act(world, "caseworker"), child=child, case_id=own.pk)
    child.refresh_from_db()
    assert child.case == own and child.case_reference == own.reference
    foreign = ch.case(world)
    foreign.agency = world.other_child_protection
    foreign.save(update_fields=["agency"])
    with pytest.raises(ValidationError, match="cases you may see"):
        services.rescued_child_case_link(actor=act(world, "caseworker"), child=child, case_id=foreign.pk)
    with pytest.raises(AccessDenied):
        services.rescued_child_case_link(
            actor=act(world, "caseworker_other_agency"), child=child, case_id=None
        )
    client = signed_in_client(world.people["caseworker"])
    page = client.get("/reunification/children/").content.decode()
    assert f'href="/cases/{own.pk}/"' in page
    answer = client.post("/reunification/children/", {"form": "case_link", "child": child.pk, "case": ""})
    assert answer.status_code == 302
    child.refresh_from_db()
    assert child.case is None and child.case_reference == ""
    api = client.post(f"{API}/children/{child.pk}/case", {"case_id": own.pk}, content_type="application/json")
    assert api.status_code == 200 and api.json()["case_reference"] == own.reference
