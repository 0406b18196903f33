"""Scoring alerts against planted truth: matching by rule->pattern and subject, duplicates, unmapped rules."""

from __future__ import annotations

import pytest

from kinward.engines.rules.evaluate import TruthFileError, format_report, score_alerts


def alert(rule, subject_type, ref):
    return {"id": f"{rule}-{ref}", "rule": rule, "subject": {"type": subject_type, "ref": ref}}


TRUTH = {
    "seed": 1,
    "patterns": [
        {"pattern": "vanished_pregnancy", "subject": {"type": "pregnancies", "ref": "P1"}, "evidence": []},
        {"pattern": "vanished_pregnancy", "subject": {"type": "pregnancies", "ref": "P2"}, "evidence": []},
        {"pattern": "clinic_ring", "subject": {"type": "agencies", "ref": "F1"}, "evidence": []},
    ],
}


def test_it_scores_recall_and_precision_per_pattern_and_rule(ruleset):
    alerts = [
        alert("vanished_pregnancy", "pregnancies", "P1"),
        alert("vanished_pregnancy", "pregnancies", "P1"),  # a duplicate counts once
        alert("vanished_pregnancy", "pregnancies", "P9"),  # a false positive
        alert("facility_anomaly", "agencies", "F1"),  # planted under another pattern: a cross-match
        alert("certificate_reissue", "births", "B1"),  # no planted counterpart
    ]
    report = score_alerts(alerts, TRUTH, ruleset)
    vanished = report.patterns["vanished_pregnancy"]
    assert (vanished.planted, vanished.found, vanished.alerted, vanished.correct) == (2, 1, 2, 1)
    assert vanished.recall == 0.5 and vanished.precision == 0.5
    anomaly = report.patterns["facility_anomaly"]
    assert anomaly.precision == 0.0 and anomaly.cross_matches == 1 and anomaly.recall is None
    assert report.patterns["clinic_ring"].recall == 0.0
    assert report.unmapped == {"certificate_reissue": 1}
    assert report.precision == pytest.approx(1 / 3)
    assert report.missed == {"vanished_pregnancy": ["P2"], "clinic_ring": ["F1"]}
    text = format_report(report)
    assert "vanished_pregnancy" in text and "no planted counterpart" in text


def test_an_alert_on_the_right_ref_but_wrong_subject_type_does_not_match(ruleset):
    report = score_alerts([alert("vanished_pregnancy", "births", "P1")], TRUTH, ruleset)
    assert report.patterns["vanished_pregnancy"].found == 0


def test_it_refuses_a_truth_file_with_an_unknown_pattern_or_wrong_subject_type(ruleset):
    bad = {"patterns": [{"pattern": "baby_selling", "subject": {"type": "births", "ref": "B1"}}]}
    with pytest.raises(TruthFileError, match="unknown pattern"):
        score_alerts([], bad, ruleset)
    bad = {"patterns": [{"pattern": "serial_mother", "subject": {"type": "births", "ref": "B1"}}]}
    with pytest.raises(TruthFileError, match="persons"):
        score_alerts([], bad, ruleset)


def test_the_hand_made_dataset_scores_perfectly(small_scan, small_truth, ruleset):
    report = score_alerts(small_scan.alerts, small_truth, ruleset)
    for name, score in report.patterns.items():
        assert (score.recall, score.precision) == (1.0, 1.0), name
