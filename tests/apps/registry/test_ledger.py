"""The registry log: one leaf per fact in the same transaction, no personal value in any leaf, signed
checkpoints that refuse a rewritten log, proofs that verify, and the ledger audit."""

from __future__ import annotations

import base64
import json
import os

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from kinward.apps.registry.ledger_audit import ledger_audit
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerLeaf, LedgerNode
from kinward.apps.registry.selectors import verifier_key
from kinward.apps.registry.services import CustodyInput, checkpoint_sign, custody_event_record
from kinward.engines.ledger import (
    CheckpointInconsistent,
    NoteVerifier,
    leaf_hash,
    node_hash,
    open_checkpoint,
    parse_tlog_proof,
    verify_consistency,
    verify_inclusion,
    verify_tlog_proof,
)
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of


@pytest.fixture(autouse=True)
def ledger_key(settings, tmp_path):
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"
    return settings.LEDGER_KEY_FILE


def test_each_fact_is_one_leaf_naming_its_event(world):
    births = [rh.a_birth(world) for _ in range(3)]
    event = custody_event_record(
        actor=actor_of(world.people["clerk"]),
        child=births[0],
        data=CustodyInput(type="death", time=births[0].time, cause="sepsis"),
    )
    assert LedgerLeaf.objects.count() == 4
    for fact in [*births, event]:
        leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=fact.ledger_index).data))
        assert leaf["event_id"] == str(fact.event_id) and leaf["newborn_id"] in {b.newborn_id for b in births}


def test_a_refused_event_leaves_neither_row_nor_leaf(world):
    child = rh.a_birth(world)
    with pytest.raises(ValidationError):
        custody_event_record(
            actor=actor_of(world.people["clerk"]),
            child=child,
            data=CustodyInput(type="discharge", time=child.time),
        )
    assert LedgerLeaf.objects.count() == 1 and not CustodyEvent.objects.exists()


def test_no_leaf_holds_a_personal_value(world):
    child = rh.a_birth(world)
    client = Client()
    client.force_login(world.people["clerk"])
    client.post(
        f"/api/v1/registry/children/{child.newborn_id}/custody-events",
        data=rh.discharge_body(),
        content_type="application/json",
    )
    mother = Birth.objects.get().mother
    everything = b"".join(bytes(d) for d in LedgerLeaf.objects.values_list("data", flat=True))
    for value in (
        mother.given_name,
        mother.family_name,
        mother.id_document_number,
        mother.phone,
        mother.birth_date.isoformat(),
        "Bidan Ratna Sari",
        "Perawat Dewi",
        "3174015204990007",
    ):
        assert value.encode() not in everything, value
    assert b'"commitments"' in everything
    # the weight (3120 g) is short enough to occur by chance inside a hex commitment: look at values instead
    values = [v for d in LedgerLeaf.objects.values_list("data", flat=True) for v in _scalars(json.loads(bytes(d)))]
    assert 3120 not in values and "3120" not in values


