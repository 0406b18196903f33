"""Incremental evaluation equals the batch scan on a generated dataset.

A dataset from this engine's sample writer is split in two: a base (most records) and a stream: every record an
alert of the full batch scan names as evidence (so the records that make and unmake alerts arrive late), and
every k-th record of each type besides. The evaluator opens the base, whose batch scan gives the starting alerts;
then every streamed record is added one at a time, and the alerts each addition returns replace the standing
alerts of the subjects in its scope. At the end the standing alerts of every per-record rule must be exactly the
batch scan of the whole dataset: same subjects, same evidence, same reasons. A subject whose alerts a record
changes but which the evaluator left out of the record's scope would show up here as a stale alert.
"""

from __future__ import annotations

import json
import shutil

import pytest

from kinward.engines.rules import scan_dataset
from kinward.engines.rules.incremental import IncrementalEvaluator
from kinward.engines.rules.sample import write_sample_dataset

# record types in the order a registry would send them, and how many of each are held back for streaming
STREAM = {
    "persons": 60,
    "pregnancies": 60,
    "births": 40,
    "pregnancy_events": 1,
    "custody_events": 20,
    "abandonment_reports": 1,
    "certificates": 5,
    "adoption_files": 1,
}


def _standing(alerts, rules) -> dict[tuple[str, str], tuple]:
    return {
        (a.rule, a.subject.ref): (a.evidence, a.reason, a.rule_version) for a in alerts if a.rule in rules
    }


@pytest.fixture(scope="module")
def split(tmp_path_factory, ruleset):
    """(full dataset, base dataset, streamed records in order) from a 400-birth sample, seed 5."""
    full = tmp_path_factory.mktemp("full")
    write_sample_dataset(full, births=400, seed=5)
    evidence = {(e.type, e.ref) for a in scan_dataset(full, ruleset).alerts for e in a.evidence}
    base = tmp_path_factory.mktemp("base")
    stream: list[tuple[str, dict]] = []
    for path in full.iterdir():
        if path.suffix != ".jsonl" or path.stem not in STREAM:
            shutil.copy(path, base / path.name)
            continue
        kept = []
        for i, line in enumerate(path.read_text().splitlines()):
            record = json.loads(line)
            if i % STREAM[path.stem] == 0 or (path.stem, record["ref"]) in evidence:
                stream.append((path.stem, record))
            else:
                kept.append(line)
        (base / path.name).write_text("".join(line + "\n" for line in kept))
    order = list(STREAM)
    stream.sort(key=lambda item: order.index(item[0]))  # stable: file order within a type
    return full, base, stream


def test_streaming_a_generated_dataset_ends_exactly_where_the_batch_scan_does(split, ruleset):
    full, base, stream = split
    evaluator = IncrementalEvaluator.open(base, ruleset)
    per_record = {r.id for r in ruleset if r.post is None and not r.depends_on}
    standing = _standing(scan_dataset(base, ruleset).alerts, per_record)
    changed = 0
    for record_type, record in stream:
        alerts = {(a.rule, a.subject.ref): a for a in evaluator.add(record_type, record)}
        for rule in evaluator.incremental_rules(record_type, record):
            for subject_type, ref in evaluator.last_scope:
                if subject_type != rule.subject:
                    continue
                before = standing.pop((rule.id, ref), None)
                alert = alerts.get((rule.id, ref))
                if alert is not None:
                    standing[(rule.id, ref)] = (alert.evidence, alert.reason, alert.rule_version)
                changed += standing.get((rule.id, ref)) != before
    batch = _standing(scan_dataset(full, ruleset).alerts, per_record)
    assert len(stream) > 60 and changed > 5  # the stream did move alerts, in both directions below
    assert standing == batch
    assert {rule for rule, _ in batch} >= {"non_guardian_discharge", "adoption_mismatch", "serial_mother"}
