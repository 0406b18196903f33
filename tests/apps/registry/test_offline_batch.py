"""Offline batches: births with IDs from the facility's block and their custody events, sequenced all at once."""

from __future__ import annotations

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerLeaf
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client


def upload(world, persona, body):
    return signed_in_client(world.people[persona]).post(
        "/api/v1/registry/batches", data=body, content_type="application/json"
    )


def test_an_offline_batch_is_sequenced_with_its_pre_allocated_ids(world):
    body = rh.offline_batch_body(world)
    newborn_id = body["births"][0]["newborn_id"]
    response = upload(world, "clerk", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["births"][0]["newborn_id"] == newborn_id
    assert out["custody_events"][0]["type"] == "discharge"
    leaves = {o["ledger_index"] for o in out["births"] + out["custody_events"]}
    assert leaves == set(LedgerLeaf.objects.values_list("idx", flat=True))
    assert CustodyEvent.objects.get().child.newborn_id == newborn_id


def test_a_batch_with_one_bad_event_is_refused_whole(world):
    body = rh.offline_batch_body(world)
    body["custody_events"].append(
        rh.discharge_body(newborn_id=body["births"][0]["newborn_id"], relationship="other")
    )
    response = upload(world, "clerk", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "items[1].relationship_detail"
    assert not Birth.objects.exists() and not LedgerLeaf.objects.exists()


def test_a_birth_without_its_pre_allocated_id_is_refused(world):
    body = rh.offline_batch_body(world)
    del body["births"][0]["newborn_id"]
    response = upload(world, "clerk", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "births[0].newborn_id"


def test_a_batch_for_another_hospital_is_refused_and_audited(world):
    response = upload(world, "clerk_other_hospital", rh.offline_batch_body(world))
    assert response.status_code == 403 and not Birth.objects.exists()
    assert AuditEntry.objects.filter(action="registry.birth.notify", outcome="denied").exists()
