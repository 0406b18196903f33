"""Incremental evaluation: one record at a time gives the batch's alerts, and reacts to each new record."""

from __future__ import annotations

import json
import shutil
import threading

import duckdb
import pytest

from kinward.engines.rules import scan_dataset
from kinward.engines.rules.dataset import SCHEMAS
from kinward.engines.rules.incremental import IncrementalEvaluator, RecordError, json_structure
from kinward.engines.rules.records import _insert_sql, insert_record
from kinward.engines.rules.statements import balanced_groups, combined_sql, split_with

STREAMED = ("custody_events", "abandonment_reports", "certificates", "adoption_files")


@pytest.fixture()
def evaluator(small_dataset, ruleset, tmp_path):
    """The small dataset without custody events, reports, certificates and adoption files."""
    for path in small_dataset.iterdir():
        if path.suffix in (".json", ".jsonl") and path.stem not in STREAMED:
            shutil.copy(path, tmp_path / path.name)
    return IncrementalEvaluator.open(tmp_path, ruleset)


def test_streaming_records_one_by_one_ends_where_the_batch_scan_does(evaluator, small_dataset, ruleset):
    state: dict[tuple[str, str], bool] = {}
    for record_type in STREAMED:
        for line in (small_dataset / f"{record_type}.jsonl").read_text().splitlines():
            record = json.loads(line)
            alerts = evaluator.add(record_type, record)
            fired = {(a.rule, a.subject.ref) for a in alerts}
            scope = evaluator.last_scope
            for rule in evaluator.incremental_rules(record_type, record):
                for subject_type, ref in scope:
                    if subject_type == rule.subject:
                        state[(rule.id, ref)] = (rule.id, ref) in fired
    batch = {(a.rule, a.subject.ref) for a in scan_dataset(small_dataset, ruleset).alerts}
    incremental = {key for key, on in state.items() if on}
    assert incremental == {key for key in batch if key in state}
    assert {
        ("non_guardian_discharge", "E8"),
        ("late_abandonment_report", "AR2"),
        ("adoption_mismatch", "AF1"),
    } <= (incremental)
    assert {("invalid_certificate", "CT2"), ("missed_abandonment_report", "B54")} <= incremental


def test_a_new_discharge_fires_and_a_correction_withdraws_it(evaluator):
    discharge = {
        "ref": "NEW-1", "child": "B1", "type": "discharge", "time": "2026-01-10T10:00:00+07:00", "facility": "F1",
        "recorded_by": "S1", "to": "X1", "relationship": "other", "relationship_detail": "friend",
        "id_document_checked": False,
    }  # fmt: skip
    alerts = evaluator.add("custody_events", discharge)
    assert [(a.rule, a.subject.ref) for a in alerts] == [("non_guardian_discharge", "NEW-1")]
    assert evaluator.last_timings["total"] > 0
    correction = {
        "ref": "NEW-2", "child": "B1", "type": "correction", "time": "2026-01-11T10:00:00+07:00", "facility": "F1",
        "recorded_by": "S1", "corrects": "NEW-1", "field": "to", "new_value": "M1", "reason": "wrong person",
    }  # fmt: skip
    evaluator.add("custody_events", correction)
    alerts = evaluator.add(
        "custody_events",
        {**correction, "ref": "NEW-3", "time": "2026-01-11T10:05:00+07:00", "field": "id_document_checked",
         "new_value": True},
    )  # fmt: skip
    assert not [a for a in alerts if a.subject.ref == "NEW-1"]


def test_a_birth_of_the_same_woman_ends_her_vanished_pregnancy(evaluator):
    assert evaluator.incremental_rules("births")
    birth = {
        "ref": "NEW-B", "delivery": "NEW-D", "facility": "F1", "time": "2026-02-03T10:00:00+07:00",
        "attendant": "S1", "mother": "M2", "sex": "male", "weight_g": 3000, "outcome": "live",
    }  # fmt: skip
    alerts = evaluator.add("births", birth)
    assert "P2" not in {a.subject.ref for a in alerts if a.rule == "vanished_pregnancy"}
    assert "P7" not in {a.subject.ref for a in alerts}  # another woman's pregnancy is not in scope


