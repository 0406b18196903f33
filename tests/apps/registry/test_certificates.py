"""Birth certificates: a registrar issues a signed QR certificate; anyone verifies it, from text or a photo."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry import certificates
from kinward.apps.registry.models import Certificate
from kinward.apps.registry.selectors import checkpoint_size, latest_checkpoint
from kinward.apps.registry.services import birth_register
from kinward.engines.credentials import (
    generate_signer_key,
    issue_certificate,
    load_signer,
    qr_png,
    verify,
    write_signer_key,
)
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


@pytest.fixture(autouse=True)
def certificate_keys(settings, tmp_path):
    settings.CERTIFICATE_KEY_FILE = tmp_path / "keys" / "issuer.pem"
    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"
    return settings.CERTIFICATE_KEY_FILE


def registered_birth(world):
    birth = rh.a_birth(world, days_ago=3)
    birth_register(actor=actor_of(world.people["registrar"]), birth=birth)
    return birth


def issued(world):
    birth = registered_birth(world)
    return birth, certificates.certificate_issue(
        actor=actor_of(world.people["registrar"]), newborn_id=birth.newborn_id
    )


def test_an_issued_certificate_verifies_with_the_births_facts_and_log_anchor(world):
    birth, certificate = issued(world)
    result = verify(certificate.text, certificates.keyring())
    assert result.valid, result.detail
    facts = result.facts()
    assert facts["newborn_id"] == birth.newborn_id and facts["sex"] == "F"
    assert facts["issuing_office"] == world.registry.name and facts["facility_name"] == world.hospital.name
    local = birth.time.astimezone(dt.UTC) + dt.timedelta(minutes=birth.utc_offset)  # the birth's wall-clock time
    assert facts["date_of_birth"] == local.date().isoformat()
    assert facts["log_index"] == birth.ledger_index
    assert facts["tree_size"] == checkpoint_size(latest_checkpoint()) > birth.ledger_index
    assert certificate.kid == result.kid.hex() and certificate.issued_by == world.registry
    assert AuditEntry.objects.filter(
        action="registry.certificate.issue", object_type="certificate", object_id=str(certificate.pk)
    ).exists()


def test_the_key_files_are_private_and_the_key_list_is_public(world, client):
    _, certificate = issued(world)
    signer_file = certificates.signer_path(world.registry)
    assert os.stat(signer_file).st_mode & 0o777 == 0o600
    keys = client.get("/api/v1/registry/issuer-keys").json()
    assert [k["issuer"] for k in keys] == [world.registry.name]
    assert base64.b64decode(keys[0]["kid"]).hex() == certificate.kid


def test_a_reissue_is_a_new_row_and_is_counted(world):
    birth, first = issued(world)
    second = certificates.certificate_issue(
        actor=actor_of(world.people["registrar"]), newborn_id=birth.newborn_id
    )
    assert second.pk != first.pk and Certificate.objects.filter(child=birth).count() == 2
    page = signed_in_client(world.people["registrar"]).get(f"/registry/certificates/{second.pk}/")
    assert page.status_code == 200 and "Issue number 2" in page.content.decode()


def test_an_unregistered_birth_gets_no_certificate(world):
    from django.core.exceptions import ValidationError

    birth = rh.a_birth(world)
    with pytest.raises(ValidationError) as refused:
        certificates.certificate_issue(actor=actor_of(world.people["registrar"]), newborn_id=birth.newborn_id)
    assert "newborn_id" in refused.value.message_dict


def test_a_clerk_cannot_issue_and_the_denial_is_audited(world):
    birth = registered_birth(world)
    response = signed_in_client(world.people["clerk"]).post(
        f"/registry/children/{birth.newborn_id}/certificate"
    )
    assert response.status_code == 403
    assert not Certificate.objects.filter(child=birth).exists()
    assert AuditEntry.objects.filter(
        action="registry.certificate.issue", outcome=AuditEntry.Outcome.DENIED, object_id=str(birth.pk)
    ).exists()


def test_the_print_page_shows_the_qr_and_the_text(world):
    birth = registered_birth(world)
    client = signed_in_client(world.people["registrar"])
    response = client.post(f"/registry/children/{birth.newborn_id}/certificate")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    certificate = Certificate.objects.get(child=birth)
    assert "<svg" in page and certificate.text in page and birth.newborn_id in page
    assert "@media print" in page


def test_the_public_page_verifies_text_anonymously_and_counts_without_an_address(world):
    _, certificate = issued(world)
    audit_before = AuditEntry.objects.count()
    client = Client(REMOTE_ADDR="203.0.113.77")
    page = client.post("/registry/verify/", {"text": certificate.text}).content.decode()
    assert 'data-verdict="valid"' in page and certificate.child.newborn_id in page
    assert certificates.verification_counts() == {"valid": 1}
    assert AuditEntry.objects.count() == audit_before
    assert not AuditEntry.objects.filter(object_id__contains="203.0.113.77").exists()


def test_a_tampered_text_is_invalid_with_its_reason(world, client):
    _, certificate = issued(world)
    text = certificate.text
    tampered = text[:40] + ("A" if text[40] != "A" else "B") + text[41:]
    page = client.post("/registry/verify/", {"text": tampered}).content.decode()
    assert 'data-verdict="invalid"' in page
    answer = client.post(
        "/api/v1/registry/verify", {"text": tampered}, content_type="application/json"
    ).json()
    assert answer["valid"] is False and answer["reason"] in {"bad_compression", "bad_signature", "bad_base45"}
    bad_prefix = client.post(
        "/api/v1/registry/verify", {"text": "HC1:" + text[4:]}, content_type="application/json"
    )
    assert bad_prefix.json() == {"valid": False, "reason": "bad_prefix", "facts": {}}
    counts = certificates.verification_counts()
    assert counts["bad_prefix"] == 1 and sum(counts.values()) == 3


def test_a_photo_of_the_qr_verifies_through_the_page_and_the_api(world, client):
    _, certificate = issued(world)
    png = qr_png(certificate.text)
    photo = SimpleUploadedFile("certificate.png", png, content_type="image/png")
    page = client.post("/registry/verify/", {"photo": photo}).content.decode()
    assert 'data-verdict="valid"' in page and certificate.child.newborn_id in page
    body = {"image_base64": base64.b64encode(png).decode()}
    answer = client.post("/api/v1/registry/verify", body, content_type="application/json").json()
    assert answer["valid"] is True and answer["facts"]["newborn_id"] == certificate.child.newborn_id
    assert certificates.verification_counts()["valid"] == 2


def test_a_photo_without_a_qr_or_of_the_wrong_type_is_refused(world, client):
    blank = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    page = client.post("/registry/verify/", {"photo": blank}).content.decode()
    assert 'data-reason="unreadable_image"' in page
    text_file = SimpleUploadedFile("x.txt", b"KW1:ABC", content_type="text/plain")
    assert (
        'data-upload-error="bad_type"'
        in client.post("/registry/verify/", {"photo": text_file}).content.decode()
    )
    big = SimpleUploadedFile("big.png", b"0" * (certificates.MAX_UPLOAD_BYTES + 1), content_type="image/png")
    assert (
        'data-upload-error="too_large"' in client.post("/registry/verify/", {"photo": big}).content.decode()
    )
    assert certificates.verification_counts() == {"unreadable_image": 1}


def test_a_certificate_from_an_unpublished_key_is_unknown_key(world, client, tmp_path):
    _, certificate = issued(world)
    rogue_path = tmp_path / "rogue.pem"
    write_signer_key(rogue_path, generate_signer_key())
    claims = verify(certificate.text, certificates.keyring()).claims
    forged = issue_certificate(claims, load_signer(rogue_path))
    answer = client.post("/api/v1/registry/verify", {"text": forged}, content_type="application/json").json()
    assert answer == {"valid": False, "reason": "unknown_key", "facts": {}}
    page = client.post("/registry/verify/", {"text": forged}).content.decode()
    assert 'data-reason="unknown_key"' in page and "not signed by a key of a registry office" in page


def test_the_verify_page_is_public_and_translated(world, client):
    assert client.get("/registry/verify/").status_code == 200
    page = client.get("/registry/verify/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Periksa akta kelahiran" in page and "Check a birth certificate" not in page
    russian = client.get("/registry/verify/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Проверить свидетельство о рождении" in russian
    assert json.loads(client.get("/api/v1/registry/issuer-keys").content) == []
