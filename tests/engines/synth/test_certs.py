"""The synthetic country's certificates are real credentials: signed with one derived key per registry office,
published in the manifest's issuer_keys, byte-identical to what the credentials engine issues; the planted
forgeries are real forgeries that fail verification."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import base45 as base45_lib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.credentials import BirthClaims, Keyring, Signer, issue_certificate, verify
from kinward.engines.credentials.keys import key_from_json
from kinward.engines.ids import validate as validate_id
from kinward.engines.interchange import parse_time, read_manifest
from kinward.engines.interchange.certificates import (
    CertificateChecker,
    IssuerKeysError,
    dataset_certificate_outcomes,
)
from kinward.engines.synth.certs import CertificateIssuer, base45, dataset_salt, log_anchor, newborn_id

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def issuer() -> CertificateIssuer:
    salt = dataset_salt(7, 2000, "ID", dt.date(2026, 1, 1), "test")
    return CertificateIssuer(
        salt, {"A-1": "Civil Registry North", "A-2": "Civil Registry South"}, NOW.replace(year=2024)
    )


def claims(iss: CertificateIssuer, office: str = "A-1", **change) -> BirthClaims:
    index, size, root = log_anchor(iss.salt, 5)
    facts = {
        "newborn_id": newborn_id(iss.salt, "B-0000005"),
        "date_of_birth": dt.date(2025, 3, 1),
        "sex": "F",
        "facility_name": "Rumah Sakit Umum Daerah Sukamaju",
        "region_code": "ID-R-002",
        "issued_at": dt.datetime(2025, 3, 8, 2, tzinfo=dt.UTC),
        "log_index": index,
        "tree_size": size,
        "root_hash": root,
    }
    return iss.claims(office, **(facts | change))


def keyring(iss: CertificateIssuer) -> Keyring:
    return Keyring([key_from_json(entry) for entry in iss.issuer_keys()])


def test_a_certificate_is_byte_identical_to_what_the_credentials_engine_issues() -> None:
    iss = issuer()
    key = iss.keys["A-1"]
    signed = claims(iss)
    assert iss.issue("A-1", signed) == issue_certificate(signed, Signer(key.private_key, key.kid))
    result = verify(iss.issue("A-1", signed), keyring(iss), now=NOW)
    assert result.valid and result.claims == signed


def test_keys_are_derived_per_office_and_seed_and_published_in_the_credentials_form() -> None:
    a, b = issuer(), issuer()
    assert [k.kid for k in a.keys.values()] == [k.kid for k in b.keys.values()]
    assert a.keys["A-1"].kid != a.keys["A-2"].kid
    other = CertificateIssuer(dataset_salt(8, 2000, "ID", dt.date(2026, 1, 1), "test"), {"A-1": "X"}, NOW)
    assert other.keys["A-1"].kid != a.keys["A-1"].kid
    entries = a.issuer_keys()
    assert [e["issuer"] for e in entries] == ["Civil Registry North", "Civil Registry South"]
    assert set(entries[0]) == {
        "kid",
        "alg",
        "public_key",
        "issuer",
        "valid_from",
        "valid_to",
        "status",
        "revoked_at",
    }
    assert entries[0]["alg"] == "EdDSA" and entries[0]["status"] == "active"


def test_forgeries_fail_with_bad_signature_not_as_unverified() -> None:
    iss = issuer()
    ring = keyring(iss)
    for text in (iss.forge_wrong_key("A-1", claims(iss)), iss.forge_tampered("A-1", claims(iss), -60)):
        result = verify(text, ring, now=NOW)
        assert not result.valid and result.reason == "bad_signature"
    # the same certificate under another office's name: the kid is listed but the key is not the signer's
    wrong_office = iss.forge_wrong_key("A-2", claims(iss, "A-2"))
    assert verify(wrong_office, ring, now=NOW).reason == "bad_signature"


@given(st.binary(max_size=300))
def test_the_table_base45_equals_the_reference_codec(data: bytes) -> None:
    assert base45(data) == base45_lib.b45encode(data).decode("ascii")


@given(st.text(alphabet="BCEPS-0123456789", min_size=1, max_size=12))
def test_synthetic_newborn_ids_are_valid_ids_of_the_ids_engine(ref: str) -> None:
    value = newborn_id(hashlib.sha256(b"salt").digest(), ref)
    result = validate_id(value)
    assert result.valid and result.id == value


def test_every_certificate_of_a_dataset_verifies_except_the_planted_forgeries(synth_dir) -> None:
    result = synth_dir(2000, 7)
    planted = {p["subject"]["ref"] for p in result.truth["patterns"] if p["pattern"] == "invalid_certificate"}
    outcomes = dataset_certificate_outcomes(result.path)
    assert set(outcomes) == planted and len(planted) >= 2
    assert {outcome for outcome, _ in outcomes.values()} == {"invalid"}
    manifest = read_manifest(result.path)
    offices = {
        json.loads(line)["name"]
        for line in (Path(result.path) / "agencies.jsonl").open()
        if json.loads(line)["kind"] == "registry_office"
    }
    assert {entry["issuer"] for entry in manifest["issuer_keys"]} == offices


def test_the_checker_follows_the_rules_outcomes(synth_dir) -> None:
    result = synth_dir(2000, 7)
    manifest = read_manifest(result.path)
    texts = [json.loads(line) for line in (Path(result.path) / "certificates.jsonl").open()]
    genuine = next(t["text"] for t in texts if t["ref"] not in dataset_certificate_outcomes(result.path))
    created = parse_time(manifest["created"])
    listed = CertificateChecker(manifest["issuer_keys"], created, placeholder="KW-DUMMY:")
    assert listed.check(genuine, None) == ("valid", "signature verified")
    assert listed.check(genuine, "0000000000X")[0] == "invalid"
    assert listed.check("KW-DUMMY:C-1", None)[0] == "unverified"
    unlisted = CertificateChecker(manifest["issuer_keys"][1:], created)
    verdicts = {unlisted.check(t["text"], None)[0] for t in texts}
    assert "unverified" in verdicts  # the office whose key was left out: unknown_key, never invalid
    assert CertificateChecker(None, created).check(genuine, None)[0] == "unverified"
    assert CertificateChecker(None, created).check("KW1:%%%", None)[0] == "invalid"
    with pytest.raises(IssuerKeysError, match=r"issuer_keys\[0\]"):
        CertificateChecker([{"kid": "AAAA"}], created)
