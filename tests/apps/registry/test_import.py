"""`kinward import`: a synthetic dataset through the registry's write path, rejected records reported with file,
line, ref, field and reason, and a re-import that changes nothing."""

from __future__ import annotations

import json
import shutil

import pytest

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.importer import dataset_import
from kinward.apps.registry.ledger_audit import ledger_audit
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    Birth,
    Certificate,
    CustodyEvent,
    LedgerLeaf,
    Person,
    Pregnancy,
    PregnancyEvent,
)
from kinward.apps.registry.timeline import child_status
from kinward.engines.synth.generate import SynthOptions, generate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth") / "country"
    generate_dataset(folder, SynthOptions(births=300, seed=11))
    return folder


def counts_of(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text())["counts"]


def test_a_synthetic_dataset_is_imported_completely_with_a_leaf_per_fact(world, dataset):
    report = dataset_import(dataset, batch_size=100)
    assert report.total_rejected == 0, report.problems[:3]
    assert report.accepted == counts_of(dataset)
    fact_types = (
        "births",
        "custody_events",
        "pregnancies",
        "pregnancy_events",
        "certificates",
        "abandonment_reports",
        "adoption_files",
    )
    facts = (
        Birth.objects.count()
        + CustodyEvent.objects.count()
        + Pregnancy.objects.filter(ledger_index__isnull=False).count()
        + PregnancyEvent.objects.count()
        + Certificate.objects.filter(ledger_index__isnull=False).count()
        + AbandonmentReport.objects.filter(ledger_index__isnull=False).count()
        + AdoptionFile.objects.filter(ledger_index__isnull=False).count()
    )
    assert facts == LedgerLeaf.objects.count() == sum(counts_of(dataset)[t] for t in fact_types)
    assert Birth.objects.filter(external_ref="B-0000001", source=report.source).exists()
    assert AuditEntry.objects.filter(action="registry.import", object_type="births").exists()
    assert ledger_audit().ok


def test_importing_the_same_dataset_again_changes_nothing(world, dataset):
    dataset_import(dataset)
    rows, leaves = (
        (Birth.objects.count(), Person.objects.count(), CustodyEvent.objects.count()),
        LedgerLeaf.objects.count(),
    )
    again = dataset_import(dataset)
    assert sum(again.accepted.values()) == 0 and again.total_rejected == 0
    assert again.unchanged == counts_of(dataset)
    assert (Birth.objects.count(), Person.objects.count(), CustodyEvent.objects.count()) == rows
    assert LedgerLeaf.objects.count() == leaves


