"""The decoding layers against all EU HCERT `common` test vectors (tests/data/hcert, Apache-2.0).

For every flag present in a vector's EXPECTEDRESULTS among the transport and crypto steps, the step is run with
Kinward's own code (prefix parameter `HC1:`) and its success is compared with the flag.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import cbor2
import pytest
import segno

from kinward.engines.credentials import (
    CredentialError,
    IssuerKey,
    Keyring,
    UnreadableImageError,
    base45_decode,
    check_validity_period,
    decode_cwt_claims,
    decode_transport,
    inflate,
    parse_cose_sign1,
    parse_rfc3339,
    read_qr_text,
    strip_prefix,
    verify_cose_signature,
)

VECTORS = Path(__file__).resolve().parents[2] / "data" / "hcert" / "common"
HCERT_PREFIX = "HC1:"
HCERT_CLAIM = -260  # eHealth Network HCERT spec section 2.6.3: claim -260, key 1 holds the DGC

# Flags present in the vectors that are not transport or crypto steps: they test the COVID certificate's own
# semantics (key-usage OIDs per certificate type, the DGC JSON schema), which Kinward does not implement.
NOT_CHECKED_FLAGS = {"EXPECTEDKEYUSAGE", "EXPECTEDSCHEMAVALIDATION"}

# (vector, step) -> why our result differs from the flag. Keep short; every entry must be truly needed.
# Currently none: all 46 flagged steps agree (B1's picture step renders its PREFIX, see step_picture).
EXPECTED_FAILURES: dict[tuple[str, str], str] = {}


def load_vector(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def certificate_keyring(vector: Mapping[str, Any]) -> Keyring:
    der = base64.b64decode(vector["TESTCTX"]["CERTIFICATE"])
    return Keyring([IssuerKey.from_certificate(der)])


def cose_bytes(vector: Mapping[str, Any]) -> bytes:
    if "COSE" in vector:
        return bytes.fromhex(vector["COSE"])
    return decode_transport(vector["PREFIX"], HCERT_PREFIX)


def step_unprefix(vector: Mapping[str, Any]) -> bool:
    rest = strip_prefix(vector["PREFIX"], HCERT_PREFIX)
    return "BASE45" not in vector or rest == vector["BASE45"]


def step_b45decode(vector: Mapping[str, Any]) -> bool:
    decoded = base45_decode(vector["BASE45"])
    return "COMPRESSED" not in vector or decoded == bytes.fromhex(vector["COMPRESSED"])


def step_compression(vector: Mapping[str, Any]) -> bool:
    inflated = inflate(bytes.fromhex(vector["COMPRESSED"]))
    return "COSE" not in vector or inflated == bytes.fromhex(vector["COSE"])


def step_verify(vector: Mapping[str, Any]) -> bool:
    message = parse_cose_sign1(cose_bytes(vector))
    key = certificate_keyring(vector).find(message.kid)
    verify_cose_signature(message, key.public_key)
    return True


def _payload_matches(vector: Mapping[str, Any], cose: bytes) -> bool:
    cwt = decode_cwt_claims(parse_cose_sign1(cose).payload)
    hcert = cwt.get(HCERT_CLAIM)
    dgc = hcert.get(1) if isinstance(hcert, Mapping) else None
    if not isinstance(dgc, Mapping):
        return False
    if "CBOR" in vector and cbor2.loads(bytes.fromhex(vector["CBOR"])) != dgc:
        return False
    return "JSON" not in vector or json.loads(json.dumps(dgc)) == vector["JSON"]


def step_decode(vector: Mapping[str, Any]) -> bool:
    return _payload_matches(vector, cose_bytes(vector))


def step_valid_json(vector: Mapping[str, Any]) -> bool:
    """The whole chain from the prefixed text: unprefix, Base45, inflate, verify, decode, compare with JSON."""
    cose = decode_transport(vector["PREFIX"], HCERT_PREFIX)
    message = parse_cose_sign1(cose)
    verify_cose_signature(message, certificate_keyring(vector).find(message.kid).public_key)
    return _payload_matches(vector, cose)


def step_expiration(vector: Mapping[str, Any]) -> bool:
    cwt = decode_cwt_claims(parse_cose_sign1(cose_bytes(vector)).payload)
    clock = parse_rfc3339(vector["TESTCTX"]["VALIDATIONCLOCK"])
    check_validity_period(cwt, clock, clock_skew=timedelta(0))
    return True


def step_picture(vector: Mapping[str, Any]) -> bool:
    """2DCODE read by zxing-cpp equals PREFIX.

    B1 sets this flag but ships no 2DCODE picture; there we render PREFIX ourselves (segno, automatic mode,
    since B1's text holds '=' outside the alphanumeric set) and read that picture back.
    """
    if "2DCODE" in vector:
        picture = base64.b64decode(vector["2DCODE"])
    else:
        buffer = io.BytesIO()
        segno.make_qr(vector["PREFIX"], error="q").save(buffer, kind="png", scale=3)
        picture = buffer.getvalue()
    return read_qr_text(picture) == vector["PREFIX"]


STEPS: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "EXPECTEDUNPREFIX": step_unprefix,
    "EXPECTEDB45DECODE": step_b45decode,
    "EXPECTEDCOMPRESSION": step_compression,
    "EXPECTEDVERIFY": step_verify,
    "EXPECTEDDECODE": step_decode,
    "EXPECTEDVALIDJSON": step_valid_json,
    "EXPECTEDEXPIRATIONCHECK": step_expiration,
    "EXPECTEDPICTUREDECODE": step_picture,
}


def run_step(step: str, vector: Mapping[str, Any]) -> bool:
    try:
        return STEPS[step](vector)
    except (CredentialError, UnreadableImageError, cbor2.CBORDecodeError):
        return False


def vector_cases() -> list[Any]:
    cases = []
    for path in sorted(VECTORS.glob("*.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))["EXPECTEDRESULTS"]
        for flag, outcome in sorted(expected.items()):
            if flag in STEPS:
                marks = []
                why = EXPECTED_FAILURES.get((path.stem, flag))
                if why:
                    marks.append(pytest.mark.xfail(reason=why, strict=True))
                cases.append(pytest.param(path.stem, flag, outcome, id=f"{path.stem}-{flag}", marks=marks))
    return cases


def test_the_vector_folder_holds_all_38_common_vectors() -> None:
    assert len(list(VECTORS.glob("*.json"))) == 38


def test_every_flag_in_the_vectors_is_either_checked_or_documented_as_not_checked() -> None:
    flags = set()
    for path in VECTORS.glob("*.json"):
        flags |= set(json.loads(path.read_text(encoding="utf-8"))["EXPECTEDRESULTS"])
    assert flags <= set(STEPS) | NOT_CHECKED_FLAGS
    assert flags & set(STEPS) == set(STEPS)


@pytest.mark.parametrize(("name", "step", "expected"), vector_cases())
def test_each_step_succeeds_exactly_when_the_vector_says_so(name: str, step: str, expected: bool) -> None:
    assert run_step(step, load_vector(name)) is expected


@pytest.mark.parametrize(
    ("name", "step", "reason"),
    [
        ("H1", "EXPECTEDUNPREFIX", "bad_prefix"),
        ("H2", "EXPECTEDUNPREFIX", "bad_prefix"),
        ("H3", "EXPECTEDUNPREFIX", "bad_prefix"),
        ("B1", "EXPECTEDB45DECODE", "bad_base45"),
        ("Z1", "EXPECTEDCOMPRESSION", "bad_compression"),
        ("Z2", "EXPECTEDCOMPRESSION", "bad_compression"),
        ("CBO2", "EXPECTEDVERIFY", "bad_cose"),
        ("CO5", "EXPECTEDVERIFY", "bad_signature"),
        ("CO22", "EXPECTEDVERIFY", "unknown_key"),
        ("CO23", "EXPECTEDVERIFY", "unknown_key"),
        ("CO16", "EXPECTEDEXPIRATIONCHECK", "not_yet_valid"),
        ("CO17", "EXPECTEDEXPIRATIONCHECK", "expired"),
    ],
)
def test_each_failing_vector_fails_at_its_own_layer(name: str, step: str, reason: str) -> None:
    with pytest.raises(CredentialError) as failure:
        STEPS[step](load_vector(name))
    assert failure.value.reason == reason


def test_the_unreadable_picture_vector_yields_no_qr_text() -> None:
    with pytest.raises(UnreadableImageError):
        read_qr_text(base64.b64decode(load_vector("Q1")["2DCODE"]))


@pytest.mark.parametrize("name", ["CO1", "CO2"])
def test_rsa_pss_vectors_verify_with_ps256(name: str) -> None:
    message = parse_cose_sign1(cose_bytes(load_vector(name)))
    assert message.alg == -37
    verify_cose_signature(message, certificate_keyring(load_vector(name)).find(message.kid).public_key)


def test_the_cwt_tagged_vector_unwraps_both_tags_and_keeps_its_kid() -> None:
    vector = load_vector("CO28")
    assert bytes.fromhex(vector["COSE"])[:2] == b"\xd8\x3d"  # tag 61 (CWT) around tag 18 (COSE_Sign1)
    message = parse_cose_sign1(cose_bytes(vector))
    assert message.kid == bytes.fromhex("5f74910195c5cecb")
