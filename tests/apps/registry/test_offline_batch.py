"""Offline batches: births with IDs from the facility's block and their custody events, each record accepted or
rejected on its own (a typo in one record never blocks the others; nothing of a rejected record is written)."""

from __future__ import annotations

import pytest
from django.db import connection

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerLeaf, Person
from kinward.engines.ids import new_id
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client

MOTHER_OF_BAD_BIRTH = {"given_name": "Ayu", "id_document": {"type": "passport", "number": "B0000001", "country": "ID"}}
GUARDIAN_OF_BAD_EVENT = {"given_name": "Dian", "id_document": {"type": "passport", "number": "G0000002", "country": "ID"}}


def upload(world, persona, body, **headers):
    return signed_in_client(world.people[persona]).post(
        "/api/v1/registry/batches", data=body, content_type="application/json", **headers
    )


def rejected_fields(response) -> dict[str, str]:
    return {r["field"]: r["reason"] for r in response.json()["rejected"]}


def written() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Birth, CustodyEvent, LedgerLeaf, Person))


def mixed_batch(world) -> dict:
    """births[0] and custody_events[0] good; births[1] (a mother and a reason she is absent) and
    custody_events[1] (relationship other without its detail) bad; custody_events[2] about no known child."""
    body = rh.offline_batch_body(world)
    good_id = body["births"][0]["newborn_id"]
    body["births"].append(
        rh.notification_body(world, newborn_id=new_id(), mother=MOTHER_OF_BAD_BIRTH, mother_absent_reason="withheld")
    )
    body["custody_events"] += [
        rh.discharge_body(newborn_id=good_id, relationship="other", to=GUARDIAN_OF_BAD_EVENT),
        rh.discharge_body(newborn_id=new_id()),
    ]
    return body


