"""A rule's `needs` drops it from an incremental event only where its SQL could find nothing.

Each gated rule fires here on a neighbourhood where what it needs holds through one row only (two births for
`births >= 2`): a count that missed a row, or an off-by-one, would drop a rule that fires. The evaluator's
verdicts are also checked against the rules run anyway: every rule its `needs` would have dropped returns no
alert when run on the same neighbourhood. And a birth's alerts on its scope equal the batch scan's after it: its
mother's other children are not in scope, the births sharing its newborn ID are.
"""

from __future__ import annotations

import json
import shutil

import pytest

from kinward.engines.rules import incremental, scan_dataset
from kinward.engines.rules.incremental import IncrementalEvaluator

STREAMED = ("custody_events", "abandonment_reports", "certificates", "adoption_files")
LATER = "2026-07-05T12:00:00+07:00"  # past every deadline of the events below (the dataset's now: 2026-06-30)


@pytest.fixture()
def evaluator(small_dataset, ruleset, tmp_path):
    """The small dataset without custody events, reports, certificates and adoption files."""
    for path in small_dataset.iterdir():
        if path.suffix in (".json", ".jsonl") and path.stem not in STREAMED:
            shutil.copy(path, tmp_path / path.name)
    return IncrementalEvaluator.open(tmp_path, ruleset)


@pytest.fixture()
def dropped(monkeypatch):
    """Rules run whatever their `needs` say; yields the (rule, record ref) pairs the needs would have dropped."""
    seen: list[tuple[str, str]] = []
    current = {"ref": None}
    verdict = incremental.needs_met

    def spy(rule, copied, done=None):
        if done is None and not verdict(rule, copied):
            seen.append((rule.id, current["ref"]))
        return True

    monkeypatch.setattr(incremental, "needs_met", spy)
    real_add = IncrementalEvaluator.add

    def add(self, record_type, record):
        current["ref"] = record["ref"]
        return real_add(self, record_type, record)

    monkeypatch.setattr(IncrementalEvaluator, "add", add)
    return seen


def _event(ref, child, kind, **fields):
    return {"ref": ref, "child": child, "type": kind, "time": "2026-06-30T06:00:00+07:00", "facility": "F1",
            "recorded_by": "S1", **fields}  # fmt: skip


def _fired(alerts, rule):
    return sorted(a.subject.ref for a in alerts if a.rule == rule)


def _woman(evaluator, ref):
    evaluator.add("persons", {"ref": ref, "given_name": "New", "sex": "female",
                              "id_document": {"type": "national_id", "number": f"9{ref}", "country": "ID"}})  # fmt: skip


def _birth(ref, mother, day):
    return {"ref": ref, "delivery": f"D-{ref}", "facility": "F1", "time": f"{day}T10:00:00+07:00",
            "attendant": "S1", "mother": mother, "sex": "female", "weight_g": 3100, "outcome": "live"}  # fmt: skip


def test_missed_abandonment_report_fires_on_one_abandonment_found_event(evaluator):
    evaluator.set_now(LATER)
    alerts = evaluator.add("custody_events", _event("N-F", "B1", "abandonment_found", place="ward"))
    assert _fired(alerts, "missed_abandonment_report") == ["B1"]


def test_missed_abandonment_report_fires_on_one_adoption_order(evaluator):
    alerts = evaluator.add("custody_events", _event("N-O", "B3", "adoption_order", decided_on="2026-06-29"))
    assert _fired(alerts, "missed_abandonment_report") == ["B3"]


def test_missed_abandonment_report_and_unlicensed_agency_fire_on_one_adoption_file(evaluator):
    file = {"ref": "N-AF", "child": "B6", "adoption_agency": "AG-NOWHERE", "adoptive_parents": [],
            "filed_on": "2026-06-29", "documents": []}  # fmt: skip
    alerts = evaluator.add("adoption_files", file)
    assert _fired(alerts, "missed_abandonment_report") == ["B6"]
    assert _fired(alerts, "unlicensed_agency") == ["AG-NOWHERE"]


def test_unlicensed_agency_fires_on_one_adoption_order(evaluator):
    order = _event("N-O2", "B3", "adoption_order", decided_on="2026-06-29", adoption_agency="AG-NOWHERE")
    assert _fired(evaluator.add("custody_events", order), "unlicensed_agency") == ["AG-NOWHERE"]


def test_the_discharge_rules_fire_on_one_discharge(evaluator):
    stranger = _event("N-D1", "B1", "discharge", to="X1", relationship="other", id_document_checked=False)
    assert _fired(evaluator.add("custody_events", stranger), "non_guardian_discharge") == ["N-D1"]
    relative = _event("N-D2", "B3", "discharge", to="X1", relationship="other", id_document_checked=True)
    assert _fired(evaluator.add("custody_events", relative), "discharge_needs_review") == ["N-D2"]


