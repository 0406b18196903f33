"""Receipt codes: the tipster's only key to a tip. Random, unguessable, easy to copy; stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets

# No I, O, 0 or 1: nothing that reads as another character. 32 symbols × 16 positions = 80 bits of chance.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS = 4
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH


def receipt_code_new() -> str:
    """A fresh receipt code such as `K7QM-2HXD-9RTA-WBNE` from the operating system's random source."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def receipt_code_normalise(code: str) -> str | None:
    """The 16 symbols of a typed code (any case, with or without dashes or spaces); None if it cannot be one."""
    cleaned = "".join(ch for ch in (code or "").upper() if ch not in " -\t")
    if len(cleaned) != CODE_LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def receipt_hash(code: str) -> str:
    """SHA-256 of the normalised code: 80 random bits make a plain hash safe against guessing offline."""
    normalised = receipt_code_normalise(code)
    if normalised is None:
        raise ValueError("not a receipt code")
    return hashlib.sha256(b"kinward-tip-receipt:" + normalised.encode("ascii")).hexdigest()
