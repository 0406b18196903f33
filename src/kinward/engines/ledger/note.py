"""C2SP signed notes with Ed25519 keys (c2sp.org/signed-note; golang.org/x/mod/sumdb/note).

A signed note is UTF-8 text ending in a newline, a blank line, then one or more signature lines
`U+2014 EM DASH, space, key name, space, base64(4-byte key ID || signature)`. For Ed25519 (algorithm 0x01) the
key ID is the first 4 bytes of SHA-256(key name || 0x0A || 0x01 || 32-byte public key).

Key strings:
    verifier key  `<name>+<8 hex key ID>+<base64(0x01 || public key)>`
    signer key    `PRIVATE+KEY+<name>+<8 hex key ID>+<base64(0x01 || 32-byte seed)>`
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import KeyFormatError, NoteFormatError, SignatureError

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "
MAX_SIGNATURES = 100


def _check_key_name(name: str) -> None:
    if not name or "+" in name or any(ch.isspace() for ch in name):
        raise KeyFormatError(f"key name {name!r} must be non-empty, without spaces or '+'")


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte signed-note key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError(f"{what} is not valid base64: {text[:40]!r}")


@dataclass(frozen=True)
class NoteVerifier:
    """An Ed25519 signed-note verifier: key name, 4-byte key ID and the raw 32-byte public key."""

    name: str
    key_id: bytes
    public_key: bytes

    @classmethod
    def parse(cls, vkey: str) -> NoteVerifier:
        """Parse a verifier key string `name+hexkeyid+base64(0x01||pubkey)`, checking the key ID recomputes."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise KeyFormatError(f"verifier key must be name+keyid+key, got {len(parts)} '+'-separated parts")
        name, hex_id, encoded = parts
        _check_key_name(name)
        raw = _b64decode(encoded, "verifier key material")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise KeyFormatError(f"verifier key for {name!r} is not 0x01 || 32-byte Ed25519 key")
        expected = key_id(name, raw[1:])
        if hex_id.lower() != expected.hex() or len(hex_id) != 8:
            raise KeyFormatError(
                f"key ID {hex_id!r} for {name!r} does not match the key (expected {expected.hex()})"
            )
        return cls(name, expected, raw[1:])

    def to_string(self) -> str:
        """The verifier key string `name+hexkeyid+base64(0x01||pubkey)`."""
        material = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True when `signature` is this key's Ed25519 signature of `message`."""
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class NoteSigner:
    """An Ed25519 signed-note signer: key name, key ID and private key (from a 32-byte seed)."""

    def __init__(self, name: str, seed: bytes) -> None:
        _check_key_name(name)
        if len(seed) != 32:
            raise KeyFormatError(f"Ed25519 seed for {name!r} must be 32 bytes, got {len(seed)}")
        self.name = name
        self._seed = seed
        self._private = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.key_id = key_id(name, self.public_key)

    @classmethod
    def generate(cls, name: str) -> NoteSigner:
        """A new signer with a fresh random Ed25519 key."""
        from cryptography.hazmat.primitives.serialization import NoEncryption, PrivateFormat

        seed = Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, seed)

    @classmethod
    def parse(cls, skey: str) -> NoteSigner:
        """Parse a signer key string `PRIVATE+KEY+name+hexkeyid+base64(0x01||seed)`."""
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise KeyFormatError("signer key must be PRIVATE+KEY+name+keyid+key")
        name, hex_id, encoded = parts[2:]
        raw = _b64decode(encoded, "signer key material")
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise KeyFormatError(f"signer key for {name!r} is not 0x01 || 32-byte Ed25519 seed")
        signer = cls(name, raw[1:])
        if hex_id.lower() != signer.key_id.hex():
            raise KeyFormatError(f"key ID {hex_id!r} for {name!r} does not match the key")
        return signer

    def to_string(self) -> str:
        """The signer key string `PRIVATE+KEY+name+hexkeyid+base64(0x01||seed)`. Keep it secret."""
        material = base64.b64encode(bytes([ALG_ED25519]) + self._seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{material}"

    def verifier(self) -> NoteVerifier:
        """The matching verifier."""
        return NoteVerifier(self.name, self.key_id, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """Ed25519 signature of `message`."""
        return self._private.sign(message)


def check_note_text(text: str) -> None:
    """Enforce the signed-note text rules: non-empty, ends in newline, no control characters except newline."""
    if not text or not text.endswith("\n"):
        raise NoteFormatError("note text must be non-empty and end with a newline")
    for position, ch in enumerate(text):
        if ch != "\n" and unicodedata.category(ch) == "Cc":
            raise NoteFormatError(f"note text has control character {ch!r} at offset {position}")


def sign_note(text: str, signers: Sequence[NoteSigner]) -> str:
    """Sign note text with each signer: text, blank line, one `— name base64(keyid||sig)` line per signer."""
    check_note_text(text)
    if not signers:
        raise NoteFormatError("a signed note needs at least one signer")
    lines = []
    for signer in signers:
        sig = base64.b64encode(signer.key_id + signer.sign(text.encode())).decode()
        lines.append(f"{SIGNATURE_PREFIX}{signer.name} {sig}\n")
    return text + "\n" + "".join(lines)


@dataclass(frozen=True)
class OpenedNote:
    """A verified note: its text, the verifiers whose signatures checked, and names of unknown signers."""

    text: str
    verified_by: tuple[str, ...]
    unverified_signers: tuple[str, ...]


def _parse_signature_line(line: str, number: int) -> tuple[str, bytes, bytes]:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteFormatError(f"signature line {number} does not start with '\u2014 '")
    fields = line[len(SIGNATURE_PREFIX) :].split(" ")
    if len(fields) != 2 or not fields[0]:
        raise NoteFormatError(f"signature line {number} must be '\u2014 <name> <base64>'")
    try:
        raw = base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise NoteFormatError(f"signature line {number} has invalid base64")
    if len(raw) < 5:
        raise NoteFormatError(f"signature line {number} is too short for key ID and signature")
    return fields[0], raw[:4], raw[4:]


def open_note(signed_note: str, verifiers: Iterable[NoteVerifier]) -> OpenedNote:
    """Verify a C2SP signed note against known verifiers and return its text.

    The text is everything up to the last blank line. Every signature by a known (name, key ID) must verify;
    signatures by unknown keys are listed but not trusted; at least one known signature is required.
    Raises NoteFormatError (grammar) or SignatureError (bad or missing signature).
    """
    split = signed_note.rfind("\n\n")
    if split < 0:
        raise NoteFormatError("signed note has no blank line before its signatures")
    text = signed_note[: split + 1]
    check_note_text(text)
    block = signed_note[split + 2 :]
    if not block.endswith("\n"):
        raise NoteFormatError("signature block must end with a newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteFormatError(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}")
    known = {(v.name, v.key_id): v for v in verifiers}
    verified: list[str] = []
    unknown: list[str] = []
    seen: set[tuple[str, bytes]] = set()
    message = text.encode()
    for number, line in enumerate(lines, start=1):
        name, kid, sig = _parse_signature_line(line, number)
        verifier = known.get((name, kid))
        if verifier is None:
            unknown.append(name)
            continue
        if (name, kid) in seen:
            raise NoteFormatError(f"key {name} ({kid.hex()}) signed the note twice")
        seen.add((name, kid))
        if not verifier.verify(message, sig):
            raise SignatureError(f"signature by {name} ({kid.hex()}) does not verify: the note was altered")
        verified.append(name)
    if not verified:
        raise SignatureError(f"no signature by a known key (signed by: {', '.join(unknown) or 'nobody'})")
    return OpenedNote(text, tuple(verified), tuple(unknown))