def test_serial_mother_fires_on_a_womans_second_birth_and_not_before(evaluator, monkeypatch):
    _woman(evaluator, "W-NEW")
    ran: list[str] = []
    run = evaluator._run_rules
    monkeypatch.setattr(
        evaluator, "_run_rules", lambda rules, scope: ran.extend(r.id for r in rules) or run(rules, scope)
    )
    assert _fired(evaluator.add("births", _birth("B-W1", "W-NEW", "2026-01-05")), "serial_mother") == []
    assert "serial_mother" not in ran  # one birth: dropped before its SQL is built
    assert _fired(evaluator.add("births", _birth("B-W2", "W-NEW", "2026-05-05")), "serial_mother") == [
        "W-NEW"
    ]


def test_vanished_pregnancy_fires_on_one_pregnancy(evaluator):
    _woman(evaluator, "W-PREG")
    pregnancy = {"ref": "P-NEW", "mother": "W-PREG", "facility": "F1", "enrolled_on": "2025-06-01",
                 "expected_date": "2025-12-01", "visits": ["2025-06-01"]}  # fmt: skip
    assert _fired(evaluator.add("pregnancies", pregnancy), "vanished_pregnancy") == ["P-NEW"]


def test_a_discharge_runs_no_missed_report_rule_without_abandonment_or_adoption(evaluator, monkeypatch):
    ran: list[list[str]] = []
    run = evaluator._run_rules
    monkeypatch.setattr(
        evaluator, "_run_rules", lambda rules, scope: ran.append([r.id for r in rules]) or run(rules, scope)
    )
    evaluator.add("custody_events", _event("N-D3", "B1", "discharge", to="M1", relationship="mother"))
    assert ran and "missed_abandonment_report" not in ran[0] and "non_guardian_discharge" in ran[0]


def test_no_rule_its_needs_drop_finds_anything_when_run(evaluator, dropped, small_dataset):
    """Stream the small dataset's records, then the single-row cases above, with every rule run: a rule whose
    `needs` would have dropped it returns no alert."""
    fired: list[tuple[str, str]] = []
    records = [
        (record_type, json.loads(line))
        for record_type in STREAMED
        for line in (small_dataset / f"{record_type}.jsonl").read_text().splitlines()
    ]
    records += [
        ("custody_events", _event("N-F", "B1", "abandonment_found", place="ward")),
        ("custody_events", _event("N-O", "B3", "adoption_order", adoption_agency="AG-NOWHERE")),
        ("births", _birth("B-W1", "M2", "2026-06-01")),
        ("pregnancies", {"ref": "P-NEW", "mother": "M2", "facility": "F1", "expected_date": "2025-12-01"}),
    ]
    evaluator.set_now(LATER)
    for record_type, record in records:
        fired += [(a.rule, record["ref"]) for a in evaluator.add(record_type, record)]
    assert dropped, "the stream drops some rules"
    assert not set(dropped) & set(fired)


@pytest.fixture()
def whole(small_dataset, ruleset, tmp_path):
    """(folder, evaluator) on a copy of the whole small dataset."""
    folder = tmp_path / "whole"
    shutil.copytree(small_dataset, folder)
    return folder, IncrementalEvaluator.open(folder, ruleset)


def _as_batch_after(folder, ruleset, evaluator, record_type, record):
    """The event's alerts and the batch scan's after the record, both on the subjects of the event's scope for
    the rules it triggers (what a caller replaces), as {(rule, subject): reason}."""
    alerts = evaluator.add(record_type, record)
    with (folder / f"{record_type}.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")
    rules = {rule.id: rule.subject for rule in evaluator.incremental_rules(record_type, record)}
    scope = set(evaluator.last_scope)

    def kept(found):
        return {
            (a.rule, a.subject.ref): a.reason for a in found if (rules.get(a.rule), a.subject.ref) in scope
        }

    return kept(alerts), kept(scan_dataset(folder, ruleset).alerts)


def test_a_birth_leaves_the_mothers_other_children_standing(whole, ruleset):
    folder, evaluator = whole
    incremental_alerts, batch = _as_batch_after(
        folder, ruleset, evaluator, "births", _birth("B-M4", "M4", "2026-06-01")
    )
    assert (
        "births",
        "B54",
    ) not in evaluator.last_scope  # its missed report: a birth of its mother changes nothing
    assert incremental_alerts == batch


def test_a_birth_carrying_another_childs_newborn_id_flags_both(whole, ruleset):
    folder, evaluator = whole
    taken = json.loads((folder / "births.jsonl").read_text().splitlines()[0])  # B1, mother M1
    twin = {**_birth("B-ID", "M2", "2026-06-01"), "newborn_id": taken["newborn_id"]}
    incremental_alerts, batch = _as_batch_after(folder, ruleset, evaluator, "births", twin)
    assert {("invalid_newborn_id", "B1"), ("invalid_newborn_id", "B-ID")} <= set(incremental_alerts)
    assert incremental_alerts == batch