def test_it_refuses_a_record_with_a_field_the_format_does_not_have(evaluator):
    with pytest.raises(RecordError, match="'colour'"):
        evaluator.add("births", {"ref": "B-X", "colour": "red"})
    with pytest.raises(RecordError, match="unknown record type"):
        evaluator.add("babies", {"ref": "B-X"})


def test_nested_column_types_become_json_transform_structures():
    assert json_structure("STRUCT(type VARCHAR, number VARCHAR)[]") == [
        {"type": "VARCHAR", "number": "VARCHAR"}
    ]
    assert json_structure("DATE[]") == ["DATE"]


def test_moving_now_makes_an_unreported_abandonment_missed(evaluator):
    found = {
        "ref": "NEW-F", "child": "B53", "type": "abandonment_found", "time": "2026-06-30T06:00:00+07:00",
        "facility": "F3", "recorded_by": "S3", "place": "ward", "found_by": "nurse", "condition": "well",
    }  # fmt: skip
    assert not [a for a in evaluator.add("custody_events", found) if a.rule == "missed_abandonment_report"]
    evaluator.set_now("2026-07-05T12:00:00+07:00")
    staff = {"ref": "S9", "agency": "F3", "role": "clerk", "name": "Synthetic"}
    assert evaluator.add("staff", staff) == []
    again = {**found, "ref": "NEW-G", "time": "2026-06-30T06:30:00+07:00"}
    missed = [a for a in evaluator.add("custody_events", again) if a.rule == "missed_abandonment_report"]
    assert [a.subject.ref for a in missed] == ["B53"]


NESTED = {
    "custody_events": {
        "ref": "E-N", "child": "B1", "type": "adoption_order", "time": "2026-01-02T10:00:00+07:00",
        "id_document_checked": False, "guardianship_document": {"number": "G-1", "issued_on": "2025-12-01"},
        "adoptive_parents": ["P1", "P2"], "decided_on": "2026-01-02", "new_value": {"a": [1, "ü"]},
    },
    "adoption_files": {
        "ref": "AF-N", "child": None, "adoptive_parents": [], "stated_birth_date": "2025-01-01",
        "documents": [{"type": "court_order", "number": "C-1"}, {"certificate": "C9", "type": "birth_certificate"}],
    },
    "births": {"ref": "B-N", "weight_g": 3100, "sex": "female", "time": "2025-12-30T10:00:00+07:00"},
}  # fmt: skip


@pytest.mark.parametrize("record_type", sorted(NESTED))
def test_a_record_inserted_by_its_present_fields_equals_the_json_path(record_type):
    con = duckdb.connect()
    for name, schema in SCHEMAS.items():
        con.execute(f'CREATE TABLE "{name}" (' + ", ".join(f'"{k}" {v}' for k, v in schema.items()) + ")")
    insert_record(con, record_type, NESTED[record_type])
    con.execute(_insert_sql(record_type), [json.dumps(NESTED[record_type])])
    first, second = con.execute(f'SELECT * FROM "{record_type}"').fetchall()
    assert first == second


def test_a_field_of_another_kind_takes_the_json_path_or_is_refused(evaluator):
    con = evaluator.con
    insert_record(con, "births", {"ref": "B-K", "weight_g": "3100", "sex": 1})  # JSON converts as JSON does
    assert con.execute("SELECT weight_g, sex FROM births WHERE ref = 'B-K'").fetchone() == (3100, "1")
    with pytest.raises(RecordError, match="'B-D'"):
        insert_record(con, "births", {"ref": "B-D", "weight_g": "heavy"})
    with pytest.raises(RecordError, match="'AF-D'"):
        insert_record(con, "adoption_files", {"ref": "AF-D", "filed_on": "2026-13-45"})


