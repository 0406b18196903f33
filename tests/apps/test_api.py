"""The API: authentication, the one error format, idempotency keys, pagination, tokens."""

import json

from django.test import Client

from kinward.apps.accounts.models import ApiToken
from kinward.apps.audit.models import AuditEntry
from tests import factories as f
from tests.conftest import actor_of


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_an_anonymous_caller_gets_401_in_the_error_format_and_an_audit_entry(world):
    response = Client().get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "Sign in, or send a valid bearer token.",
                               "errors": []}
    assert AuditEntry.objects.filter(action="api.authenticate", outcome="denied").exists()


def test_a_system_client_authenticates_with_its_token_and_its_use_is_recorded(world):
    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
    response = Client().get("/api/v1/accounts/me", **bearer(issued.secret))
    assert response.status_code == 200
    assert response.json()["is_token"] is True and response.json()["agency_id"] == world.hospital.pk
    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None


def test_only_a_hash_of_the_token_is_stored(world):
    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in json.dumps([stored.secret_hash, stored.prefix, stored.name])
    assert len(stored.secret_hash) == 64


def test_a_revoked_token_is_refused_with_401_and_audited(world):
    admin = actor_of(world.people["admin"])
    issued = f.token(admin, world.hospital, ["registry.birth.notify"])
    client = Client()
    admin_client = Client()
    admin_client.force_login(world.people["admin"])
    revoke = admin_client.post(f"/api/v1/accounts/tokens/{issued.token.pk}/revoke")
    assert revoke.status_code == 200 and revoke.json()["revoked_at"]
    response = client.get("/api/v1/accounts/me", **bearer(issued.secret))
    assert response.status_code == 401
    assert AuditEntry.objects.filter(action="accounts.token.use", outcome="denied",
                                     object_id=str(issued.token.pk)).exists()


def test_a_token_used_outside_its_actions_gets_403_and_an_audit_entry(world):
    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
    response = Client().get("/api/v1/audit/entries", **bearer(issued.secret))
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert AuditEntry.objects.filter(action="audit.view", outcome="denied", actor_token_id=issued.token.pk).exists()


