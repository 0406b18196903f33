"""Property-based tests of the codec: Base45, zlib, COSE_Sign1 and CWT round trips, and tamper evidence."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta

import base45 as reference_base45
import cbor2
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kinward.engines.credentials import (
    SEXES,
    BadBase45Error,
    BirthClaims,
    Keyring,
    Signer,
    base45_decode,
    base45_encode,
    deflate,
    encode_transport,
    inflate,
    issue_certificate,
    key_id,
    published_key,
    verify,
)

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
OFFICE = "Synthetic Registry Office"
PRIVATE_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SIGNER = Signer(private_key=PRIVATE_KEY, kid=key_id(PRIVATE_KEY.public_key()))
KEYRING = Keyring([published_key(SIGNER, issuer=OFFICE, valid_from=datetime(2000, 1, 1, tzinfo=UTC))])

names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=40,
)


@st.composite
def birth_claims(draw) -> BirthClaims:
    issued_at = draw(
        st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC))
    )
    tree_size = draw(st.integers(min_value=1, max_value=2**63))
    expires = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10**9)))
    return BirthClaims(
        newborn_id=draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,30}", fullmatch=True)),
        date_of_birth=draw(st.dates(min_value=date(1990, 1, 1), max_value=issued_at.date())),
        sex=draw(st.sampled_from(SEXES)),
        facility_name=draw(names),
        region_code=draw(st.from_regex(r"[A-Z0-9][A-Z0-9-]{0,8}", fullmatch=True)),
        issuing_office=OFFICE,
        issued_at=issued_at,
        log_index=draw(st.integers(min_value=0, max_value=tree_size - 1)),
        tree_size=tree_size,
        root_hash=draw(st.binary(min_size=32, max_size=32)),
        expires_at=None if expires is None else issued_at + timedelta(seconds=expires),
    )


@settings(deadline=None)
@given(st.binary(max_size=600))
def test_base45_round_trips_any_bytes_and_agrees_with_the_reference_library(data: bytes) -> None:
    text = base45_encode(data)
    assert set(text) <= set(ALPHABET)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert base45_decode(text) == data == reference_base45.b45decode(text)


@settings(deadline=None)
@given(st.text(alphabet=ALPHABET + string.ascii_lowercase + "=\n", max_size=30))
def test_base45_decoding_either_fails_cleanly_or_is_canonical(text: str) -> None:
    try:
        data = base45_decode(text)
    except BadBase45Error:
        return
    assert base45_encode(data) == text


@settings(deadline=None)
@given(st.binary(max_size=2000))
def test_zlib_layer_round_trips_any_bytes(data: bytes) -> None:
    assert inflate(deflate(data)) == data


@settings(max_examples=60, deadline=None)
@given(birth_claims())
def test_any_claims_round_trip_through_the_signed_certificate(claims: BirthClaims) -> None:
    text = issue_certificate(claims, SIGNER)
    assert set(text[4:]) <= set(ALPHABET)
    now = claims.issued_at + timedelta(seconds=1)
    result = verify(text, KEYRING, now=now)
    assert result.valid, result.detail
    assert result.claims == claims


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(birth_claims(), st.integers(min_value=0), st.sampled_from(ALPHABET + "a=#\n"))
def test_no_single_character_change_of_the_base45_text_verifies(
    claims: BirthClaims, where: int, new: str
) -> None:
    text = issue_certificate(claims, SIGNER)
    position = 4 + where % (len(text) - 4)
    if text[position] == new:
        new = ALPHABET[(ALPHABET.index(new) + 1) % 45] if new in ALPHABET else "0"
    mutated = text[:position] + new + text[position + 1 :]
    now = claims.issued_at + timedelta(seconds=1)
    assert verify(text, KEYRING, now=now).valid
    result = verify(mutated, KEYRING, now=now)
    assert not result.valid
    assert result.reason in {"bad_base45", "bad_compression", "bad_cose", "unknown_key", "bad_signature"}


cbor_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | st.binary(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.integers() | st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_verify_never_raises_on_arbitrary_text(text: str) -> None:
    result = verify(text, KEYRING, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert not result.valid and result.reason is not None


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=300), cbor_values.map(cbor2.dumps)))
def test_verify_never_raises_on_arbitrary_compressed_content(content: bytes) -> None:
    result = verify(encode_transport(content), KEYRING, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert not result.valid and result.reason in {"bad_cose", "unknown_key", "bad_signature"}


@settings(max_examples=200, deadline=None)
@given(cbor_values, st.binary(max_size=80))
def test_a_cose_message_naming_our_kid_with_any_payload_is_never_valid(payload, signature) -> None:
    protected = cbor2.dumps({1: -8, 4: SIGNER.kid})
    message = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, cbor2.dumps(payload), signature]))
    result = verify(encode_transport(message), KEYRING, now=datetime(2030, 1, 1, tzinfo=UTC))
    assert (result.valid, result.reason) == (False, "bad_signature")
