"""Discharges to someone not entitled and not identified: a stranger is a red flag, a relative of the mother's
own region a lead for review (parameter local_kin_review), in batch and incremental evaluation alike."""

from __future__ import annotations

import json
import shutil

import pytest

from kinward.engines.rules import load_ruleset, scan_dataset
from kinward.engines.rules.incremental import IncrementalEvaluator

MOTHER = {"ref": "TM1", "given_name": "T", "sex": "female", "region": "R-EAST",
          "id_document": {"type": "national_id", "number": "3179990001", "country": "ID"}}  # fmt: skip
BIRTH = {"ref": "TB1", "delivery": "TD1", "facility": "F1", "time": "2026-01-20T10:00:00+07:00", "attendant": "S1",
         "mother": "TM1", "sex": "male", "weight_g": 3000, "outcome": "live"}  # fmt: skip


def person(ref: str, region: str | None) -> dict:
    return {"ref": ref, "given_name": "T", "sex": "female", "region": region}


def discharge(ref: str, to: str, relationship: str = "other", checked: bool = False) -> dict:
    return {"ref": ref, "child": "TB1", "type": "discharge", "time": "2026-01-21T10:00:00+07:00", "facility": "F1",
            "recorded_by": "S1", "to": to, "relationship": relationship, "relationship_detail": "aunt",
            "id_document_checked": checked}  # fmt: skip


def fired(alerts) -> dict[str, str]:
    """Discharge alerts by subject (each new discharge of the child re-evaluates the child's other ones)."""
    return {
        a.subject.ref: a.rule
        for a in alerts
        if a.rule in ("non_guardian_discharge", "discharge_needs_review")
    }


@pytest.fixture()
def evaluator(small_dataset):
    evaluator = IncrementalEvaluator.open(small_dataset, load_ruleset())
    for record in (MOTHER, person("KIN", "R-EAST"), person("FAR", "R-WEST"), person("NOWHERE", None)):
        evaluator.add("persons", record)
    evaluator.add("births", BIRTH)
    return evaluator


def test_an_unidentified_stranger_is_a_red_flag_and_a_relative_of_the_mothers_region_a_lead(evaluator):
    assert fired(evaluator.add("custody_events", discharge("TE1", "KIN")))["TE1"] == "discharge_needs_review"
    assert fired(evaluator.add("custody_events", discharge("TE2", "FAR")))["TE2"] == "non_guardian_discharge"
    assert (
        fired(evaluator.add("custody_events", discharge("TE3", "NOWHERE")))["TE3"] == "non_guardian_discharge"
    )
    alerts = evaluator.add("custody_events", discharge("TE4", "KIN", checked=True))
    assert fired(alerts)["TE4"] == "discharge_needs_review"
    assert "checked" in next(a.reason for a in alerts if a.subject.ref == "TE4")


def test_a_region_does_not_excuse_someone_posing_as_guardian_or_mother(evaluator):
    alerts = evaluator.add("custody_events", discharge("TE5", "KIN", relationship="legal_guardian"))
    assert fired(alerts)["TE5"] == "non_guardian_discharge"
    alerts = evaluator.add("custody_events", discharge("TE6", "KIN", relationship="mother", checked=True))
    assert fired(alerts)["TE6"] == "non_guardian_discharge"


def test_without_local_kin_review_every_unidentified_non_parent_is_a_red_flag(small_dataset, tmp_path):
    for path in small_dataset.iterdir():
        shutil.copy(path, tmp_path / path.name)
    with (tmp_path / "persons.jsonl").open("a") as out:
        out.write(json.dumps(MOTHER) + "\n" + json.dumps(person("KIN", "R-EAST")) + "\n")
    (tmp_path / "births.jsonl").open("a").write(json.dumps(BIRTH) + "\n")
    (tmp_path / "custody_events.jsonl").open("a").write(json.dumps(discharge("TE1", "KIN")) + "\n")
    assert fired(scan_dataset(tmp_path, load_ruleset()).alerts)["TE1"] == "discharge_needs_review"
    overrides = {
        name: {"local_kin_review": False} for name in ("non_guardian_discharge", "discharge_needs_review")
    }
    strict = fired(scan_dataset(tmp_path, load_ruleset(overrides=overrides)).alerts)
    assert strict["TE1"] == "non_guardian_discharge"