def test_an_event_that_fails_leaves_no_stale_neighbourhood_for_the_next(evaluator, monkeypatch):
    discharge = {
        "ref": "NEW-D", "child": "B53", "type": "discharge", "time": "2026-06-30T06:00:00+07:00",
        "facility": "F3", "recorded_by": "S3", "to": "NOBODY", "relationship": "other",
        "id_document_checked": False,
    }  # fmt: skip
    evaluator.add("custody_events", discharge)

    def fail(*args):
        raise RuntimeError("rules failed")

    with monkeypatch.context() as patch:  # the event's copy is emptied, then rolled back with the event
        patch.setattr(evaluator, "_run_rules", fail)
        with pytest.raises(RuntimeError):  # a second discharge: its rules run (and fail)
            evaluator.add("custody_events", {**discharge, "ref": "FAIL-D"})
    evaluator.add("persons", {"ref": "P-LONE", "given_name": "Lone"})
    assert evaluator.con.execute("SELECT count(*) FROM work.custody_events").fetchone() == (0,)
    assert evaluator.con.execute("SELECT count(*) FROM custody_events WHERE ref = 'FAIL-D'").fetchone() == (
        0,
    )


def test_rules_sharing_one_sql_file_bind_its_common_part_once(ruleset):
    pair = tuple(r for r in ruleset if r.id in ("non_guardian_discharge", "discharge_needs_review"))
    sql, params = combined_sql(pair, plain_custody=True)
    assert sql.count("open_cases AS (") == 1 and sql.count("tiered AS (") == 2  # the tier is each rule's own
    assert {"r0_tier", "r1_tier", "r0_scoped"} <= set(params) and "r1_scoped" not in params


def test_a_with_statement_splits_around_strings_and_comments_only():
    sql = "-- a (note\nWITH a AS (SELECT ')' AS x), b AS (SELECT x -- it's )\n FROM a) SELECT * FROM b"
    assert split_with(sql) == ([("a", "SELECT ')' AS x"), ("b", "SELECT x \n FROM a")], " SELECT * FROM b")
    assert split_with("SELECT 1") is None and split_with("WITH a AS (SELECT 1 /* x */) SELECT 2") is None


def test_rules_run_as_two_statements_return_the_alerts_of_one_statement_in_its_order(
    evaluator, small_dataset, ruleset, tmp_path, monkeypatch
):
    single = IncrementalEvaluator.open(tmp_path, ruleset, parallel=False)
    evaluator.parallel = True  # two statements whatever the machine's load
    cursor_of: dict[str, int] = {}  # the rule cursor each rule of the event ran on
    run_group = evaluator._run_group

    def recorded(cursor, rules, indices, scope):
        cursor_of.update((rules[i].id, cursor) for i in indices)
        return run_group(cursor, rules, indices, scope)

    monkeypatch.setattr(evaluator, "_run_group", recorded)
    split_events, from_both = 0, []
    for record_type in STREAMED:
        for line in (small_dataset / f"{record_type}.jsonl").read_text().splitlines():
            record = json.loads(line)
            cursor_of.clear()
            alerts = evaluator.add(record_type, record)
            assert alerts == single.add(record_type, record)
            assert "rules_1" not in single.last_timings  # one statement
            split_events += set(cursor_of.values()) == {0, 1}
            if {cursor_of[a.rule] for a in alerts} == {0, 1}:
                from_both.append(record["ref"])
    assert split_events >= 10 and "AF1" in from_both  # adoption_mismatch | missed_abandonment_report
    single.close()


def test_close_stops_the_worker_thread_and_the_connections(evaluator, small_dataset):
    record = json.loads((small_dataset / "adoption_files.jsonl").read_text().splitlines()[0])
    evaluator.parallel = True
    evaluator.add("adoption_files", record)
    assert "rules_1" in evaluator.last_timings
    assert any(thread.name.startswith("kinward-rules") for thread in threading.enumerate())
    cursors = evaluator._cursors
    evaluator.close()
    assert not any(thread.name.startswith("kinward-rules") for thread in threading.enumerate())
    for con in (evaluator.con, *cursors):
        with pytest.raises(duckdb.ConnectionException):
            con.execute("SELECT 1")


