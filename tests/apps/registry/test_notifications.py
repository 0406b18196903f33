"""Birth notification through the API: the newborn ID, field errors, idempotency, and who may notify or read."""

from __future__ import annotations

from django.test import Client

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import Birth, LedgerLeaf, Person
from kinward.engines.ids import is_valid, new_id
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client


def post(client: Client, path: str, body: dict, **headers):
    return client.post(path, data=body, content_type="application/json", **headers)


def test_a_clerk_notifies_a_birth_and_receives_a_valid_newborn_id(world):
    response = post(
        signed_in_client(world.people["clerk"]), "/api/v1/registry/notifications", rh.notification_body(world)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert is_valid(body["newborn_id"]) and body["notification_status"] == "notified"
    birth = Birth.objects.get(newborn_id=body["newborn_id"])
    assert birth.facility == world.hospital and birth.mother.id_document_number == "3174015204990007"
    assert LedgerLeaf.objects.filter(idx=birth.ledger_index).exists()
    assert AuditEntry.objects.filter(action="registry.birth.notify", object_id=str(birth.pk)).exists()


def test_a_clerk_of_another_hospital_cannot_notify_for_this_hospital_and_the_denial_is_audited(world):
    response = post(
        signed_in_client(world.people["clerk_other_hospital"]),
        "/api/v1/registry/notifications",
        rh.notification_body(world),
    )
    assert response.status_code == 403
    assert not Birth.objects.exists() and not Person.objects.exists()
    assert AuditEntry.objects.filter(
        action="registry.birth.notify",
        outcome="denied",
        actor_user_id=world.people["clerk_other_hospital"].pk,
    ).exists()


def test_a_clerk_of_another_hospital_cannot_read_the_child_and_the_denial_is_audited(world):
    birth = rh.a_birth(world)
    response = signed_in_client(world.people["clerk_other_hospital"]).get(
        f"/api/v1/registry/children/{birth.newborn_id}"
    )
    assert response.status_code == 403
    assert AuditEntry.objects.filter(
        action="registry.birth.view", outcome="denied", object_id=str(birth.pk)
    ).exists()
    assert not AuditEntry.objects.filter(action="registry.birth.view", outcome="allowed").exists()


def test_reading_a_childs_record_is_audited_with_identifiers_only(world):
    birth = rh.a_birth(world)
    response = signed_in_client(world.people["registrar"]).get(
        f"/api/v1/registry/children/{birth.newborn_id}"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "in_facility"
    entry = AuditEntry.objects.get(action="registry.birth.view", outcome="allowed")
    assert entry.object_id == str(birth.pk) and "Sekar" not in str(entry.__dict__)


def test_repeating_a_notification_with_the_same_idempotency_key_creates_nothing_new(world):
    client = signed_in_client(world.people["clerk"])
    body = rh.notification_body(world)
    first = post(client, "/api/v1/registry/notifications", body, HTTP_IDEMPOTENCY_KEY="his-123")
    leaves = LedgerLeaf.objects.count()
    again = post(client, "/api/v1/registry/notifications", body, HTTP_IDEMPOTENCY_KEY="his-123")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Birth.objects.count() == 1 and Person.objects.count() == 1 and LedgerLeaf.objects.count() == leaves


def test_wrong_fields_get_422_naming_each_field(world):
    client = signed_in_client(world.people["clerk"])
    response = post(
        client,
        "/api/v1/registry/notifications",
        rh.notification_body(world, sex="girl", weight_g=15, time="yesterday"),
    )
    assert response.status_code == 422
    assert {"sex", "weight_g", "time"} <= {e["field"] for e in response.json()["errors"]}
    body = rh.notification_body(world)
    del body["mother"]
    refused = post(client, "/api/v1/registry/notifications", body)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "mother_absent_reason", "problem": "required when no mother is recorded"}
    ]
    assert not Birth.objects.exists()


def test_a_foundling_is_notified_without_a_mother_with_the_reason(world):
    body = rh.notification_body(world, mother_absent_reason="foundling")
    del body["mother"]
    response = post(signed_in_client(world.people["clerk"]), "/api/v1/registry/notifications", body)
    assert response.status_code == 201
    assert Birth.objects.get().mother is None


def test_a_pre_allocated_offline_id_is_accepted_once(world):
    client = signed_in_client(world.people["clerk"])
    offline = new_id()
    first = post(client, "/api/v1/registry/notifications", rh.notification_body(world, newborn_id=offline))
    assert first.status_code == 201 and first.json()["newborn_id"] == offline
    again = post(client, "/api/v1/registry/notifications", rh.notification_body(world, newborn_id=offline))
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "newborn_id"
    typo = offline[:-1] + ("0" if offline[-1] != "0" else "1")
    bad = post(client, "/api/v1/registry/notifications", rh.notification_body(world, newborn_id=typo))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "newborn_id"


def test_a_system_client_token_notifies_for_its_own_hospital_only(world):
    from tests import factories as f
    from tests.conftest import actor_of

    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    mine = post(Client(), "/api/v1/registry/notifications", rh.notification_body(world), **auth)
    other = post(
        Client(),
        "/api/v1/registry/notifications",
        rh.notification_body(world, facility_id=world.other_hospital.pk),
        **auth,
    )
    assert (mine.status_code, other.status_code) == (201, 403)
    assert Birth.objects.get().recorded_by_token_id == issued.token.pk
