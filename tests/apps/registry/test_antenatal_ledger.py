"""Antenatal enrolments and visits are ledger facts: one leaf each, written in the row's transaction, holding no
personal value in clear; the ledger audit rebuilds their leaves and fails when a row is altered afterwards; an
import writes one leaf per pregnancy and a re-import none; the timeline shows each fact's proof status."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry import antenatal
from kinward.apps.registry.importer import dataset_import
from kinward.apps.registry.ledger_audit import ledger_audit
from kinward.apps.registry.models import AntenatalVisit, LedgerLeaf, Pregnancy
from kinward.apps.registry.services import checkpoint_sign
from kinward.engines.ledger import commitment
from kinward.engines.synth.generate import SynthOptions, generate_dataset
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


@pytest.fixture(autouse=True)
def ledger_key(settings, tmp_path):
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"
    return settings.LEDGER_KEY_FILE


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def leaf_of(index: int) -> dict:
    return json.loads(bytes(LedgerLeaf.objects.get(idx=index).data))


def committed(secret: bytes, name: str, value) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return commitment(bytes(secret), f"{name}={text}")


def post_json(client, path: str, body: dict):
    return client.post(path, data=body, content_type="application/json")


def test_an_enrolment_is_one_leaf_with_its_row_and_the_mother_only_as_a_commitment(world):
    client = signed_in_client(world.people["clerk"])
    body = rh.pregnancy_body(world, enrolled_on=days(-3).isoformat())
    created = post_json(client, "/api/v1/registry/pregnancies", body)
    assert created.status_code == 201, created.content
    pregnancy = Pregnancy.objects.select_related("mother").get()
    assert LedgerLeaf.objects.count() == 1 and pregnancy.ledger_index == 0
    leaf = leaf_of(pregnancy.ledger_index)
    assert leaf["kind"] == "pregnancy.enrolled" and leaf["event_id"] == str(pregnancy.event_id)
    assert leaf["time"] == days(-3).isoformat() and leaf["facility"] == world.hospital.pk
    assert set(leaf["commitments"]) == {"mother", "expected_date", "visits"} and "newborn_id" not in leaf
    text = json.dumps(leaf)
    mother = pregnancy.mother
    for personal in (mother.family_name, mother.id_document_number, pregnancy.expected_date.isoformat()):
        assert personal not in text
    secret = pregnancy.record_secret
    assert leaf["commitments"]["mother"] == committed(secret, "mother", mother.personal_values())
    assert leaf["commitments"]["visits"] == committed(secret, "visits", [days(-3).isoformat()])
    assert pregnancy.recorded_by_user_id == world.people["clerk"].pk and pregnancy.recorded_at is not None
    assert ledger_audit().ok


def test_a_visit_is_one_leaf_with_its_row_committing_to_the_pregnancy(world):
    pregnancy = rh.a_pregnancy(world)
    client = signed_in_client(world.people["clerk"])
    response = post_json(
        client, f"/api/v1/registry/pregnancies/{pregnancy.pk}/visits", {"date": str(days(-2))}
    )
    assert response.status_code == 200 and response.json()["visits"] == [str(days(-30)), str(days(-2))]
    visit = AntenatalVisit.objects.get()
    assert LedgerLeaf.objects.count() == 2 and visit.ledger_index == 1
    leaf = leaf_of(visit.ledger_index)
    assert leaf["kind"] == "pregnancy.visit" and leaf["event_id"] == str(visit.event_id)
    assert leaf["time"] == str(days(-2)) and leaf["facility"] == world.hospital.pk
    assert set(leaf["commitments"]) == {"pregnancy"}
    assert leaf["commitments"]["pregnancy"] == committed(visit.record_secret, "pregnancy", pregnancy.pk)
    assert "Lestari" not in json.dumps(leaf)
    assert visit.recorded_by_user_id == world.people["clerk"].pk
    assert AuditEntry.objects.filter(action="registry.pregnancy.visit", object_id=str(pregnancy.pk)).exists()
    assert ledger_audit().ok


def test_a_visit_may_name_who_saw_her_as_a_commitment(world):
    pregnancy = rh.a_pregnancy(world)
    visit = antenatal.pregnancy_visit_record(
        actor=actor_of(world.people["clerk"]),
        pregnancy=pregnancy,
        date=days(-1),
        recorded_by_name="Bidan Ratna",
    )
    leaf = leaf_of(visit.ledger_index)
    assert visit.recorded_by.name == "Bidan Ratna" and "Ratna" not in json.dumps(leaf)
    assert leaf["commitments"]["recorded_by"] == committed(visit.record_secret, "recorded_by", "Bidan Ratna")
    assert ledger_audit().ok


def test_a_failure_after_the_leaf_rolls_back_the_row_and_the_leaf(world, monkeypatch):
    def broken_audit(**kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(antenatal, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        rh.a_pregnancy(world)
    assert Pregnancy.objects.count() == 0 and LedgerLeaf.objects.count() == 0
    monkeypatch.undo()
    pregnancy = rh.a_pregnancy(world)
    monkeypatch.setattr(antenatal, "audit_record", broken_audit)
    with pytest.raises(RuntimeError):
        antenatal.pregnancy_visit_record(
            actor=actor_of(world.people["clerk"]), pregnancy=pregnancy, date=days(-1)
        )
    assert AntenatalVisit.objects.count() == 0 and LedgerLeaf.objects.count() == 1
    assert ledger_audit().ok


def test_a_refused_visit_writes_neither_row_nor_leaf(world):
    pregnancy = rh.a_pregnancy(world)
    actor = actor_of(world.people["clerk"])
    for day in (days(-30), days(-40), days(2)):  # the enrolment's own day, before enrolment, in the future
        with pytest.raises(ValidationError):
            antenatal.pregnancy_visit_record(actor=actor, pregnancy=pregnancy, date=day)
    antenatal.pregnancy_visit_record(actor=actor, pregnancy=pregnancy, date=days(-5))
    with pytest.raises(ValidationError):
        antenatal.pregnancy_visit_record(actor=actor, pregnancy=pregnancy, date=days(-5))
    assert AntenatalVisit.objects.count() == 1 and LedgerLeaf.objects.count() == 2


def test_a_clerk_of_another_facility_is_refused_and_nothing_is_logged(world):
    pregnancy = rh.a_pregnancy(world)
    other = signed_in_client(world.people["clerk_other_hospital"])
    refused = post_json(other, f"/api/v1/registry/pregnancies/{pregnancy.pk}/visits", {"date": str(days(-1))})
    assert refused.status_code == 403
    page = other.post(f"/registry/pregnancies/{pregnancy.pk}/visits", {"visit-date": str(days(-1))})
    assert page.status_code == 403
    enrol = post_json(other, "/api/v1/registry/pregnancies", rh.pregnancy_body(world))  # at the hospital
    assert enrol.status_code == 403
    assert AntenatalVisit.objects.count() == 0 and Pregnancy.objects.count() == 1
    assert LedgerLeaf.objects.count() == 1
    denied = AuditEntry.objects.filter(action="registry.pregnancy.record", outcome="denied")
    assert denied.filter(object_id=str(pregnancy.pk)).exists()


def test_the_ledger_audit_fails_when_an_enrolment_or_a_visit_is_altered_after_the_fact(world):
    pregnancy = rh.a_pregnancy(world)
    visit = antenatal.pregnancy_visit_record(
        actor=actor_of(world.people["clerk"]), pregnancy=pregnancy, date=days(-2)
    )
    assert ledger_audit().ok
    rows = Pregnancy.objects.filter(pk=pregnancy.pk)
    rows.update(expected_date=pregnancy.expected_date + dt.timedelta(days=30))  # behind the ORM's back
    report = ledger_audit()
    assert not report.ok
    assert any(f"pregnancy.enrolled {pregnancy.event_id}" in p and "changed" in p for p in report.problems)
    rows.update(expected_date=pregnancy.expected_date)
    assert ledger_audit().ok
    AntenatalVisit.objects.filter(pk=visit.pk).update(date=days(-3))
    report = ledger_audit()
    assert any(f"pregnancy.visit {visit.event_id}" in p for p in report.problems)
    AntenatalVisit.objects.filter(pk=visit.pk).update(date=days(-2))
    Pregnancy.objects.filter(pk=pregnancy.pk).update(ledger_index=None)  # a leaf no fact claims
    assert any("record no registry fact" in p for p in ledger_audit().problems)


def test_the_rows_are_immutable_through_the_orm(world):
    pregnancy = rh.a_pregnancy(world)
    pregnancy.expected_date = days(200)
    with pytest.raises(RuntimeError):
        pregnancy.save()
    with pytest.raises(RuntimeError):
        pregnancy.delete()


def test_the_pregnancy_page_shows_the_enrolment_and_visits_with_their_proof_status(world):
    pregnancy = rh.a_pregnancy(world)
    actor = actor_of(world.people["clerk"])
    first = antenatal.pregnancy_visit_record(actor=actor, pregnancy=pregnancy, date=days(-20))
    checkpoint_sign()
    second = antenatal.pregnancy_visit_record(actor=actor, pregnancy=pregnancy, date=days(-1))
    page = signed_in_client(world.people["clerk"]).get(f"/registry/pregnancies/{pregnancy.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f'data-kind="enrolled" data-ledger-index="{pregnancy.ledger_index}"' in html
    assert f'data-kind="visit" data-ledger-index="{first.ledger_index}"' in html
    assert f'data-kind="visit" data-ledger-index="{second.ledger_index}"' in html
    assert f"sequenced at log index {first.ledger_index}" in html and "in signed checkpoint of size 2" in html
    assert "not yet in a signed checkpoint" in html  # the second visit came after the checkpoint
    assert 'data-visits="3"' in html
    kinds = [entry.kind for entry in page.context["record"].timeline]
    assert kinds == ["enrolled", "visit", "visit"]


def test_the_childs_page_shows_its_pregnancys_enrolment_and_visits_to_those_who_may_read_them(world):
    pregnancy = rh.a_pregnancy(world, enrolled_days_ago=200, expected_in_days=1)
    visit = antenatal.pregnancy_visit_record(
        actor=actor_of(world.people["clerk"]), pregnancy=pregnancy, date=days(-10)
    )
    child = rh.a_birth(world, days_ago=1, pregnancy_id=pregnancy.pk)
    checkpoint_sign()
    page = signed_in_client(world.people["clerk"]).get(f"/registry/children/{child.newborn_id}/")
    assert [e.kind for e in page.context["record"].antenatal] == ["enrolled", "visit"]
    html = page.content.decode()
    assert f"sequenced at log index {visit.ledger_index}" in html and "in signed checkpoint of size 3" in html
    viewed = AuditEntry.objects.filter(action="registry.pregnancy.view", object_id=str(pregnancy.pk))
    assert viewed.exists()
    registrar = signed_in_client(world.people["registrar"]).get(f"/registry/children/{child.newborn_id}/")
    assert registrar.status_code == 200 and registrar.context["record"].antenatal == []


# --- the import --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth") / "antenatal"
    generate_dataset(folder, SynthOptions(births=200, seed=5))
    return folder


def test_an_import_writes_one_leaf_per_pregnancy_committing_to_its_visits_and_a_reimport_none(world, dataset):
    report = dataset_import(dataset, batch_size=100)
    assert report.total_rejected == 0, report.problems[:3]
    expected = json.loads((dataset / "manifest.json").read_text())["counts"]["pregnancies"]
    pregnancies = list(Pregnancy.objects.filter(source=report.source))
    assert len(pregnancies) == expected > 100  # more than one batch
    assert all(p.ledger_index is not None for p in pregnancies)
    leaves = {i: json.loads(bytes(d)) for i, d in LedgerLeaf.objects.values_list("idx", "data")}
    enrolled = [i for i, leaf in leaves.items() if leaf["kind"] == "pregnancy.enrolled"]
    assert sorted(enrolled) == sorted(p.ledger_index for p in pregnancies)
    with_visits = next(p for p in pregnancies if len(p.visits) > 1)
    leaf = leaves[with_visits.ledger_index]
    assert leaf["time"] == with_visits.enrolled_on.isoformat() and leaf["facility"] == with_visits.facility_id
    assert leaf["commitments"]["visits"] == committed(with_visits.record_secret, "visits", with_visits.visits)
    assert with_visits.external_ref not in json.dumps(leaf)
    assert ledger_audit().ok
    size = LedgerLeaf.objects.count()
    again = dataset_import(dataset)
    assert again.unchanged["pregnancies"] == expected and sum(again.accepted.values()) == 0
    assert LedgerLeaf.objects.count() == size
    assert ledger_audit().ok
