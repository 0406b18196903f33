"""Batch scan of the hand-made dataset: each rule fires on its planted case and on none of the noise."""

from __future__ import annotations

import json

import pytest

from kinward.engines.rules import scan_dataset, write_alerts


def subjects(alerts, rule: str) -> set[str]:
    return {a.subject.ref for a in alerts if a.rule == rule}


EXPECTED = {
    "vanished_pregnancy": {
        "P2",
        "P7",
    },  # not P1 (linked), P3 (unlinked birth), P4 (loss), P5 (grace), P6 (doc)
    "non_guardian_discharge": {"E2", "E4", "E7", "E8"},  # not E5 (corrected), E3 (guardian), E9 (father), E19
    "discharge_needs_review": {"E22"},  # a grandmother with a checked ID
    "serial_mother": {"M5"},  # not M10 (twins) nor M11 (348 days)
    "adoption_mismatch": {"AF1", "AF5", "AF7"},  # not AF2, AF3 (local date), AF4, AF6 (no child ref, fits)
    "unlicensed_agency": {"AG2"},  # not AG3 (last valid day) nor AG4 (day before suspension)
    "missed_abandonment_report": {"B52", "B54"},  # not B53 (not yet due), B56 (reported by event)
    "late_abandonment_report": {"AR2"},  # not AR3 (22 h across offsets), AR5 (49 h, within the grace period)
    "abandonment_report_overdue": {"AR5"},
    "invalid_certificate": {"CT2", "CT3", "CT4", "CT5", "CT7"},  # not CT1 (valid), CT6 (unlisted key)
    "certificate_reissue": {"B31"},
    "invalid_newborn_id": {"B3"},
    "facility_anomaly": set(),
    "clinic_ring": set(),
    "early_adoption": set(),
}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_rule_fires_on_its_planted_case_and_not_on_the_noise(small_scan, rule):
    assert subjects(small_scan.alerts, rule) == EXPECTED[rule]


def test_every_alert_has_the_subject_type_of_its_rule_and_lists_its_subject(small_scan, ruleset):
    for alert in small_scan.alerts:
        rule = ruleset.get(alert.rule)
        assert alert.subject.type == rule.subject
        assert alert.rule_version == rule.version
        assert alert.evidence, alert
        assert set(alert.facts) <= set(rule.shows) | {"tests"}, (
            alert.rule,
            set(alert.facts) - set(rule.shows),
        )
        assert "?" not in alert.reason and "{" not in alert.reason


def test_a_discharge_made_wrong_by_corrections_names_them_as_evidence(small_scan):
    (alert,) = [a for a in small_scan.alerts if a.subject.ref == "E8"]
    refs = {(e.type, e.ref) for e in alert.evidence}
    assert {("custody_events", "C2"), ("custody_events", "C3"), ("persons", "X3")} <= refs
    assert alert.facts["relationship"] == "other" and alert.facts["corrections"] == 3
    assert "X3" in alert.reason


def test_a_serial_mother_is_found_through_the_shared_identity_document(small_scan):
    (alert,) = [a for a in small_scan.alerts if a.rule == "serial_mother"]
    assert {("persons", "M5"), ("persons", "M5b"), ("births", "B20"), ("births", "B21")} <= {
        (e.type, e.ref) for e in alert.evidence
    }
    assert alert.facts["shortest_gap_days"] == 135


def test_a_certificate_of_an_unlisted_issuer_is_unverified_not_invalid(small_scan):
    assert "CT6" not in subjects(small_scan.alerts, "invalid_certificate")
    (ct5,) = [a for a in small_scan.alerts if a.subject.ref == "CT5"]
    assert "7777777777A" in ct5.reason


def test_a_late_report_is_measured_between_instants_not_clock_readings(small_scan):
    (alert,) = [a for a in small_scan.alerts if a.rule == "late_abandonment_report"]
    assert alert.facts["hours"] == 100.0


def test_alerts_are_written_in_the_alerts_out_form_with_stable_ids(
    small_dataset, small_scan, ruleset, tmp_path
):
    path = tmp_path / "alerts.jsonl"
    write_alerts(small_scan.alerts, path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == len(small_scan.alerts)
    for line in lines:
        assert set(line) == {"id", "rule", "rule_version", "status", "subject", "evidence", "reason"}
        assert line["status"] == "new" and set(line["subject"]) == {"type", "ref"}
    again = scan_dataset(small_dataset, ruleset)
    assert sorted(a.id for a in again.alerts) == sorted(a.id for a in small_scan.alerts)
    assert len({a.id for a in again.alerts}) == len(again.alerts)


def test_parameters_change_what_fires(small_dataset):
    from kinward.engines.rules import load_ruleset

    strict = load_ruleset(
        overrides={
            "late_abandonment_report": {"deadline_hours": 12, "grace_hours": 0},
            "serial_mother": {"min_interval_days": 120},
        }
    )
    result = scan_dataset(small_dataset, strict)
    assert subjects(result.alerts, "late_abandonment_report") == {"AR2", "AR3", "AR5"}
    assert subjects(result.alerts, "serial_mother") == set()
