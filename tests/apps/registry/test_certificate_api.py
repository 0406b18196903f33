"""Issuing and reading birth certificates through the API: the same code as the page, audited, documented."""

from __future__ import annotations

import pytest
from django.test import Client

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry import certificates
from kinward.apps.registry.models import Certificate
from kinward.config.api import api
from tests import factories as f
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client


@pytest.fixture(autouse=True)
def certificate_keys(settings, tmp_path):
    settings.CERTIFICATE_KEY_FILE = tmp_path / "keys" / "issuer.pem"
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"


def issue(client: Client, newborn_id: str, **headers):
    return client.post(
        f"/api/v1/registry/children/{newborn_id}/certificates", content_type="application/json", **headers
    )


def test_a_registrar_issues_a_certificate_that_verifies_and_reads_it_back(world):
    birth = rh.registered_birth(world)
    client = signed_in_client(world.people["registrar"])
    response = issue(client, birth.newborn_id)
    assert response.status_code == 201, response.content
    body = response.json()
    certificate = Certificate.objects.get(pk=body["id"])
    assert body["text"] == certificate.text and body["text"].startswith("KW1:")
    assert body["newborn_id"] == birth.newborn_id and body["issue_number"] == 1
    assert (
        body["facts"]["newborn_id"] == birth.newborn_id and body["facts"]["log_index"] == birth.ledger_index
    )
    assert body["qr_svg"].startswith("<svg") and body["kid"] == certificate.kid
    verdict = certificates.certificate_verify(text=body["text"])
    assert verdict.valid and verdict.facts["issuing_office"] == world.registry.name
    assert AuditEntry.objects.filter(
        action="registry.certificate.issue", object_type="certificate", object_id=str(certificate.pk)
    ).exists()

    read = client.get(f"/api/v1/registry/certificates/{certificate.pk}")
    assert read.status_code == 200 and read.json()["text"] == body["text"]
    assert AuditEntry.objects.filter(
        action="registry.certificate.print", object_id=str(certificate.pk)
    ).exists()
    reissued = issue(client, birth.newborn_id)
    assert reissued.status_code == 201 and reissued.json()["issue_number"] == 2


def test_an_idempotency_key_replays_the_first_certificate(world):
    birth = rh.registered_birth(world)
    client = signed_in_client(world.people["registrar"])
    first = issue(client, birth.newborn_id, HTTP_IDEMPOTENCY_KEY="cert-1")
    again = issue(client, birth.newborn_id, HTTP_IDEMPOTENCY_KEY="cert-1")
    assert first.status_code == again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Certificate.objects.count() == 1


def test_an_unregistered_birth_gets_no_certificate(world):
    birth = rh.a_birth(world)
    response = issue(signed_in_client(world.people["registrar"]), birth.newborn_id)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "newborn_id"
    assert not Certificate.objects.exists()


def test_who_may_not_issue_or_read_certificates(world):
    birth = rh.registered_birth(world)
    east_registrar = f.person(
        f.agency("registry_office", world.east_district, "East Registry"), ["registrar"]
    )
    for user in (world.people["clerk"], world.people["caseworker"], world.people["analyst"], east_registrar):
        assert issue(signed_in_client(user), birth.newborn_id).status_code == 403
    assert AuditEntry.objects.filter(
        action="registry.certificate.issue", outcome="denied", actor_user_id=east_registrar.pk
    ).exists()
    assert issue(Client(), birth.newborn_id).status_code == 401
    assert not Certificate.objects.exists()
    certificate = rh.issued_certificate(world)
    path = f"/api/v1/registry/certificates/{certificate.pk}"
    assert signed_in_client(world.people["clerk"]).get(path).status_code == 403
    assert signed_in_client(east_registrar).get(path).status_code == 403
    assert Client().get(path).status_code == 401
    assert (
        signed_in_client(world.people["registrar"]).get("/api/v1/registry/certificates/999999").status_code
        == 404
    )


def test_the_certificate_and_antenatal_routes_are_documented_in_openapi(world):
    paths = api.get_openapi_schema()["paths"]
    issue_op = paths["/api/v1/registry/children/{newborn_id}/certificates"]["post"]
    assert 201 in issue_op["responses"] and issue_op["summary"].startswith("Issue")
    assert "get" in paths["/api/v1/registry/certificates/{certificate_id}"]
    for path in (
        "/api/v1/registry/pregnancies",
        "/api/v1/registry/pregnancies/{pregnancy_id}/visits",
        "/api/v1/registry/pregnancies/{pregnancy_id}/outcomes",
    ):
        assert path in paths