def test_an_offline_batch_is_sequenced_with_its_pre_allocated_ids(world):
    body = rh.offline_batch_body(world)
    newborn_id = body["births"][0]["newborn_id"]
    response = upload(world, "clerk", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["births"][0]["newborn_id"] == newborn_id and out["births"][0]["record"] == "births[0]"
    assert (out["custody_events"][0]["type"], out["custody_events"][0]["record"]) == ("discharge", "custody_events[0]")
    assert out["rejected"] == []
    leaves = {o["ledger_index"] for o in out["births"] + out["custody_events"]}
    assert leaves == set(LedgerLeaf.objects.values_list("idx", flat=True))
    assert CustodyEvent.objects.get().child.newborn_id == newborn_id


def test_a_mixed_batch_writes_the_good_records_and_rejects_the_bad_ones_naming_record_field_and_reason(world):
    body = mixed_batch(world)
    response = upload(world, "clerk", body)
    assert response.status_code == 201, response.content
    out = response.json()
    assert [b["record"] for b in out["births"]] == ["births[0]"]
    assert [e["record"] for e in out["custody_events"]] == ["custody_events[0]"]
    assert [(r["record"], r["field"]) for r in out["rejected"]] == [
        ("births[1]", "births[1].mother_absent_reason"),
        ("custody_events[1]", "custody_events[1].relationship_detail"),
        ("custody_events[2]", "custody_events[2].newborn_id"),
    ]
    reasons = rejected_fields(response)
    assert reasons["births[1].mother_absent_reason"] == "only when no mother is recorded"
    assert reasons["custody_events[1].relationship_detail"] == "required exactly when the relationship is other"
    assert reasons["custody_events[2].newborn_id"] == "No child has this newborn ID."
    # the good ones are written with their leaves; nothing of the bad ones: no birth, no leaf, no person
    leaves = {o["ledger_index"] for o in out["births"] + out["custody_events"]}
    assert leaves == set(LedgerLeaf.objects.values_list("idx", flat=True)) and len(leaves) == 2
    assert list(Birth.objects.values_list("newborn_id", flat=True)) == [body["births"][0]["newborn_id"]]
    assert CustodyEvent.objects.get().relationship == "mother"
    assert not Person.objects.filter(given_name__in=("Ayu", "Dian")).exists()


def test_an_event_of_a_rejected_birth_of_the_batch_is_rejected_saying_so(world):
    body = rh.offline_batch_body(world)
    body["births"].append(rh.notification_body(world, newborn_id=new_id(), time="2099-01-01T00:00:00+07:00"))
    body["custody_events"].append(rh.discharge_body(newborn_id=body["births"][1]["newborn_id"]))
    response = upload(world, "clerk", body)
    assert response.status_code == 201, response.content
    reasons = rejected_fields(response)
    assert set(reasons) == {"births[1].time", "custody_events[1].newborn_id"}
    assert reasons["custody_events[1].newborn_id"] == "The birth of this child in this batch (births[1]) was rejected."
    assert Birth.objects.count() == 1 and CustodyEvent.objects.count() == 1


def test_a_batch_with_every_record_rejected_is_422_listing_each_and_writes_nothing(world):
    body = rh.offline_batch_body(world)
    body["births"][0]["mother_absent_reason"] = "withheld"  # and a mother: refused
    body["custody_events"].append(rh.discharge_body(newborn_id=new_id()))
    before = written()
    response = upload(world, "clerk", body)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"
    assert [e["field"] for e in response.json()["errors"]] == [
        "births[0].mother_absent_reason", "custody_events[0].newborn_id", "custody_events[1].newborn_id"]
    assert written() == before


def test_a_retried_partial_batch_with_the_same_idempotency_key_gets_the_first_answer_and_writes_nothing_new(world):
    body = mixed_batch(world)
    first = upload(world, "clerk", body, HTTP_IDEMPOTENCY_KEY="offline-2026-12-01")
    assert first.status_code == 201 and first.json()["rejected"]
    after_first = written()
    again = upload(world, "clerk", body, HTTP_IDEMPOTENCY_KEY="offline-2026-12-01")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and written() == after_first


def test_a_batch_sent_again_without_a_key_duplicates_nothing_its_births_being_held_already(world):
    body = rh.offline_batch_body(world)
    assert upload(world, "clerk", body).status_code == 201
    before = written()
    response = upload(world, "clerk", body)
    assert response.status_code == 422
    problems = {e["field"]: e["problem"] for e in response.json()["errors"]}
    assert problems["births[0].newborn_id"] == "this newborn ID is already held by another child"
    assert "births[0]" in problems["custody_events[0].newborn_id"]
    assert written() == before


def test_a_record_for_a_facility_the_caller_may_not_act_for_is_rejected_and_the_denial_audited(world):
    body = rh.offline_batch_body(world)
    elsewhere = rh.notification_body(world, newborn_id=new_id(), facility_id=world.other_hospital.pk)
    body["births"].append(elsewhere)
    body["custody_events"].append(rh.discharge_body(newborn_id=elsewhere["newborn_id"]))
    response = upload(world, "clerk", body)
    assert response.status_code == 201, response.content
    reasons = rejected_fields(response)
    assert set(reasons) == {"births[1].facility_id", "custody_events[1].newborn_id"}
    assert "registry.birth.notify" in reasons["births[1].facility_id"]
    assert not Birth.objects.filter(newborn_id=elsewhere["newborn_id"]).exists()
    denial = AuditEntry.objects.get(action="registry.birth.notify", outcome="denied")
    assert denial.object_id == str(world.other_hospital.pk)


def test_an_event_the_caller_may_not_record_is_rejected_and_its_birth_written(world):
    """A hospital system's token that may notify births but not record custody events."""
    from django.test import Client

    from tests import factories as f
    from tests.conftest import actor_of

    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
    response = Client().post("/api/v1/registry/batches", data=rh.offline_batch_body(world),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 201, response.content
    assert [b["record"] for b in response.json()["births"]] == ["births[0]"]
    reasons = rejected_fields(response)
    assert list(reasons) == ["custody_events[0].newborn_id"]
    assert "registry.custody.record" in reasons["custody_events[0].newborn_id"]
    assert not CustodyEvent.objects.exists()
    assert AuditEntry.objects.filter(action="registry.custody.record", outcome="denied").exists()


def test_a_denial_by_the_service_itself_rejects_that_record_and_stays_audited(world, monkeypatch):
    """Permission is checked before the transaction; should a service still deny, the entry `require` wrote went
    with the record's savepoint, so the denial is audited again."""
    from kinward.apps.accounts.authz import AccessDenied
    from kinward.apps.registry import services

    def denied(**kwargs):
        raise AccessDenied("registry.custody.record")

    monkeypatch.setattr(services, "custody_events_record", lambda **kwargs: denied())  # the batch, then each
    monkeypatch.setattr(services, "custody_event_record", denied)
    response = upload(world, "clerk", rh.offline_batch_body(world))
    assert response.status_code == 201, response.content
    assert rejected_fields(response) == {"custody_events[0]": "You may not do this (registry.custody.record)."}
    entry = AuditEntry.objects.get(outcome="denied")
    assert (entry.action, entry.object_type, entry.object_id) == (
        "registry.custody.record", "batch_record", "custody_events[0]")


def test_a_birth_without_its_pre_allocated_id_is_refused(world):
    body = rh.offline_batch_body(world)
    del body["births"][0]["newborn_id"]
    response = upload(world, "clerk", body)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "births[0].newborn_id"


def test_a_batch_for_another_hospital_is_refused_and_audited(world):
    response = upload(world, "clerk_other_hospital", rh.offline_batch_body(world))
    assert response.status_code == 403 and not Birth.objects.exists()
    assert [e["field"] for e in response.json()["errors"]] == ["births[0].facility_id", "custody_events[0].newborn_id"]
    assert AuditEntry.objects.filter(action="registry.birth.notify", outcome="denied").exists()


@pytest.mark.django_db(transaction=True)
def test_the_accepted_records_are_committed_when_the_answer_is_sent(world):
    """A server killed after answering loses nothing it accepted: no transaction is left open with the rows."""
    response = upload(world, "clerk", mixed_batch(world))
    assert response.status_code == 201
    assert not connection.in_atomic_block and connection.get_autocommit()
    assert Birth.objects.count() == 1 and CustodyEvent.objects.count() == 1


def test_a_batch_whose_events_all_pass_writes_them_together_and_a_refused_one_sends_each_on_its_own(world):
    """Events are written at once through `custody_events_record` (one ledger append, one audit entry for the
    lot); when it refuses one, the lot is rolled back and each event is tried in its own savepoint."""
    from kinward.engines.ids import new_id

    def batch(*events):
        births = [rh.notification_body(world, newborn_id=e["newborn_id"]) for e in events]
        return {"births": births, "custody_events": list(events)}

    good = [rh.discharge_body(newborn_id=new_id()) for _ in range(3)]
    response = upload(world, "clerk", batch(*good))
    assert response.status_code == 201 and len(response.json()["custody_events"]) == 3
    assert AuditEntry.objects.filter(action="registry.custody.record").count() == 1  # the lot, once
    bad = rh.discharge_body(newborn_id=new_id(), relationship="other", relationship_detail="")
    response = upload(world, "clerk", batch(rh.discharge_body(newborn_id=new_id()), bad))
    assert response.status_code == 201
    assert [e["record"] for e in response.json()["custody_events"]] == ["custody_events[0]"]
    assert set(rejected_fields(response)) == {"custody_events[1].relationship_detail"}
    assert AuditEntry.objects.filter(action="registry.custody.record").count() == 2  # one more: the good event