def _scalars(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    else:
        yield value


def test_the_checkpoint_key_is_created_private_and_checkpoints_verify(world, ledger_key):
    rh.a_birth(world)
    note = checkpoint_sign()
    assert os.stat(ledger_key).st_mode & 0o777 == 0o600
    checkpoint = open_checkpoint(note, [NoteVerifier.parse(verifier_key())])
    assert checkpoint.tree_size == 1
    assert checkpoint_sign() == note  # nothing new: the same checkpoint


def test_public_proofs_verify_against_the_signed_checkpoint(world):
    size = rh.signed_log(world)
    first = checkpoint_sign()
    rh.a_birth(world)
    checkpoint = open_checkpoint(checkpoint_sign(), [NoteVerifier.parse(verifier_key())])
    client = Client()
    leaf = client.get("/api/v1/registry/log/leaves/1").json()
    proof = client.get("/api/v1/registry/log/proof/inclusion?index=1").json()
    assert proof["tree_size"] == checkpoint.tree_size == size + 1
    verify_inclusion(
        leaf_hash(leaf["data"].encode()),
        1,
        proof["tree_size"],
        [base64.b64decode(h) for h in proof["hashes"]],
        checkpoint.root_hash,
    )
    tlog = parse_tlog_proof(proof["tlog_proof"])
    verify_tlog_proof(tlog, leaf_hash(leaf["data"].encode()), [NoteVerifier.parse(verifier_key())])
    old = open_checkpoint(first, [NoteVerifier.parse(verifier_key())])
    consistency = client.get(f"/api/v1/registry/log/proof/consistency?first={size}&second={size + 1}").json()
    verify_consistency(
        size,
        size + 1,
        [base64.b64decode(h) for h in consistency["hashes"]],
        old.root_hash,
        checkpoint.root_hash,
    )
    text = client.get("/api/v1/registry/log/checkpoint")
    assert text["Content-Type"].startswith("text/plain") and text.content.decode().startswith("kinward.local")


def test_a_rewritten_log_is_refused_a_checkpoint_and_fails_the_audit(world):
    rh.signed_log(world)
    assert ledger_audit().ok
    forged = b'{"event_id":"forged","kind":"birth"}'
    LedgerLeaf.objects.filter(idx=0).update(data=forged)  # a rewrite that keeps the stored tree coherent
    LedgerNode.objects.filter(id=0).update(hash=leaf_hash(forged))
    sibling = bytes(LedgerNode.objects.get(id=1).hash)
    LedgerNode.objects.filter(id=2).update(hash=node_hash(leaf_hash(forged), sibling))
    rh.a_birth(world)
    with pytest.raises(CheckpointInconsistent):
        checkpoint_sign()
    report = ledger_audit()
    assert not report.ok
    assert any("is not the rebuilt tree's root" in p for p in report.problems)
    assert any("does not record it" in p for p in report.problems)


def test_the_timeline_page_shows_each_events_proof_status(world):
    child = rh.a_birth(world)
    checkpoint_sign()
    client = Client()
    client.force_login(world.people["clerk"])
    page = client.get(f"/registry/children/{child.newborn_id}/").content.decode()
    assert f"sequenced at log index {child.ledger_index}" in page and "in signed checkpoint of size 1" in page


def test_the_transparency_page_is_public_and_shows_the_latest_checkpoint(world):
    rh.signed_log(world)
    page = Client().get("/registry/transparency/").content.decode()
    assert (
        'data-log-size="2"' in page
        and 'data-checkpoint-size="2"' in page
        and "kinward.local/registry" in page
    )


def test_a_leaf_can_be_recomputed_from_its_stored_row_and_secret(world):
    from kinward.apps.registry import writes

    rh.a_birth(world)
    birth = Birth.objects.get()
    persons = {birth.mother_id: birth.mother}
    staff = {birth.attendant_id: birth.attendant.name}
    assert bytes(birth.record_secret) and len(bytes(birth.record_secret)) == 32
    stored = bytes(LedgerLeaf.objects.get(idx=birth.ledger_index).data)
    assert writes.birth_leaf(birth, persons, staff) == stored


def test_the_scheduled_tasks_sign_a_checkpoint_and_audit_the_log(world):
    from kinward.apps.registry.tasks import ledger_audit_run, ledger_checkpoint_sign

    rh.a_birth(world)
    assert ledger_checkpoint_sign.call() == {"ok": True, "tree_size": 1}
    result = ledger_audit_run.call()
    assert result["ok"] and result["size"] == 1 and result["checkpoints"] == 1


def test_kinward_ledger_audit_checks_the_database_log_and_reports_a_rewrite(world, capsys):
    from kinward.cli import main as kinward

    rh.signed_log(world)
    assert kinward(["ledger", "audit"]) == 0
    forged = b'{"event_id":"forged","kind":"birth"}'
    LedgerLeaf.objects.filter(idx=0).update(data=forged)
    assert kinward(["ledger", "audit"]) == 1
    assert "forged" not in capsys.readouterr().out  # the report names positions, not contents
