"""Alerts: queued from a rules scan for a person, scoped to the reviewer's region, decided with reasons."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kinward.apps.alerts import selectors, services
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.models import AuditEntry
from kinward.engines.rules import Alert as RuleAlert
from kinward.engines.rules import RecordRef
from tests.conftest import actor_of


def rule_alert(key, rule, subject_type, subject_ref, evidence=()):
    return RuleAlert(id=key, rule=rule, rule_version=1, subject=RecordRef(subject_type, subject_ref),
                     evidence=tuple(RecordRef(t, r) for t, r in evidence), facts={"discharged_to": "P-9"},
                     reason=f"{rule} fired on {subject_ref}")


@pytest.fixture
def queued(world):
    world.hospital.external_ref = "F-WEST"
    world.hospital.save()
    world.other_hospital.external_ref = "F-EAST"
    world.other_hospital.save()
    alerts = [
        rule_alert("A-west-1", "non_guardian_discharge", "custody_events", "E-1", [("custody_events", "E-1")]),
        rule_alert("A-west-2", "non_guardian_discharge", "custody_events", "E-2", [("custody_events", "E-2")]),
        rule_alert("A-east-1", "vanished_pregnancy", "pregnancies", "P-7", [("pregnancies", "P-7")]),
    ]
    refs = {("custody_events", "E-1"): "F-WEST", ("custody_events", "E-2"): "F-WEST",
            ("pregnancies", "P-7"): "F-EAST"}
    report = services.alerts_ingest(alerts=alerts, source="test dataset", agency_refs=refs)
    assert (report.created, report.without_agency) == (3, 0)
    return {a.alert_key: a for a in Alert.objects.all()}


def test_a_scan_queues_alerts_as_new_leads_and_decides_nothing(queued):
    assert {a.status for a in queued.values()} == {"new"}
    assert all(a.decisions.count() == 0 for a in queued.values())


def test_scanning_again_changes_nothing_and_keeps_review_work(world, queued):
    analyst = actor_of(world.people["analyst"])
    services.alert_dismiss(actor=analyst, alert=queued["A-west-1"], reason="mother's sister, documented")
    again = services.alerts_ingest(alerts=[rule_alert("A-west-1", "non_guardian_discharge", "custody_events",
                                                      "E-1")], source="test dataset", agency_refs={})
    assert (again.created, again.seen_again) == (0, 1)
    assert Alert.objects.get(alert_key="A-west-1").status == "dismissed"


def test_reviewers_see_only_alerts_of_their_region(world, queued):
    west_analyst = actor_of(world.people["analyst"])
    keys = set(selectors.alert_queue(actor=west_analyst).values_list("alert_key", flat=True))
    assert keys == {"A-west-1", "A-west-2"}


def test_opening_an_alert_is_audited_and_outside_the_region_refused_and_audited(world, queued):
    client = Client()
    client.force_login(world.people["analyst"])
    west = queued["A-west-1"]
    assert client.get(reverse("alerts:detail", args=[west.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="alerts.alert.view", object_id=str(west.pk), outcome="allowed").exists()
    east = queued["A-east-1"]
    response = client.get(reverse("alerts:detail", args=[east.pk]))
    assert response.status_code == 403 and b"P-7" not in response.content
    assert AuditEntry.objects.filter(action="alerts.alert.view", object_id=str(east.pk), outcome="denied").exists()


def test_a_dismissal_needs_a_reason_and_is_recorded_with_it(world, queued):
    analyst = actor_of(world.people["analyst"])
    with pytest.raises(ValidationError, match="say why"):
        services.alert_dismiss(actor=analyst, alert=queued["A-west-1"], reason="  ")
    services.alert_dismiss(actor=analyst, alert=queued["A-west-1"], reason="grandmother with court papers")
    decision = queued["A-west-1"].decisions.get()
    assert (decision.from_status, decision.to_status, decision.decided_by) == ("new", "dismissed",
                                                                               world.people["analyst"])


def test_a_decided_alert_cannot_be_decided_again(world, queued):
    analyst = actor_of(world.people["analyst"])
    services.alert_escalate(actor=analyst, alert=queued["A-west-1"], to="police", reason="buyer paid the clinic")
    with pytest.raises(ValidationError, match="cannot become"):
        services.alert_dismiss(actor=analyst, alert=queued["A-west-1"], reason="changed my mind")


def test_duplicates_are_merged_into_one(world, queued):
    analyst = actor_of(world.people["analyst"])
    services.alert_merge(actor=analyst, alert=queued["A-west-2"], into=queued["A-west-1"], reason="same discharge")
    merged = Alert.objects.get(alert_key="A-west-2")
    assert merged.status == "merged" and merged.merged_into == queued["A-west-1"]


def test_each_rule_gets_a_measured_precision_from_decisions(world, queued):
    analyst = actor_of(world.people["analyst"])
    services.alert_escalate(actor=analyst, alert=queued["A-west-1"], to="case", reason="confirmed by visit")
    services.alert_dismiss(actor=analyst, alert=queued["A-west-2"], reason="father, documents checked")
    rows = {r.rule: r for r in selectors.rule_precision(actor=analyst)}
    assert rows["non_guardian_discharge"].precision == 0.5 and rows["non_guardian_discharge"].decided == 2


def test_a_new_rule_version_earns_its_precision_apart_from_the_old_one(world, queued):
    analyst = actor_of(world.people["analyst"])
    services.alert_dismiss(actor=analyst, alert=queued["A-west-1"], reason="grandmother, known to the ward")
    retuned = rule_alert("A-west-3", "non_guardian_discharge", "custody_events", "E-3", [("custody_events", "E-3")])
    retuned = RuleAlert(**{**retuned.__dict__, "rule_version": 2})
    services.alerts_ingest(alerts=[retuned], source="test dataset", agency_refs={("custody_events", "E-3"): "F-WEST"})
    services.alert_escalate(actor=analyst, alert=Alert.objects.get(alert_key="A-west-3"), to="police", reason="sold")
    rows = {(r.rule, r.rule_version): r for r in selectors.rule_precision(actor=analyst)
            if r.rule == "non_guardian_discharge"}
    assert rows[("non_guardian_discharge", 1)].precision == 0.0 and rows[("non_guardian_discharge", 2)].precision == 1.0
    client = Client()
    client.force_login(world.people["analyst"])
    page = client.get(reverse("alerts:precision")).content.decode()
    assert "non_guardian_discharge v2" in page and "non_guardian_discharge v1" in page


def test_the_page_flow_takes_decides_and_shows_the_history(world, queued):
    client = Client()
    client.force_login(world.people["analyst"])
    alert = queued["A-west-1"]
    assert client.post(reverse("alerts:decide", args=[alert.pk]), {"decision": "review"}).status_code == 302
    refused = client.post(reverse("alerts:decide", args=[alert.pk]), {"decision": "dismiss", "reason": ""})
    assert refused.status_code == 400 and b"say why" in refused.content
    client.post(reverse("alerts:decide", args=[alert.pk]), {"decision": "escalate_case", "reason": "visit"})
    page = client.get(reverse("alerts:detail", args=[alert.pk]))
    assert b"escalated_case" in page.content and b"visit" in page.content
    assert Alert.objects.get(pk=alert.pk).assignee == world.people["analyst"]


def test_the_api_answers_the_queue_and_decisions(world, queued):
    client = Client()
    client.force_login(world.people["analyst"])
    listing = client.get("/api/v1/alerts/")
    assert {a["alert_key"] for a in listing.json()["items"]} == {"A-west-1", "A-west-2"}
    alert = queued["A-west-2"]
    bad = client.post(f"/api/v1/alerts/{alert.pk}/decision", data={"decision": "dismiss"},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    good = client.post(f"/api/v1/alerts/{alert.pk}/decision", data={"decision": "dismiss", "reason": "lawful"},
                       content_type="application/json")
    assert good.status_code == 200 and good.json()["status"] == "dismissed"


def test_export_writes_the_interchange_alerts_form(world, queued, tmp_path):
    from kinward.cli import main as kinward

    out = tmp_path / "alerts.jsonl"
    assert kinward(["alerts", "export", "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3
    assert set(rows[0]) == {"id", "rule", "rule_version", "status", "subject", "evidence", "reason"}
    assert {r["id"] for r in rows} == {"A-west-1", "A-west-2", "A-east-1"}


def test_a_synthetic_country_scan_lands_in_the_queue_with_facilities(db, tmp_path):
    from kinward.cli import main as kinward

    dataset = tmp_path / "country"
    assert kinward(["synth", "--births", "300", "--seed", "5", "--out", str(dataset)]) == 0
    report = services.alerts_scan_dataset(dataset_dir=dataset)
    assert report.created == Alert.objects.count() > 0
    truth = json.loads((dataset / "truth.json").read_text())
    planted = {(p["subject"]["type"], p["subject"]["ref"]) for p in truth["patterns"]}
    queued_subjects = set(Alert.objects.values_list("subject_type", "subject_ref"))
    assert planted & queued_subjects


def test_rules_evaluate_scores_the_current_alerts_against_planted_truth(db, tmp_path, capsys):
    from kinward.cli import main as kinward

    dataset = tmp_path / "country"
    assert kinward(["synth", "--births", "300", "--seed", "5", "--out", str(dataset)]) == 0
    services.alerts_scan_dataset(dataset_dir=dataset)
    capsys.readouterr()
    assert kinward(["rules", "evaluate", "--truth", str(dataset / "truth.json"), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    vanished = report["patterns"]["vanished_pregnancy"]
    assert vanished["planted"] > 0 and vanished["recall"] == 1.0
