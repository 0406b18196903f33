"""Canonical event encoding and salted commitments for ledger leaves."""

from __future__ import annotations

import pytest

from kinward.engines.ledger import (
    LeafEncodingError,
    canonical_json,
    commitment,
    commitments,
    new_record_secret,
)


def test_canonical_json_sorts_keys_drops_whitespace_and_keeps_utf8() -> None:
    event = {
        "type": "birth",
        "facility": "Clinique Sainte-Anne",
        "child": {"name_c": "ab", "seq": 2},
        "ok": True,
    }
    assert canonical_json(event) == (
        b'{"child":{"name_c":"ab","seq":2},"facility":"Clinique Sainte-Anne","ok":true,"type":"birth"}'
    )
    assert canonical_json({"place": "Bogotá"}) == '{"place":"Bogotá"}'.encode()
    assert canonical_json({"b": 1, "a": 2}) == canonical_json({"a": 2, "b": 1})


def test_canonical_json_refuses_values_without_one_encoding() -> None:
    with pytest.raises(LeafEncodingError, match=r"event.weight_kg is a float"):
        canonical_json({"weight_kg": 3.2})
    with pytest.raises(LeafEncodingError, match="non-string key"):
        canonical_json({"a": {1: "x"}})


def test_commitment_is_hmac_sha256_rfc4231_case_1() -> None:
    assert commitment(b"\x0b" * 20, "Hi There") == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    )


def test_commitments_hide_values_behind_the_per_record_secret() -> None:
    first, second = new_record_secret(), new_record_secret()
    assert len(first) == 32 and first != second
    assert commitment(first, "Amina") != commitment(second, "Amina")
    assert commitment(first, "Jose\u0301") == commitment(first, "Jos\u00e9")  # NFC
    with pytest.raises(LeafEncodingError, match="at least 16 bytes"):
        commitment(b"short", "Amina")


def test_commitments_by_name_equal_one_commitment_per_value() -> None:
    secret = new_record_secret()
    values = {"name": "Siti Rahayu", "place": "Cafe\u0301", "empty": "", "other": "Café"}
    found = commitments(secret, values)
    assert found == {name: commitment(secret, value) for name, value in values.items()}
    assert found["place"] == found["other"]  # NFC first, as `commitment` does
    with pytest.raises(LeafEncodingError):
        commitments(b"short", values)
    with pytest.raises(LeafEncodingError):
        commitments(secret, {"weight": 3200})  # type: ignore[dict-item]


def test_canonical_json_checks_nested_values_and_accepts_subclasses_of_plain_types() -> None:
    class Name(str):
        pass

    assert canonical_json({"a": [Name("x"), {"b": True}]}) == b'{"a":["x",{"b":true}]}'
    with pytest.raises(LeafEncodingError, match=r"event\.a\[1\]\.b is a float"):
        canonical_json({"a": [1, {"b": 1.5}]})
