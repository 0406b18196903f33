"""Leaf encoding for registry events: canonical JSON bytes and salted commitments to personal fields.

The public log must hold no personal data. An event leaf is the canonical JSON of a dict in which every
personal field (name, date of birth, place...) is replaced by `commitment(record_secret, value)`: an
HMAC-SHA256 keyed with a random per-record secret kept in the registry, never in the log. Without the secret a
low-entropy value cannot be guessed from the public leaf; with it, the registry (or the family, given the secret)
can show that a value is the one committed.
"""

from __future__ import annotations

import hmac
import json
import secrets
import unicodedata
from typing import Any

from .errors import LedgerError

MIN_SECRET_BYTES = 16


class LeafEncodingError(LedgerError, ValueError):
    """An event cannot be encoded canonically (a float, a non-string key, a secret too short...)."""


def _check_canonical(value: Any, path: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise LeafEncodingError(f"{path} is a float; use a string or an integer so the encoding is canonical")
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_canonical(item, f"{path}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise LeafEncodingError(f"{path} has a non-string key {key!r}")
            _check_canonical(item, f"{path}.{key}")
        return
    raise LeafEncodingError(f"{path} has unsupported type {type(value).__name__}")


def _plain(value: Any) -> bool:
    """The common case of `_check_canonical`, without building a path per value (leaves are made by the
    million): only the exact types str, int, bool, None, list, tuple and dict with str keys."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            kind = type(item)
            if not (kind is str or kind is int or item is None or kind is bool or _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            kind = type(item)
            if not (kind is str or kind is int or item is None or kind is bool or _plain(item)):
                return False
        return True
    return False


# one encoder for every leaf: `json.dumps` with options builds a new JSONEncoder per call (same output)
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(event: dict[str, Any]) -> bytes:
    """Canonical bytes of an event for a ledger leaf: JSON with sorted keys, no whitespace, UTF-8.

    Values are restricted to str, int, bool, None, lists and dicts with string keys (no floats), so that the
    same event always gives the same bytes (a subset for which this matches RFC 8785 JCS output, except that
    JCS also sorts keys by UTF-16 code units; here keys are sorted by code point, identical for BMP keys).
    """
    if not isinstance(event, dict):
        raise LeafEncodingError(f"event must be a dict, got {type(event).__name__}")
    if not _plain(event):
        _check_canonical(event, "event")  # subclasses pass; anything else raises with the value's path
    return _CANONICAL.encode(event).encode("utf-8")


def new_record_secret() -> bytes:
    """A fresh 32-byte per-record secret (CSPRNG) for salted commitments."""
    return secrets.token_bytes(32)


def commitments(secret: bytes, values: dict[str, str]) -> dict[str, str]:
    """`commitment(secret, value)` for each value, by name: the same strings, the secret checked once (an
    import commits to millions of values)."""
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise LeafEncodingError(f"commitment secret must be at least {MIN_SECRET_BYTES} bytes")
    out = {}
    for name, value in values.items():
        if type(value) is not str:
            out[name] = commitment(secret, value)  # a str subclass passes, anything else raises
            continue
        out[name] = hmac.digest(secret, unicodedata.normalize("NFC", value).encode("utf-8"), "sha256").hex()
    return out


def commitment(secret: bytes, value: str) -> str:
    """Salted commitment to a personal field: hex HMAC-SHA256(secret, NFC(value) as UTF-8) (RFC 2104).

    `secret` is the per-record secret (at least 16 bytes; 32 from `new_record_secret`). The value is put in
    Unicode NFC first so the same name typed with composed or decomposed accents commits identically.
    """
    if not isinstance(secret, bytes) or len(secret) < MIN_SECRET_BYTES:
        raise LeafEncodingError(f"commitment secret must be at least {MIN_SECRET_BYTES} bytes")
    if not isinstance(value, str):
        raise LeafEncodingError(f"committed value must be a str, got {type(value).__name__}")
    message = unicodedata.normalize("NFC", value).encode("utf-8")
    return hmac.digest(secret, message, "sha256").hex()