def test_rules_split_into_two_groups_of_about_equal_cost_keeping_one_sql_file_together(ruleset):
    def split(*ids):
        rules = tuple(r for r in ruleset if r.id in ids)
        return [[rules[i].id for i in group] for group in balanced_groups(rules)]

    by_file = split("non_guardian_discharge", "discharge_needs_review")
    assert by_file == [["non_guardian_discharge", "discharge_needs_review"]]  # one statement binds it once
    assert split("adoption_mismatch", "missed_abandonment_report", "unlicensed_agency") == [
        ["adoption_mismatch"],
        ["missed_abandonment_report", "unlicensed_agency"],
    ]
    assert split("invalid_certificate") == [["invalid_certificate"]]


def test_a_person_whose_rules_fail_leaves_no_record_nor_identity_key(evaluator, monkeypatch):
    def fail(*args):
        raise RuntimeError("rules failed")

    monkeypatch.setattr(evaluator, "_run_rules", fail)
    document = {"type": "national_id", "number": "3170000001", "country": "ID"}  # M1's, a mother: rules run
    person = {"ref": "P-FAIL", "given_name": "Ana", "id_document": document}
    with pytest.raises(RuntimeError):
        evaluator.add("persons", person)
    for table in ("persons", "person_doc"):
        assert evaluator.con.execute(f"SELECT count(*) FROM {table} WHERE ref = 'P-FAIL'").fetchone() == (0,)
    assert not any("P-FAIL" in refs for refs in evaluator._sharing_doc.values())  # nor a shared document
    monkeypatch.undo()
    evaluator.add("persons", person)  # now kept: M1's births are hers too
    assert {"M1", "P-FAIL"} <= evaluator._sharing_doc["M1"] == evaluator._sharing_doc["P-FAIL"]


def test_when_a_rule_statement_fails_the_rules_run_one_by_one_with_the_same_alerts(
    evaluator, small_dataset, ruleset, tmp_path, monkeypatch
):
    def fail(*args):
        raise duckdb.BinderException("a rule that does not bind")

    record = json.loads((small_dataset / "adoption_files.jsonl").read_text().splitlines()[0])
    expected = IncrementalEvaluator.open(tmp_path, ruleset).add("adoption_files", record)
    monkeypatch.setattr(evaluator, "_run_group", fail)
    assert evaluator.add("adoption_files", record) == expected and expected


def _agency_alerts_as_in_batch(evaluator, dataset, records, ruleset, tmp_path):
    """Add each (record type, record, agencies that must be in its scope) to the evaluator and to a copy of the
    dataset; after each, the unlicensed_agency alerts of the agencies in scope must be the batch scan's."""
    full = tmp_path / "full"
    shutil.copytree(dataset, full)
    for record_type, record, agencies in records:
        alerts = evaluator.add(record_type, record)
        with (full / f"{record_type}.jsonl").open("a") as out:
            out.write(json.dumps(record) + "\n")
        scope = {ref for kind, ref in evaluator.last_scope if kind == "agencies"}
        assert scope == set(agencies), record["ref"]
        batch = [a for a in scan_dataset(full, ruleset).alerts if a.rule == "unlicensed_agency"]
        expected = [a for a in batch if a.subject.ref in scope]
        assert [a for a in alerts if a.rule == "unlicensed_agency"] == expected, record["ref"]
    return {a.subject.ref: [e.ref for e in a.evidence] for a in expected}


