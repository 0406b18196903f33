"""Certificate checks: Base45 decoding, the structural check, and the pluggable verifier."""

from __future__ import annotations

import zlib

import base45
import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.rules.checks import (
    base45_decode,
    check_certificates,
    default_id_validator,
    structural_check,
)


@given(st.binary(max_size=200))
def test_base45_decoding_inverts_the_reference_encoder(data):
    assert base45_decode(base45.b45encode(data).decode()) == data


@pytest.mark.parametrize("text", ["A", "GGW", "ab", "~~"])
def test_base45_decoding_refuses_malformed_text(text):
    with pytest.raises(ValueError):
        base45_decode(text)


def kw1(payload: bytes) -> str:
    return "KW1:" + base45.b45encode(zlib.compress(payload)).decode()


COSE = cbor2.dumps(cbor2.CBORTag(18, [b"\xa1\x01\x27", {}, b"payload", b"\x00" * 64]))


@pytest.mark.parametrize(
    ("text", "status", "reason"),
    [
        (kw1(COSE), "unverified", "structure sound"),
        ("HC1:" + kw1(COSE)[4:], "invalid", "bad_prefix"),
        ("KW1:lower case", "invalid", "bad_base45"),
        ("KW1:" + base45.b45encode(b"plain").decode(), "invalid", "bad_compression"),
        (kw1(cbor2.dumps([1, 2])), "invalid", "bad_cose"),
        (kw1(b"\xff\xff"), "invalid", "bad_cose"),
    ],
)
def test_the_structural_check_follows_the_transport_layers(text, status, reason):
    result = structural_check(text)
    assert result.status == status and result.reason.startswith(reason)


def test_a_verified_certificate_with_another_childs_id_fails():
    from kinward.engines.rules.checks import CertificateCheck

    def verifier(text):
        return CertificateCheck("valid", "ok", "ID-1")

    found = check_certificates([("C1", "x", "ID-1"), ("C2", "x", "ID-2"), ("C3", "x", None)], verifier)
    assert [(ref, status) for ref, status, *_ in found] == [("C2", "invalid")]


def test_the_id_validator_comes_from_the_ids_engine():
    pytest.importorskip("kinward.engines.ids")
    validate = default_id_validator()
    assert validate("4TWH79Y4THC") == (True, "")
    ok, reason = validate("4TWH79Y4THD")
    assert not ok and "check character" in reason


_ID_CHARS = "0123456789ACDEFGHJKMNPRTUVWXYBOQILZS -abc"


@given(st.text(alphabet=_ID_CHARS, min_size=0, max_size=14) | st.sampled_from(["4TWH79Y4THC", "4TWH79Y4THD"]))
def test_the_id_validators_fast_path_gives_the_full_validations_verdict(text):
    from kinward.engines import ids

    validate = default_id_validator()
    full = ids.validate(text)
    expected = full.valid and full.id == text.replace("-", "").upper() and not full.corrections
    assert validate(text)[0] == expected


def test_the_id_validator_accepts_fresh_ids_and_refuses_each_single_substitution():
    from kinward.engines import ids

    validate = default_id_validator()
    for newborn_id in ids.new_ids(20):
        assert validate(newborn_id) == (True, "")
        wrong = ("1" if newborn_id[3] != "1" else "2").join((newborn_id[:3], newborn_id[4:]))
        assert validate(wrong)[0] is False and "check character" in validate(wrong)[1]