def test_malformed_json_and_wrong_fields_get_422_naming_each_field(world):
    client = Client()
    client.force_login(world.people["admin"])
    bad = client.post("/api/v1/accounts/tokens", data="{not json", content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_input"
    wrong = client.post("/api/v1/accounts/tokens", data={"name": 5, "agency_id": "x"},
                        content_type="application/json")
    assert wrong.status_code == 422
    fields = {e["field"] for e in wrong.json()["errors"]}
    assert {"agency_id", "actions"} <= fields


def test_a_service_refusal_gets_422_naming_the_field(world):
    client = Client()
    client.force_login(world.people["admin"])
    response = client.post("/api/v1/accounts/tokens", content_type="application/json",
                           data={"name": "HIS", "agency_id": world.hospital.pk, "actions": ["registry.birth.sell"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "actions", "problem": "unknown action(s): registry.birth.sell"}]


def test_a_repeated_post_with_the_same_idempotency_key_gets_the_first_answer_and_creates_nothing(world):
    client = Client()
    client.force_login(world.people["admin"])
    body = {"name": "Hospital information system", "agency_id": world.hospital.pk,
            "actions": ["registry.birth.notify"]}
    first = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="6f1c-key-1")
    again = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="6f1c-key-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert ApiToken.objects.count() == 1


def test_the_same_idempotency_key_with_another_body_gets_409(world):
    client = Client()
    client.force_login(world.people["admin"])
    body = {"name": "HIS", "agency_id": world.hospital.pk, "actions": ["registry.birth.notify"]}
    client.post("/api/v1/accounts/tokens", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2")
    other = dict(body, name="Laboratory system")
    response = client.post("/api/v1/accounts/tokens", data=other, content_type="application/json",
                           HTTP_IDEMPOTENCY_KEY="k2")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_conflict"
    assert ApiToken.objects.count() == 1


def test_a_post_whose_answer_cannot_be_stored_leaves_nothing_written_and_its_retry_is_processed(world, monkeypatch):
    """The key, the writes and the stored answer commit together: a server that fails (or is killed) between the
    view's writes and storing the answer has written nothing, so the client's retry with the same key is not stuck
    behind a key "still being processed" while what it wrote stays without an answer."""
    from kinward.apps.core import idempotency

    client = Client(raise_request_exception=False)
    client.force_login(world.people["admin"])
    body = {"name": "HIS", "agency_id": world.hospital.pk, "actions": ["registry.birth.notify"]}

    def killed(path, content):
        raise RuntimeError("the server died before the answer was stored")

    monkeypatch.setattr(idempotency, "_stored_body", killed)
    failed = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json",
                         HTTP_IDEMPOTENCY_KEY="k-crash")
    assert failed.status_code == 500
    assert ApiToken.objects.count() == 0  # the view's write went with the missing answer
    monkeypatch.undo()
    retry = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k-crash")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert ApiToken.objects.count() == 1


def test_every_json_request_body_refuses_names_it_does_not_declare(world):
    """A misspelt field is a 422 naming it, never silently dropped: every JSON body in the OpenAPI document is
    closed (`StrictSchema`), and an unknown name on another app's route is refused like the registry's."""
    spec = Client().get("/api/v1/openapi.json").json()
    schemas, bodies = spec["components"]["schemas"], []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if content and "$ref" in content["schema"]:
                bodies.append((f"{method} {path}", content["schema"]["$ref"].rsplit("/", 1)[-1]))
    assert len(bodies) > 30
    open_bodies = [(where, name) for where, name in bodies if schemas[name].get("additionalProperties") is not False]
    assert open_bodies == []
    client = Client()
    client.force_login(world.people["admin"])
    response = client.post("/api/v1/accounts/tokens", content_type="application/json",
                           data={"name": "HIS", "agency_id": world.hospital.pk, "actions": ["registry.birth.notify"],
                                 "expires": "2027-01-01"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "expires"
    assert ApiToken.objects.count() == 0


def test_lists_are_paginated(world, settings):
    client = Client()
    client.force_login(world.people["admin"])
    response = client.get("/api/v1/accounts/agencies?page=1")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 8 and len(body["items"]) == 8
    assert client.get("/api/v1/accounts/agencies?page=2").status_code in (200, 404)


def test_an_agency_list_is_scoped_to_what_the_caller_may_see(world):
    client = Client()
    client.force_login(world.people["registrar"])
    names = {a["name"] for a in client.get("/api/v1/accounts/agencies").json()["items"]}
    assert "West General Hospital" in names and "East Private Clinic" not in names


def test_the_openapi_document_and_docs_page_are_served(world):
    client = Client()
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200 and spec.json()["info"]["title"] == "Kinward API"
    assert "/api/v1/accounts/tokens" in spec.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger-ui-bundle.js" in docs.content and b"cdn" not in docs.content


def test_the_openapi_document_says_which_fields_each_custody_event_type_carries(world):
    schemas = Client().get("/api/v1/openapi.json").json()["components"]["schemas"]
    custody = schemas["CustodyEventIn"]
    assert "A field of another type given a value" in custody["description"]
    assert "does not declare is refused" in custody["description"]
    for name in ("CustodyEventIn", "BirthNotificationIn", "PersonIn", "OfflineBatchIn", "PregnancyIn"):
        assert schemas[name]["additionalProperties"] is False, name  # clients see that unknown names are refused
    described = custody["properties"]["type"]["description"]
    assert "transfer: to_facility_id;" in described and "correction: corrects, field, new_value, reason" in described
    assert schemas["BatchEventIn"]["properties"]["type"]["description"] == described
    assert "custody_events[<n>].<field>" in schemas["OfflineBatchIn"]["description"]


def test_the_openapi_document_says_an_offline_batch_is_answered_record_by_record(world):
    spec = Client().get("/api/v1/openapi.json").json()
    operation = spec["paths"]["/api/v1/registry/batches"]["post"]
    assert "each record accepted or rejected with its reason" in operation["summary"]
    assert "403 if every record was refused by permission, else 422" in operation["description"]
    assert operation["operationId"] == "kinward_apps_registry_api_upload_batch"
    assert {"201", "403", "422"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["RejectedOut"]["properties"]) == {"record", "field", "reason"}
    assert "rejected" in schemas["OfflineBatchOut"]["properties"] and "record" in schemas["SequencedOut"]["properties"]


def test_a_system_client_posts_with_its_token_where_csrf_is_enforced(world):
    issued = f.token(actor_of(world.people["admin"]), world.hospital, ["accounts.token.manage"])
    client = Client(enforce_csrf_checks=True)
    body = {"name": "Laboratory system", "agency_id": world.hospital.pk, "actions": ["dna.sample.manage"]}
    response = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json",
                           **bearer(issued.secret))
    assert response.status_code == 201, response.content


def test_a_session_post_without_its_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.people["admin"])
    body = {"name": "HIS", "agency_id": world.hospital.pk, "actions": ["registry.birth.notify"]}
    response = client.post("/api/v1/accounts/tokens", data=body, content_type="application/json")
    assert response.status_code in (401, 403) and ApiToken.objects.count() == 0