def test_corrections_of_an_agencys_other_orders_count_as_in_the_batch_scan(small_dataset, ruleset, tmp_path):
    """AG1 (licensed 2024-01-01 to 2027-12-31): one order corrected into a day without licence, another out of
    one, a third moved from AG2 (revoked since 2026-01-15) to AG1; at each correction and at the agency's next
    file the alerts of the agencies the order names are the batch scan's."""
    order = {
        "type": "adoption_order", "recorded_by": "S5", "authority": "AA1", "adoptive_parents": ["AP1", "AP2"],
        "adoption_agency": "AG1",
    }  # fmt: skip
    correction = {"type": "correction", "recorded_by": "S5", "field": "decided_on", "reason": "typo"}
    records = [
        ("custody_events", {**order, "ref": "O-1", "child": "B1", "time": "2026-02-01T10:00:00+07:00",
                            "decision_number": "AO-91", "decided_on": "2026-02-01"}, ["AG1"]),
        ("custody_events", {**order, "ref": "O-2", "child": "B2", "time": "2026-02-02T10:00:00+07:00",
                            "decision_number": "AO-92", "decided_on": "2028-02-02"}, ["AG1"]),
        ("custody_events", {**order, "ref": "O-3", "child": "B4", "time": "2026-03-01T10:00:00+07:00",
                            "decision_number": "AO-93", "adoption_agency": "AG2"}, ["AG2"]),
        ("custody_events", {**correction, "ref": "C-1", "child": "B1", "time": "2026-02-03T10:00:00+07:00",
                            "corrects": "O-1", "new_value": "2023-06-01"}, ["AG1"]),
        ("custody_events", {**correction, "ref": "C-2", "child": "B2", "time": "2026-02-04T10:00:00+07:00",
                            "corrects": "O-2", "new_value": "2026-02-02"}, ["AG1"]),
        ("custody_events", {**correction, "ref": "C-3", "child": "B4", "time": "2026-03-02T10:00:00+07:00",
                            "corrects": "O-3", "field": "adoption_agency", "new_value": "AG1"}, ["AG1", "AG2"]),
        ("adoption_files", {"ref": "AF-9", "child": "B3", "adoption_agency": "AG1", "adoptive_parents": [],
                            "filed_on": "2026-02-10", "documents": []}, ["AG1"]),
    ]  # fmt: skip
    evaluator = IncrementalEvaluator.open(small_dataset, ruleset)
    evidence = _agency_alerts_as_in_batch(evaluator, small_dataset, records, ruleset, tmp_path)
    assert evidence == {"AG1": ["AG1", "O-1"]}  # O-2 corrected into the licence, O-3 to a licensed agency
    evaluator.close()


def test_an_agency_record_judges_the_agencys_files_and_orders_anew(
    small_dataset, ruleset, tmp_path, monkeypatch
):
    file = {"adoptive_parents": [], "adoption_agency": "AG9", "documents": []}
    agency = {"ref": "AG9", "name": "New agency", "kind": "adoption_agency", "region": "R-ID",
              "licence": {"number": "L-9", "valid_from": "2026-01-01", "valid_to": "2026-12-31"}}  # fmt: skip
    evaluator = IncrementalEvaluator.open(small_dataset, ruleset)
    first = [("adoption_files", {**file, "ref": "AF-91", "child": "B3", "filed_on": "2026-02-10"}, ["AG9"])]
    assert _agency_alerts_as_in_batch(evaluator, small_dataset, first, ruleset, tmp_path / "1") == {
        "AG9": ["AG9", "AF-91"]  # no record of the agency: no licence
    }
    with monkeypatch.context() as patch:
        patch.setattr(evaluator, "_extract", lambda *args: 1 / 0)  # after the agency's uses are judged
        with pytest.raises(ZeroDivisionError):
            evaluator.add("agencies", agency)
    assert evaluator._agency_evidence["AG9"] == {("adoption_files", "AF-91")}  # as before the failed event
    shutil.copytree(tmp_path / "1" / "full", tmp_path / "base")
    records = [
        ("agencies", agency, ["AG9"]),  # AF-91 filed within the licence
        ("adoption_files", {**file, "ref": "AF-92", "child": "B4", "filed_on": "2027-01-10"}, ["AG9"]),
    ]
    evidence = _agency_alerts_as_in_batch(evaluator, tmp_path / "base", records, ruleset, tmp_path / "2")
    assert evidence == {"AG9": ["AG9", "AF-92"]}
    evaluator.close()


def test_rules_run_as_two_statements_only_while_a_core_is_spare(evaluator, small_dataset, monkeypatch):
    record = json.loads((small_dataset / "adoption_files.jsonl").read_text().splitlines()[0])
    for load, statements in ((0.2, {"rules_0", "rules_1"}), (64.0, {"rules_0"})):
        monkeypatch.setattr("os.getloadavg", lambda load=load: (load, load, load))
        evaluator.add("adoption_files", {**record, "ref": f"AF-LOAD-{load}"})
        assert {name for name in evaluator.last_timings if name.startswith("rules_")} == statements
