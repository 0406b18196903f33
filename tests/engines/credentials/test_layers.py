"""Each layer on its own: prefix, Base45 (RFC 9285), zlib, COSE_Sign1 (RFC 9052), CWT claims (RFC 8392)."""

from __future__ import annotations

import hashlib
import zlib
from datetime import UTC, date, datetime, timedelta, timezone

import cbor2
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kinward.engines.credentials import (
    BIRTH_CLAIM_KEY,
    BadBase45Error,
    BadClaimsError,
    BadCompressionError,
    BadCoseError,
    BadPrefixError,
    BadSignatureError,
    BirthClaims,
    ClaimsError,
    ExpiredError,
    NotYetValidError,
    base45_decode,
    base45_encode,
    check_validity_period,
    decode_cwt_claims,
    inflate,
    key_id,
    parse_cose_sign1,
    sign_cose_sign1,
    strip_prefix,
    verify_cose_signature,
)


def test_base45_matches_the_rfc_9285_examples() -> None:
    assert base45_encode(b"AB") == "BB8"
    assert base45_encode(b"Hello!!") == "%69 VD92EX0"
    assert base45_encode(b"base-45") == "UJCLQE7W581"
    assert base45_decode("QED8WEX0") == b"ietf!"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("GGW", "out of range"),
        ("GGWGGW", "out of range"),
        ("ABCD", "dangling"),
        ("abc", "alphabet"),
        ("BB8\n", "alphabet"),
    ],
)
def test_base45_decoding_rejects_what_rfc_9285_forbids(text: str, problem: str) -> None:
    with pytest.raises(BadBase45Error, match=problem):
        base45_decode(text)


def test_prefix_must_be_exact() -> None:
    assert strip_prefix("KW1:ABC") == "ABC"
    assert strip_prefix("HC1:ABC", "HC1:") == "ABC"
    for text in ("HC1:ABC", "kw1:ABC", " KW1:ABC", "ABC"):
        with pytest.raises(BadPrefixError):
            strip_prefix(text)


def test_inflate_rejects_truncated_trailing_and_oversized_streams() -> None:
    stream = zlib.compress(b"x" * 1000, 9)
    assert inflate(stream) == b"x" * 1000
    with pytest.raises(BadCompressionError, match="truncated"):
        inflate(stream[:-3])
    with pytest.raises(BadCompressionError, match="follow the end"):
        inflate(stream + b"\x00")
    with pytest.raises(BadCompressionError, match="more than"):
        inflate(zlib.compress(b"\x00" * 100_000))
    with pytest.raises(BadCompressionError, match="does not inflate"):
        inflate(b"not zlib")


def test_kid_is_the_first_8_bytes_of_sha256_over_the_spki() -> None:
    key = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()
    # SPKI of an Ed25519 key = 12-byte RFC 8410 header + raw key; digest computed independently below.
    spki = bytes.fromhex("302a300506032b6570032100") + key.public_bytes_raw()
    assert key_id(key) == hashlib.sha256(spki).digest()[:8]
    assert len(key_id(key)) == 8


def test_signed_message_carries_alg_and_kid_in_the_protected_header() -> None:
    private_key = ed25519.Ed25519PrivateKey.generate()
    kid = key_id(private_key.public_key())
    raw = sign_cose_sign1(b"payload", private_key, kid)
    assert raw[0] == 0xD2  # CBOR tag 18
    message = parse_cose_sign1(raw)
    assert message.protected == {1: -8, 4: kid} and message.unprotected == {}
    verify_cose_signature(message, private_key.public_key())


def test_a_key_of_another_type_cannot_verify_even_with_a_matching_alg_header() -> None:
    private_key = ed25519.Ed25519PrivateKey.generate()
    message = parse_cose_sign1(sign_cose_sign1(b"payload", private_key, b"k"))
    with pytest.raises(BadSignatureError, match="does not match"):
        verify_cose_signature(message, ec.generate_private_key(ec.SECP256R1()).public_key())
    with pytest.raises(BadSignatureError, match="does not verify"):
        verify_cose_signature(message, ed25519.Ed25519PrivateKey.generate().public_key())


