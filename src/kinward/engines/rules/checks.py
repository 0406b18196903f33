"""Per-record checks done in Python before the SQL rules run: certificate verification and newborn-ID validation.

Both are pluggable. A certificate verifier is any callable `text -> CertificateCheck`; the default uses the
credentials engine (`kinward.engines.credentials.verify`) with the dataset's `issuer_keys` when both exist, and
otherwise checks the transport structure only (RFC 9285 Base45 after the `KW1:` prefix, a complete zlib stream
(RFC 1950), and a CBOR COSE_Sign1 array (RFC 9052 section 4.2)); a structurally sound certificate whose signature
cannot be checked is *unverified*, never invalid (INTERCHANGE.md, `issuer_keys`). A newborn-ID validator is any
callable `id -> (valid, reason)`; the default is the ids engine's `validate` (ISO/IEC 7064 MOD 29-2) when it is
installed, else no check.
"""

from __future__ import annotations

import importlib
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import cbor2

PREFIX = "KW1:"
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE = {c: i for i, c in enumerate(_B45)}

Status = Literal["valid", "invalid", "unverified"]


@dataclass(frozen=True)
class CertificateCheck:
    """The verdict on one certificate text, and the newborn ID it carries when that could be read."""

    status: Status
    reason: str = ""
    newborn_id: str | None = None


CertificateVerifier = Callable[[str], CertificateCheck]
NewbornIdValidator = Callable[[str], tuple[bool, str]]


def base45_decode(text: str) -> bytes:
    """Decode Base45 (RFC 9285 section 4.3): 3 characters -> 2 bytes, a final 2 -> 1; ValueError when malformed."""
    if len(text) % 3 == 1:
        raise ValueError(f"Base45 text of length {len(text)} cannot be decoded (length mod 3 is 1)")
    out = bytearray()
    try:
        for i in range(0, len(text) - len(text) % 3, 3):
            n = _B45_VALUE[text[i]] + _B45_VALUE[text[i + 1]] * 45 + _B45_VALUE[text[i + 2]] * 2025
            if n > 0xFFFF:
                raise ValueError(f"Base45 triplet at {i} decodes to {n} > 65535")
            out += n.to_bytes(2, "big")
        if len(text) % 3 == 2:
            n = _B45_VALUE[text[-2]] + _B45_VALUE[text[-1]] * 45
            if n > 0xFF:
                raise ValueError(f"Base45 final pair decodes to {n} > 255")
            out.append(n)
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not in the Base45 alphabet")
    return bytes(out)


def structural_check(text: str) -> CertificateCheck:
    """Check a certificate's transport layers only: prefix, Base45, zlib, COSE_Sign1 shape. Sound -> unverified."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        return CertificateCheck("invalid", "bad_prefix: the text does not start with " + PREFIX)
    try:
        raw = base45_decode(text[len(PREFIX) :])
    except ValueError as exc:
        return CertificateCheck("invalid", f"bad_base45: {exc}")
    try:
        inflater = zlib.decompressobj()
        cose = inflater.decompress(raw, 1 << 16)
        if not inflater.eof or inflater.unused_data:
            raise zlib.error("not one complete zlib stream")
    except zlib.error as exc:
        return CertificateCheck("invalid", f"bad_compression: {exc}")
    try:
        message = cbor2.loads(cose)
    except Exception as exc:  # cbor2 raises several types for malformed input
        return CertificateCheck("invalid", f"bad_cose: not CBOR ({exc})")
    body = message.value if isinstance(message, cbor2.CBORTag) and message.tag == 18 else message
    if not (isinstance(body, list | tuple) and len(body) == 4 and isinstance(body[3], bytes)):
        return CertificateCheck("invalid", "bad_cose: not a COSE_Sign1 array of four items")
    return CertificateCheck("unverified", "structure sound; no issuer key to check the signature")


def _credentials() -> Any | None:
    try:
        return importlib.import_module("kinward.engines.credentials")
    except ImportError:
        return None


def credentials_verifier(issuer_keys: Sequence[Any], now: datetime) -> CertificateVerifier | None:
    """A verifier over the credentials engine and the manifest's issuer keys, or None if either is missing.

    A certificate whose key is not listed (reason `unknown_key`) is unverified; every other failure is invalid.
    """
    engine = _credentials()
    if engine is None or not issuer_keys:
        return None
    key_from_json = importlib.import_module("kinward.engines.credentials.keys").key_from_json
    keyring = engine.Keyring(
        [key_from_json(entry, f"issuer_keys[{i}]") for i, entry in enumerate(issuer_keys)]
    )

    def verify(text: str) -> CertificateCheck:
        result = engine.verify(text, keyring, now=now)
        if result.valid:
            return CertificateCheck("valid", "signature verified", result.claims.newborn_id)
        if result.reason == "unknown_key":
            return CertificateCheck("unverified", f"{result.reason}: {result.detail}")
        return CertificateCheck("invalid", f"{result.reason}: {result.detail}")

    return verify


def default_verifier(issuer_keys: Sequence[Any], now: datetime) -> CertificateVerifier:
    """The credentials engine's verify with the issuer keys when possible, else the structural check."""
    return credentials_verifier(issuer_keys, now) or structural_check


def default_id_validator() -> NewbornIdValidator | None:
    """The ids engine's `validate` as a validator, or None when the ids engine is not installed."""
    try:
        ids = importlib.import_module("kinward.engines.ids")
    except ImportError:
        return None

    canonical = re.compile(f"[{re.escape(ids.ALPHABET)}]{{{ids.ID_LENGTH}}}")

    def validate(newborn_id: str) -> tuple[bool, str]:
        # fast path for the common case, the same verdict as ids.validate: an ID already in canonical form (11
        # alphabet symbols: nothing to normalise) is valid exactly when its last symbol is the MOD 29-2 check
        # character of the first ten (ISO/IEC 7064); anything else goes through the full validation and its message
        if canonical.fullmatch(newborn_id) and ids.check_character(newborn_id[:-1]) == newborn_id[-1]:
            return True, ""
        result = ids.validate(newborn_id)
        if not result.valid:
            return False, result.message or str(result.error)
        if result.id != newborn_id.replace("-", "").upper() or result.corrections:
            return False, f"not in canonical form (reads as {result.id})"
        return True, ""

    return validate


def check_certificates(
    rows: Iterable[tuple[str, str, str | None]], verifier: CertificateVerifier
) -> list[tuple]:
    """(ref, 'invalid', reason, newborn_id) for each certificate (ref, text, child's newborn ID) that fails.

    A certificate fails when the verifier finds it invalid, or when it verifies but carries a newborn ID other
    than the one on the child's birth record.
    """
    out = []
    for ref, text, expected in rows:
        result = verifier(text)
        if result.status == "invalid":
            out.append((ref, "invalid", result.reason, result.newborn_id))
        elif result.newborn_id is not None and expected is not None and result.newborn_id != expected:
            reason = f"carries newborn ID {result.newborn_id}, not the child's {expected}"
            out.append((ref, "invalid", reason, result.newborn_id))
    return out


def check_newborn_ids(rows: Iterable[tuple[str, str]], validator: NewbornIdValidator) -> list[tuple]:
    """(ref, valid, reason) for each birth whose newborn ID the validator refuses."""
    out = []
    for ref, newborn_id in rows:
        ok, reason = validator(newborn_id)
        if not ok:
            out.append((ref, False, reason))
    return out