def test_a_broken_record_is_rejected_alone_with_file_line_ref_field_and_reason(world, dataset, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(dataset, broken)
    births = (broken / "births.jsonl").read_text().splitlines()
    record = json.loads(births[4])
    record["sex"] = "girl"
    births[4] = json.dumps(record)
    (broken / "births.jsonl").write_text("\n".join(births) + "\n")
    events = [json.loads(line) for line in (broken / "custody_events.jsonl").read_text().splitlines()]
    dependent = sum(1 for e in events if e["child"] == record["ref"])

    report = dataset_import(broken)
    assert report.rejected["births"] == 1 and report.accepted["births"] == counts_of(dataset)["births"] - 1
    problem = next(p for p in report.problems if p.file == "births.jsonl")
    assert (problem.line, problem.ref, problem.field) == (5, record["ref"], "sex")
    assert "girl" in problem.reason
    assert report.rejected["custody_events"] == dependent
    assert all("was rejected" in p.reason for p in report.problems if p.file == "custody_events.jsonl")
    assert not Birth.objects.filter(external_ref=record["ref"]).exists()


def test_a_record_the_registry_refuses_is_reported_with_its_reason(world, dataset, tmp_path):
    import shutil

    broken = tmp_path / "attendant"
    shutil.copytree(dataset, broken)
    staff = [json.loads(line) for line in (broken / "staff.jsonl").read_text().splitlines()]
    births = (broken / "births.jsonl").read_text().splitlines()
    record = json.loads(births[0])
    record["attendant"] = next(s["ref"] for s in staff if s["agency"] != record["facility"])
    births[0] = json.dumps(record)
    (broken / "births.jsonl").write_text("\n".join(births) + "\n")
    report = dataset_import(broken)
    problem = next(p for p in report.problems if p.file == "births.jsonl")
    assert (problem.line, problem.ref, problem.field) == (1, record["ref"], "attendant")
    assert problem.reason.endswith("does not work at the facility of birth")


def test_imported_statuses_and_corrections_follow_the_interchange_rules(world, dataset):
    from kinward.engines.interchange import apply_corrections

    report = dataset_import(dataset)
    events = [json.loads(line) for line in (dataset / "custody_events.jsonl").read_text().splitlines()]
    by_child: dict[str, list[dict]] = {}
    for e in events:
        by_child.setdefault(e["child"], []).append(e)
    expected_status = {
        "discharge": "discharged",
        "transfer": "transferred",
        "abandonment_found": "abandoned",
        "adoption_order": "adopted",
        "death": "died",
    }
    checked = 0
    for ref, evs in list(by_child.items())[:40]:
        originals = [e for e in evs if e["type"] != "correction"]
        current = [apply_corrections(e, [c for c in evs if c.get("corrects") == e["ref"]]) for e in originals]
        last = max(current, key=lambda e: e["time"])
        birth = Birth.objects.get(external_ref=ref, source=report.source)
        mine = list(birth.custody_events.all())
        for e in mine:
            e.adoptive_parent_ids = []
        assert child_status(birth.outcome, mine) == expected_status[last["type"]]
        checked += 1
    assert checked == 40
    correction = next(e for e in events if e["type"] == "correction")
    corrected = CustodyEvent.objects.get(external_ref=correction["corrects"], source=report.source)
    from kinward.apps.registry.models import Staff
    from kinward.apps.registry.timeline import event_states

    states = event_states(list(corrected.child.custody_events.all()))
    state = next(s for s in states if s.event.pk == corrected.pk)
    field = correction["field"]
    if field == "recorded_by":
        assert state.values["recorded_by"] == Staff.objects.get(external_ref=correction["new_value"]).pk
    assert state.corrected_fields == [field]


def test_corrections_of_events_in_the_same_batch_wait_for_it_instead_of_cutting_it_short(world, dataset, tmp_path):
    folder = tmp_path / "corrected"
    shutil.copytree(dataset, folder)
    events, added = [], 0
    for line in (dataset / "custody_events.jsonl").read_text().splitlines():
        events.append(json.loads(line))
        if events[-1]["type"] == "discharge" and added < 5:  # five more corrections, each right after its event
            added += 1
            events.append({**{k: events[-1][k] for k in ("child", "time", "facility", "recorded_by")},
                           "ref": f"E-FIX-{added}", "type": "correction", "corrects": events[-1]["ref"],
                           "field": "id_document_checked", "new_value": True, "reason": "document was checked"})
    (folder / "custody_events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["counts"]["custody_events"] = len(events)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    corrections = [e for e in events if e["type"] == "correction"]
    assert len(corrections) == 6 and len(events) < 1000  # one batch, with corrections of events in it

    report = dataset_import(folder, batch_size=1000)
    assert report.total_rejected == 0, report.problems[:3]
    batches = AuditEntry.objects.filter(action="registry.import", object_type="custody_events").count()
    assert batches == 2  # the events, then the corrections that waited for them (not a batch per correction)
    for correction in corrections:
        row = CustodyEvent.objects.get(external_ref=correction["ref"], source=report.source)
        assert row.corrects.external_ref == correction["corrects"]
        assert row.ledger_index > row.corrects.ledger_index


def test_the_import_command_prints_counts_and_rejections(world, dataset, capsys):
    from kinward.cli import main

    code = main(["import", str(dataset), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0 and "births" in out and str(counts_of(dataset)["births"]) in out
    assert Birth.objects.count() == counts_of(dataset)["births"]


def test_records_checked_in_a_second_process_are_rejected_with_the_same_reasons(
    world, dataset, tmp_path, monkeypatch
):
    import shutil

    from kinward.apps.registry import importer

    monkeypatch.setattr(importer, "PARALLEL_PRECHECK_BYTES", 0)
    broken = tmp_path / "prechecked"
    shutil.copytree(dataset, broken)
    births = (broken / "births.jsonl").read_text().splitlines()
    record = json.loads(births[4])
    record["sex"] = "girl"
    births[4] = json.dumps(record)
    (broken / "births.jsonl").write_text("\n".join(births) + "\n")
    started = []
    real = importer.DatasetImport._start_prechecking
    monkeypatch.setattr(
        importer.DatasetImport, "_start_prechecking", lambda self: started.append(real(self)) or started[-1]
    )

    report = dataset_import(broken)
    assert started and started[0] is not None and started[0].helper is None  # ran, then stopped
    assert report.rejected["births"] == 1 and report.accepted["births"] == counts_of(dataset)["births"] - 1
    problem = next(p for p in report.problems if p.file == "births.jsonl")
    assert (problem.line, problem.ref, problem.field) == (5, record["ref"], "sex")
    assert "girl" in problem.reason
    events = report.accepted["custody_events"] + report.rejected["custody_events"]
    assert events == counts_of(dataset)["custody_events"]


def test_the_import_uses_a_large_page_cache_and_rare_checkpoints_then_gives_the_connection_back_as_it_was(
    world, dataset, monkeypatch
):
    from django.db import connection

    from kinward.apps.registry import fastinsert, importer

    if connection.vendor != "sqlite":
        pytest.skip("the page cache is SQLite's; PostgreSQL's shared buffers are the server's to size")

    def settings() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute("PRAGMA wal_autocheckpoint")
            return cache, cursor.fetchone()[0]

    before, during = settings(), []
    real = importer.DatasetImport._load_records
    monkeypatch.setattr(
        importer.DatasetImport, "_load_records", lambda self: (during.append(settings()), real(self))
    )
    dataset_import(dataset)
    assert during == [(-fastinsert.BULK_CACHE_KIB, fastinsert.BULK_WAL_PAGES)] and settings() == before


def test_long_lived_objects_are_kept_from_full_collections_while_a_bulk_job_runs_then_handed_back():
    import gc

    from kinward.apps.registry import fastinsert
    from kinward.apps.registry.fastinsert import long_lived_spared

    assert gc.get_freeze_count() == 0
    with long_lived_spared():
        kept = [[n] for n in range(10_000)]  # containers the collector tracks, alive across collections
        gc.collect(1)  # what survives the young generations is frozen: a full collection no longer walks it
        assert gc.get_freeze_count() >= len(kept)
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect(0) >= 1  # young garbage is still collected as usual
    assert gc.get_freeze_count() == 0  # handed back when the block ends
    gc.freeze()  # a process that froze objects itself is left as it is: nothing frozen or handed back for it
    try:
        with long_lived_spared():
            assert fastinsert._freeze_survivors not in gc.callbacks
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_the_import_and_the_ledger_audit_run_with_long_lived_objects_spared(world, dataset, monkeypatch):
    import gc

    from kinward.apps.registry import importer
    from kinward.apps.registry import ledger_audit as audit

    frozen_while = []

    def watched(real):
        def call(*args, **kwargs):
            gc.collect(1)  # whatever survived it is frozen inside the block, and only there
            frozen_while.append(gc.get_freeze_count() > 0)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(importer.DatasetImport, "_write_pending", watched(importer.DatasetImport._write_pending))
    monkeypatch.setattr(audit, "_check_facts", watched(audit._check_facts))
    assert dataset_import(dataset).total_rejected == 0
    assert ledger_audit().ok
    assert len(frozen_while) > 2 and all(frozen_while)
    assert gc.get_freeze_count() == 0
