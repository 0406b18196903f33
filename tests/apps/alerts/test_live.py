"""Live alerts: the registry exported in the interchange format, the nightly scan of the database, and each fact
committed through Kinward evaluated by the per-record rules in a background task."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django_tasks_db.models import DBTaskResult

from kinward.apps.alerts import live, tasks
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.export import native_ref
from kinward.apps.registry.importer import dataset_import
from kinward.apps.registry.models import CustodyEvent
from kinward.apps.registry.services import PersonData
from kinward.engines.interchange import validate_dataset
from kinward.engines.synth.generate import SynthOptions, generate_dataset
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client

MOTHER_DOCUMENT = {"type": "national_id", "number": "3174015204990007", "country": "ID"}
STRANGER = {"given_name": "Budi", "family_name": "Santoso", "sex": "male"}  # no identity document
EVALUATE = "kinward.apps.alerts.tasks.alerts_evaluate_facts"


def mothers_birth(world):
    mother = PersonData(given_name="Sekar", family_name="Wulandari", sex="female",
                        id_document_type="national_id", id_document_number=MOTHER_DOCUMENT["number"],
                        id_document_country="ID")
    return rh.a_birth(world, mother=mother)


def discharge(world, child, capture, **body):
    """A discharge through the API, its transaction committed (so the registry announces it)."""
    client = signed_in_client(world.people["clerk"])
    with capture(execute=True):
        answer = client.post(f"/api/v1/registry/children/{child.newborn_id}/custody-events",
                             data=rh.discharge_body(**body), content_type="application/json")
    assert answer.status_code == 201, answer.content
    return CustodyEvent.objects.get(child=child, type="discharge")


def to_stranger(world, child, capture):
    return discharge(world, child, capture, to=STRANGER, relationship="other", relationship_detail="neighbour",
                     id_document_checked=False)


def run_queued(task_path=EVALUATE) -> list[dict]:
    """Run the queued tasks of one kind as the worker would (their arguments as stored)."""
    results = []
    for queued in DBTaskResult.objects.filter(task_path=task_path).order_by("enqueued_at"):
        results.append(tasks.alerts_evaluate_facts.call(*queued.args_kwargs["args"]))
    return results


def test_a_discharge_to_a_stranger_without_an_id_check_is_an_alert_once_the_task_ran(
    world, django_capture_on_commit_callbacks
):
    child = mothers_birth(world)
    event = to_stranger(world, child, django_capture_on_commit_callbacks)
    queued = DBTaskResult.objects.get(task_path=EVALUATE)
    assert queued.args_kwargs["args"] == ["custody_events", [event.pk]]
    assert not Alert.objects.exists()  # nothing is evaluated inside the request

    assert run_queued()[0]["created"] == 1
    alert = Alert.objects.get(rule="non_guardian_discharge")
    assert (alert.rule_version, alert.subject_type, alert.subject_ref) == (
        2, "custody_events", native_ref("custody_events", event.pk))
    evidence = {(e["type"], e["ref"]) for e in alert.evidence}
    assert {("custody_events", native_ref("custody_events", event.pk)), ("births", native_ref("births", child.pk)),
            ("persons", native_ref("persons", event.to_person_id))} <= evidence
    assert "neither the mother nor a legal guardian, and no identity document was checked" in alert.reason
    assert alert.agency == world.hospital and alert.status == "new"
    read = AuditEntry.objects.get(action="registry.neighbourhood.read")  # the neighbourhood's reading is audited
    assert (read.actor_username, read.object_id) == ("system:rules", f"custody_events:{event.pk}")
    assert run_queued()[0] == {"scanned": 1, "created": 0, "seen_again": 1, "without_agency": 0}


def test_a_discharge_to_the_mother_with_her_document_checked_raises_nothing(
    world, django_capture_on_commit_callbacks
):
    child = mothers_birth(world)
    discharge(world, child, django_capture_on_commit_callbacks)
    assert run_queued()[0]["scanned"] == 0
    assert not Alert.objects.exists()


def test_evaluation_can_be_switched_off(world, django_capture_on_commit_callbacks, settings):
    settings.ALERTS_EVALUATE_EVENTS = False
    to_stranger(world, mothers_birth(world), django_capture_on_commit_callbacks)
    assert not DBTaskResult.objects.filter(task_path=EVALUATE).exists()


def test_the_nightly_scan_and_the_event_evaluation_agree_on_the_event(world, django_capture_on_commit_callbacks):
    child = mothers_birth(world)
    event = to_stranger(world, child, django_capture_on_commit_callbacks)
    subject = ("custody_events", native_ref("custody_events", event.pk))
    incremental, _, _ = live.incremental_alerts([("custody_events", event.pk)])
    run_queued()
    assert tasks.alerts_scan_live.call()["seen_again"] >= 1
    scanned = Alert.objects.filter(subject_type=subject[0], subject_ref=subject[1])
    assert {a.id for a in incremental} == set(scanned.values_list("alert_key", flat=True))
    assert scanned.count() == 1 and scanned.get().evidence == [
        {"type": e.type, "ref": e.ref} for e in incremental[0].evidence]
    assert AuditEntry.objects.filter(action="registry.export", actor_username="system:rules").exists()


def test_an_import_is_not_evaluated_event_by_event(world, tmp_path, django_capture_on_commit_callbacks):
    folder = tmp_path / "country"
    generate_dataset(folder, SynthOptions(births=200, seed=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert dataset_import(folder).total_rejected == 0
    assert not DBTaskResult.objects.filter(task_path=EVALUATE).exists()


@pytest.fixture
def imported(world, tmp_path):
    folder = tmp_path / "country"
    generate_dataset(folder, SynthOptions(births=200, seed=11))
    assert dataset_import(folder).total_rejected == 0
    return folder


def records_of(folder) -> dict[str, list[str]]:
    return {p.stem: sorted(p.read_text(encoding="utf-8").splitlines()) for p in folder.glob("*.jsonl")}


def test_the_export_keeps_dataset_refs_validates_and_is_audited(world, imported, tmp_path):
    from kinward.cli import main as kinward

    out = tmp_path / "export"
    assert kinward(["export", "--out", str(out)]) == 0
    assert validate_dataset(out).ok
    assert kinward(["interchange", "validate", str(out)]) == 0
    exported, original = records_of(out), records_of(imported)
    for rtype in ("births", "custody_events", "pregnancies", "certificates", "adoption_files"):
        refs = {json.loads(line)["ref"] for line in exported[rtype]}
        assert refs == {json.loads(line)["ref"] for line in original[rtype]}, rtype
    births = {json.loads(line)["ref"]: json.loads(line) for line in original["births"]}
    assert all(births[json.loads(line)["ref"]] == json.loads(line) for line in exported["births"])
    assert AuditEntry.objects.filter(action="registry.export", object_type="dataset").exists()
    assert kinward(["export", "--out", str(out)]) == 2  # never into a folder holding files


def test_refs_two_sources_share_are_kept_by_the_first_and_qualified_for_the_other(world, imported, tmp_path):
    from kinward.apps.registry.models import Person

    first = Person.objects.filter(external_ref="PR-0000001").get()
    Person.objects.create(given_name="Ani", sex="female", external_ref="PR-0000001", source="another registry")
    native = Person.objects.create(given_name="Lina", sex="female")
    Person.objects.create(given_name="Copy", sex="female", external_ref=native_ref("persons", native.pk),
                          source="an earlier export")
    refs = live.Refs.build()
    assert refs.of("persons", first.pk, "PR-0000001") == "PR-0000001"
    others = {refs.of("persons", p.pk, p.external_ref) for p in Person.objects.filter(pk__gt=first.pk)}
    assert native_ref("persons", native.pk) in others and "PR-0000001" not in others
    assert any(r.startswith("PR-0000001~") for r in others)
    partial = live.Refs.build(partial=True)
    partial.settle("persons", [p.pk for p in Person.objects.all()])
    assert partial.contested["persons"] == refs.contested["persons"]


@pytest.mark.slow
def test_an_export_re_imports_into_an_empty_database_and_exports_the_same(world, imported, tmp_path):
    from kinward.cli import main as kinward

    first = tmp_path / "first"
    assert kinward(["export", "--out", str(first)]) == 0
    env = {**os.environ, "KINWARD_DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    run = [sys.executable, "-m", "kinward.cli"]
    imported_again = subprocess.run([*run, "import", str(first), "--quiet"], env=env, capture_output=True, text=True)
    assert imported_again.returncode == 0, imported_again.stdout + imported_again.stderr
    second = tmp_path / "second"
    subprocess.run([*run, "export", "--out", str(second)], env=env, check=True, capture_output=True)
    assert records_of(second) == records_of(first)


def test_a_dataset_scan_and_the_live_scan_share_alerts_instead_of_duplicating_them(world, imported):
    from kinward.apps.alerts.services import alerts_scan_dataset

    from_dataset = alerts_scan_dataset(dataset_dir=imported)
    assert from_dataset.created > 0
    from_database = live.alerts_scan_database()
    assert from_database.seen_again == from_dataset.created  # every dataset alert, found again on the database
    identities = list(Alert.objects.values_list("rule", "rule_version", "subject_type", "subject_ref"))
    assert len(identities) == len(set(identities))
    assert not Alert.objects.filter(agency__isnull=True).exists()


def test_a_report_filed_past_its_deadline_is_an_alert_once_its_tasks_ran(world, django_capture_on_commit_callbacks):
    from tests.apps.reporting import helpers as reporting

    with django_capture_on_commit_callbacks(execute=True):
        filing = reporting.late_filing(world)  # found 30 hours ago: beyond the 24 hours, within the grace
    queued = DBTaskResult.objects.filter(task_path=EVALUATE)
    assert sorted(q.args_kwargs["args"][0] for q in queued) == ["abandonment_reports", "births", "custody_events"]
    run_queued()
    alert = Alert.objects.get(rule="abandonment_report_overdue")
    assert alert.subject_ref == native_ref("abandonment_reports", filing.report.pk)
    assert {"type": "births", "ref": native_ref("births", filing.report.child_id)} in alert.evidence
    assert alert.agency == world.hospital


def test_a_pregnancy_enrolled_long_past_its_expected_date_is_an_alert(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pregnancy = rh.a_pregnancy(world, enrolled_days_ago=250, expected_in_days=-60)
    assert DBTaskResult.objects.get(task_path=EVALUATE).args_kwargs["args"] == ["pregnancies", [pregnancy.pk]]
    run_queued()
    alert = Alert.objects.get()
    assert (alert.rule, alert.subject_ref) == ("vanished_pregnancy", native_ref("pregnancies", pregnancy.pk))


def test_a_failing_listener_never_fails_the_committed_write(world, django_capture_on_commit_callbacks):
    from kinward.apps.registry.events import registry_fact_committed

    def broken(**kwargs):
        raise RuntimeError("queue unavailable")

    registry_fact_committed.connect(broken, dispatch_uid="test.broken")
    try:
        event = to_stranger(world, mothers_birth(world), django_capture_on_commit_callbacks)
    finally:
        registry_fact_committed.disconnect(dispatch_uid="test.broken")
    assert CustodyEvent.objects.filter(pk=event.pk).exists()


def test_kinward_alerts_scan_database_queues_the_live_alerts(world, django_capture_on_commit_callbacks, capsys):
    from kinward.cli import main as kinward

    to_stranger(world, mothers_birth(world), django_capture_on_commit_callbacks)
    assert kinward(["alerts", "scan", "--database"]) == 0
    assert "1 new" in capsys.readouterr().out
    assert Alert.objects.get().rule == "non_guardian_discharge"
    assert kinward(["alerts", "scan"]) == 2  # a dataset folder or --database
