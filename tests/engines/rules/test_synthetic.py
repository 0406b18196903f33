"""End to end on generated datasets with planted truth: recall and precision targets at default parameters."""

from __future__ import annotations

import importlib.util

import pytest

from kinward.engines.rules import scan_dataset
from kinward.engines.rules.evaluate import score_alerts
from kinward.engines.rules.sample import write_sample_dataset


def assert_targets(report, *, min_pattern_precision):
    for name, score in report.patterns.items():
        if score.planted:
            assert score.recall >= 0.95, (name, score)
        if score.alerted:
            assert score.precision >= min_pattern_precision, (name, score)
    assert report.precision >= 0.8


def test_the_rules_meet_the_targets_on_the_engines_own_sample(tmp_path, ruleset):
    truth = write_sample_dataset(tmp_path, births=8000, seed=3)
    report = score_alerts(scan_dataset(tmp_path, ruleset).alerts, truth, ruleset)
    assert {n for n, s in report.patterns.items() if s.planted} >= {
        "vanished_pregnancy", "non_guardian_discharge", "serial_mother", "adoption_mismatch", "unlicensed_agency",
        "missed_abandonment_report", "late_abandonment_report", "invalid_certificate", "clinic_ring",
        "facility_anomaly",
    }  # fmt: skip
    assert_targets(report, min_pattern_precision=0.5)


@pytest.mark.skipif(
    importlib.util.find_spec("kinward.engines.synth") is None, reason="synth engine not installed"
)
def test_the_rules_meet_the_targets_on_the_synthetic_country(tmp_path, ruleset):
    import json

    from kinward.engines.synth import SynthOptions, generate_dataset

    out = tmp_path / "ds"
    generate_dataset(out, SynthOptions(births=10_000, seed=3))
    truth = json.loads((out / "truth.json").read_text())
    report = score_alerts(scan_dataset(out, ruleset).alerts, truth, ruleset)
    assert_targets(report, min_pattern_precision=0.75)
