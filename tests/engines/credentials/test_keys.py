"""Key files: the signer's PEM PKCS#8 file and the published key list that verifiers download."""

from __future__ import annotations

import base64
import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from kinward.engines.credentials import (
    IssuerKey,
    KeyFileError,
    Keyring,
    certificate_key_id,
    export_public_key_list,
    generate_signer_key,
    key_id,
    load_keyring,
    load_signer,
    read_public_key_list,
    revoke_key,
    write_signer_key,
)


def test_the_signer_key_file_is_pem_pkcs8_with_mode_0600(tmp_path):
    path = tmp_path / "signer.pem"
    private_key = generate_signer_key()
    write_signer_key(path, private_key)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_signer(path).kid == key_id(private_key.public_key())


def test_it_refuses_to_overwrite_a_signer_key(tmp_path):
    path = tmp_path / "signer.pem"
    write_signer_key(path, generate_signer_key())
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        write_signer_key(path, generate_signer_key())
    assert path.read_bytes() == before


def test_a_passphrase_protected_signer_key_needs_its_passphrase(tmp_path):
    path = tmp_path / "signer.pem"
    write_signer_key(path, generate_signer_key(), passphrase=b"correct horse")
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert load_signer(path, passphrase=b"correct horse").kid
    with pytest.raises(KeyFileError):
        load_signer(path)


def test_it_rejects_a_signer_key_that_is_not_ed25519(tmp_path):
    path = tmp_path / "p256.pem"
    path.write_bytes(
        ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(KeyFileError, match="must be Ed25519"):
        load_signer(path)


def test_the_published_list_round_trips_with_every_field(tmp_path, office_key, signer, now):
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    other = IssuerKey(
        kid=key_id(p256), alg=-7, public_key=p256, issuer="HSM Office", valid_from=now, status="active"
    )
    keys = revoke_key([office_key, other], other.kid, now + timedelta(hours=1))
    path = tmp_path / "published-keys.json"
    export_public_key_list(keys, path)
    entries = json.loads(path.read_text())
    assert entries[0]["alg"] == "EdDSA" and base64.b64decode(entries[0]["kid"]) == signer.kid
    assert len(base64.b64decode(entries[0]["public_key"])) == 32
    assert entries[1]["public_key"].startswith("-----BEGIN PUBLIC KEY-----")
    assert entries[1]["status"] == "revoked" and entries[1]["revoked_at"] == "2026-05-01T09:00:00Z"
    loaded = read_public_key_list(path)
    assert [(k.kid, k.alg, k.issuer, k.valid_from, k.status, k.revoked_at) for k in loaded] == [
        (k.kid, k.alg, k.issuer, k.valid_from, k.status, k.revoked_at) for k in keys
    ]
    assert len(load_keyring(path)) == 2


def _entry(office_key) -> dict:
    from kinward.engines.credentials.keys import key_to_json

    return key_to_json(office_key)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kid": base64.b64encode(b"12345678").decode()}, "does not match the key"),
        ({"kid": "***"}, "not base64"),
        ({"alg": "ES256"}, "does not fit"),
        ({"status": "lost"}, "status"),
        ({"status": "revoked"}, "revoked_at"),
        ({"status": "retired"}, "valid_to"),
        ({"revoked_at": "2026-01-01T00:00:00Z"}, "revoked_at is set"),
        ({"valid_from": "yesterday"}, "valid_from"),
        ({"valid_from": "2026-01-01T00:00:00"}, "UTC offset"),
        ({"issuer": ""}, "issuer"),
        ({"public_key": "AAAA"}, "public key"),
        ({"colour": "red"}, "unknown fields"),
    ],
)
def test_it_rejects_a_malformed_list_entry_naming_the_field(tmp_path, office_key, change, problem):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps([_entry(office_key) | change]))
    with pytest.raises(KeyFileError, match=problem) as failure:
        load_keyring(path)
    assert "entry 0" in str(failure.value)


def test_it_rejects_a_list_that_is_missing_not_an_array_or_has_a_duplicate_kid(tmp_path, office_key):
    with pytest.raises(KeyFileError, match="not found"):
        load_keyring(tmp_path / "absent.json")
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"keys": []}))
    with pytest.raises(KeyFileError, match="JSON array"):
        load_keyring(path)
    path.write_text(json.dumps([_entry(office_key), _entry(office_key)]))
    with pytest.raises(KeyFileError, match="appears twice"):
        load_keyring(path)


def _self_signed_rsa_certificate() -> bytes:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Synthetic Test Registry")])
    start = datetime(2026, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365))
        .sign(private_key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def test_a_list_entry_may_carry_an_x509_certificate_with_the_hcert_kid(tmp_path):
    der = _self_signed_rsa_certificate()
    key = IssuerKey.from_certificate(der, issuer="Synthetic Test Registry")
    assert key.kid == certificate_key_id(der) and key.alg == -37
    path = tmp_path / "keys.json"
    export_public_key_list([key], path)
    assert "certificate" in json.loads(path.read_text())[0]
    (loaded,) = load_keyring(path)
    assert loaded.kid == key.kid and loaded.valid_to == datetime(2027, 1, 1, tzinfo=UTC)
    assert Keyring([loaded]).find(key.kid) is loaded