def test_rsa_keys_under_2048_bits_are_refused() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key()
    message = parse_cose_sign1(cbor2.dumps([cbor2.dumps({1: -37}), {}, b"p", b"s"]))
    with pytest.raises(ValueError, match="unsupported public key"):
        verify_cose_signature(message, small)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xff", "not well-formed"),
        (cbor2.dumps([b"", {}, b"p"]), "array of 4"),
        (cbor2.dumps(cbor2.CBORTag(98, [b"", {}, b"p", b"s"])), "tag 98"),
        (cbor2.dumps([b"", {}, None, b"s"]), "detached"),
        (cbor2.dumps([b"\xa1\x01", {}, b"p", b"s"]), "protected header"),
        (cbor2.dumps([b"", [], b"p", b"s"]), "not a map"),
        (cbor2.dumps([b"", {4: "text"}, b"p", b"s"]), "kid"),
        (cbor2.dumps([b"", {}, b"p", b"s"]) + b"\x00", "trailing"),
    ],
)
def test_malformed_cose_is_rejected_with_the_problem_named(raw: bytes, problem: str) -> None:
    with pytest.raises(BadCoseError, match=problem):
        parse_cose_sign1(raw)


def test_claims_round_trip_through_the_cwt_map(make_claims) -> None:
    claims = make_claims(
        not_before=datetime(2026, 5, 1, tzinfo=UTC), expires_at=datetime(2076, 5, 1, tzinfo=UTC)
    )
    cwt = cbor2.loads(claims.to_cbor())
    assert set(cwt) == {1, 4, 5, 6, BIRTH_CLAIM_KEY}
    assert cwt[1] == claims.issuing_office and cwt[6] == int(claims.issued_at.timestamp())
    assert set(cwt[BIRTH_CLAIM_KEY]) == {1, 2, 3, 4, 5, 6}
    assert BirthClaims.from_cwt_map(cwt) == claims


def test_claims_normalise_times_to_utc_whole_seconds(make_claims) -> None:
    local = datetime(2026, 5, 1, 15, 0, 0, 987654, tzinfo=UTC).astimezone(timezone(timedelta(hours=7)))
    claims = make_claims(issued_at=local)
    assert claims.issued_at == datetime(2026, 5, 1, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"newborn_id": ""}, "newborn_id"),
        ({"newborn_id": "has space"}, "newborn_id"),
        ({"sex": "female"}, "sex"),
        ({"facility_name": "  "}, "facility_name"),
        ({"region_code": "vn-hn"}, "region_code"),
        ({"issued_at": datetime(2026, 5, 1)}, "issued_at"),
        ({"date_of_birth": date(2026, 5, 2)}, "date_of_birth"),
        ({"log_index": 1300}, "log_index"),
        ({"log_index": True}, "log_index"),
        ({"root_hash": b"short"}, "root_hash"),
        ({"expires_at": datetime(2026, 4, 1, tzinfo=UTC)}, "expires_at"),
    ],
)
def test_it_rejects_invalid_claims_naming_the_field(make_claims, change: dict, field: str) -> None:
    with pytest.raises(ClaimsError, match=field):
        make_claims(**change)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda cwt: cwt.pop(BIRTH_CLAIM_KEY),
        lambda cwt: cwt.pop(6),
        lambda cwt: cwt.__setitem__(7, b"cti"),
        lambda cwt: cwt[BIRTH_CLAIM_KEY].pop(3),
        lambda cwt: cwt[BIRTH_CLAIM_KEY].__setitem__(2, "30/04/2026"),
        lambda cwt: cwt[BIRTH_CLAIM_KEY].__setitem__(6, [1, 2]),
        lambda cwt: cwt.__setitem__(6, "yesterday"),
    ],
)
def test_it_rejects_a_malformed_cwt_map_as_bad_claims(make_claims, mutate) -> None:
    cwt = make_claims().to_cwt_map()
    mutate(cwt)
    with pytest.raises(BadClaimsError):
        BirthClaims.from_cwt_map(decode_cwt_claims(cbor2.dumps(cwt)))


def test_payload_that_is_not_a_claims_map_is_bad_claims() -> None:
    for payload in (b"\xff", cbor2.dumps([1, 2])):
        with pytest.raises(BadClaimsError):
            decode_cwt_claims(payload)


def test_validity_period_checks_iat_nbf_and_exp_with_clock_skew() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    t = int(now.timestamp())
    check_validity_period({6: t + 60}, now)  # within the default 5-minute skew
    with pytest.raises(NotYetValidError):
        check_validity_period({6: t + 60}, now, clock_skew=timedelta(0))
    with pytest.raises(NotYetValidError):
        check_validity_period({6: t, 5: t + 3600}, now)
    with pytest.raises(ExpiredError):
        check_validity_period({6: t - 7200, 4: t - 3600}, now)
    check_validity_period({6: t - 7200, 4: t + 3600}, now)
