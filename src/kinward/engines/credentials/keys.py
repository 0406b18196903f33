"""Issuer keys: the signer's private key file, the published key list verifiers download, rotation, revocation.

Signer key file: one Ed25519 private key as PEM PKCS#8 (RFC 5958, RFC 8410), written with mode 0600 and never
overwritten. Published key list: a JSON array, one object per key:

    {"kid": "<base64, 8 bytes>", "alg": "EdDSA" | "ES256" | "PS256",
     "public_key": "<base64 of the raw 32-byte Ed25519 key>" or "<PEM SubjectPublicKeyInfo>",
     "certificate": "<base64 DER X.509>" (optional; then kid = SHA-256(certificate)[:8] as in HCERT),
     "issuer": "<registry office>", "valid_from": "<RFC 3339>", "valid_to": "<RFC 3339>" | null,
     "status": "active" | "retired" | "revoked", "revoked_at": "<RFC 3339>" | null}

A key signs certificates with `valid_from <= iat <= valid_to`. Rotation retires the old key (its `valid_to`
becomes the rotation time, its certificates stay valid); revocation marks every certificate whose `iat` is at or
after `revoked_at` as `revoked_key`.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from .claims import format_rfc3339, parse_rfc3339
from .cose import ALG_BY_NAME, ALG_NAMES, PublicKey, algorithm_for_key, certificate_key_id, key_id
from .errors import KeyFileError, RevokedKeyError, UnknownKeyError

KeyStatus = Literal["active", "retired", "revoked"]
KEY_STATUSES: tuple[str, ...] = ("active", "retired", "revoked")
_ENTRY_FIELDS = frozenset(
    {"kid", "alg", "public_key", "certificate", "issuer", "valid_from", "valid_to", "status", "revoked_at"}
)


@dataclass(frozen=True)
class IssuerKey:
    """One verification key of a registry office, with the period it may sign in and its status."""

    kid: bytes
    alg: int
    public_key: PublicKey = field(repr=False)
    issuer: str
    valid_from: datetime
    valid_to: datetime | None = None
    status: KeyStatus = "active"
    revoked_at: datetime | None = None
    certificate_der: bytes | None = field(default=None, repr=False)

    def check_usable_at(self, issued_at: datetime) -> None:
        """Whether this key could sign a certificate issued at `issued_at`.

        Raises `RevokedKeyError` if the key was revoked at or before `issued_at`, and `UnknownKeyError` if
        `issued_at` lies outside `[valid_from, valid_to]` (a key used before its publication or after retirement).
        """
        if self.status == "revoked" and self.revoked_at is not None and issued_at >= self.revoked_at:
            raise RevokedKeyError(
                f"key {self.kid.hex()} of {self.issuer!r} was revoked at {format_rfc3339(self.revoked_at)}, "
                f"before the certificate's iat {format_rfc3339(issued_at)}"
            )
        if issued_at < self.valid_from:
            raise UnknownKeyError(
                f"key {self.kid.hex()} was not in service before {format_rfc3339(self.valid_from)}"
            )
        if self.valid_to is not None and issued_at > self.valid_to:
            raise UnknownKeyError(
                f"key {self.kid.hex()} was retired at {format_rfc3339(self.valid_to)}, before iat"
            )

    @classmethod
    def from_certificate(cls, certificate_der: bytes, *, issuer: str | None = None) -> IssuerKey:
        """A key taken from a DER X.509 certificate, with the HCERT kid and the certificate's validity period."""
        try:
            certificate = x509.load_der_x509_certificate(certificate_der)
            public_key = certificate.public_key()
            alg = algorithm_for_key(public_key)  # type: ignore[arg-type]
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise KeyFileError(f"certificate: {exc}") from None
        return cls(
            kid=certificate_key_id(certificate_der),
            alg=alg,
            public_key=public_key,  # type: ignore[arg-type]
            issuer=issuer or certificate.subject.rfc4514_string(),
            valid_from=certificate.not_valid_before_utc,
            valid_to=certificate.not_valid_after_utc,
            certificate_der=certificate_der,
        )


class Keyring:
    """Verification keys indexed by `kid`, as a verifier holds them after downloading the published list."""

    def __init__(self, keys: Iterable[IssuerKey] = ()) -> None:
        self._by_kid: dict[bytes, IssuerKey] = {}
        for key in keys:
            if key.kid in self._by_kid:
                raise KeyFileError(f"key list: kid {key.kid.hex()} appears twice")
            self._by_kid[key.kid] = key

    def __iter__(self) -> Iterator[IssuerKey]:
        return iter(self._by_kid.values())

    def __len__(self) -> int:
        return len(self._by_kid)

    def find(self, kid: bytes | None) -> IssuerKey:
        """The key named by `kid`; `UnknownKeyError` when the message has no kid or the kid is not listed."""
        if kid is None:
            raise UnknownKeyError("COSE message names no kid")
        key = self._by_kid.get(kid)
        if key is None:
            raise UnknownKeyError(f"kid {kid.hex()} is not in the published key list")
        return key


@dataclass(frozen=True)
class Signer:
    """An issuing office's signing key, loaded from its key file, with its derived `kid`."""

    private_key: ed25519.Ed25519PrivateKey = field(repr=False)
    kid: bytes

    @property
    def public_key(self) -> ed25519.Ed25519PublicKey:
        """The Ed25519 public key that verifiers use."""
        return self.private_key.public_key()


def generate_signer_key() -> ed25519.Ed25519PrivateKey:
    """A fresh Ed25519 signing key (RFC 8032) from the operating system's CSPRNG."""
    return ed25519.Ed25519PrivateKey.generate()


def write_signer_key(
    path: str | Path, private_key: ed25519.Ed25519PrivateKey, passphrase: bytes | None = None
) -> None:
    """Write the key as PEM PKCS#8 with mode 0600; refuses to overwrite an existing file.

    With a passphrase the PKCS#8 is encrypted (PBES2, `BestAvailableEncryption`).
    """
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(
            f"{path}: signer key file already exists; refusing to overwrite a signing key"
        ) from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)


def load_signer(path: str | Path, passphrase: bytes | None = None) -> Signer:
    """Load an Ed25519 PEM PKCS#8 signer key file and derive its kid (`key_id`)."""
    try:
        pem = Path(path).read_bytes()
        private_key = serialization.load_pem_private_key(pem, password=passphrase)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: not a readable PEM PKCS#8 private key: {exc}") from None
    if not isinstance(private_key, ed25519.Ed25519PrivateKey):
        raise KeyFileError(f"{path}: signer key must be Ed25519, got {type(private_key).__name__}")
    return Signer(private_key=private_key, kid=key_id(private_key.public_key()))


def published_key(signer: Signer, *, issuer: str, valid_from: datetime) -> IssuerKey:
    """The public-list entry for a signer: its kid, EdDSA, the public key, active from `valid_from`."""
    return IssuerKey(
        kid=signer.kid,
        alg=algorithm_for_key(signer.public_key),
        public_key=signer.public_key,
        issuer=issuer,
        valid_from=valid_from.astimezone(UTC).replace(microsecond=0),
    )


def rotate_issuer_key(keys: Iterable[IssuerKey], new_key: IssuerKey) -> list[IssuerKey]:
    """Add `new_key` and retire the issuer's active keys as of `new_key.valid_from`.

    Retired keys keep verifying the certificates they signed up to their `valid_to`.
    """
    rotated = [
        replace(key, status="retired", valid_to=new_key.valid_from)
        if key.issuer == new_key.issuer and key.status == "active"
        else key
        for key in keys
    ]
    return [*rotated, new_key]


def revoke_key(keys: Iterable[IssuerKey], kid: bytes, revoked_at: datetime) -> list[IssuerKey]:
    """Mark key `kid` revoked from `revoked_at` on (set it to the earliest suspected compromise)."""
    listed = list(keys)
    if not any(key.kid == kid for key in listed):
        raise KeyFileError(f"key list: no key with kid {kid.hex()} to revoke")
    moment = revoked_at.astimezone(UTC).replace(microsecond=0)
    return [replace(key, status="revoked", revoked_at=moment) if key.kid == kid else key for key in listed]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def key_to_json(key: IssuerKey) -> dict[str, Any]:
    """One published-list entry (see module docstring) for a key."""
    if key.alg == ALG_BY_NAME["EdDSA"]:
        public = _b64(key.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))
    else:
        public = key.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
    entry: dict[str, Any] = {"kid": _b64(key.kid), "alg": ALG_NAMES[key.alg], "public_key": public}
    if key.certificate_der is not None:
        entry["certificate"] = _b64(key.certificate_der)
    entry |= {
        "issuer": key.issuer,
        "valid_from": format_rfc3339(key.valid_from),
        "valid_to": format_rfc3339(key.valid_to) if key.valid_to else None,
        "status": key.status,
        "revoked_at": format_rfc3339(key.revoked_at) if key.revoked_at else None,
    }
    return entry


def export_public_key_list(keys: Iterable[IssuerKey], path: str | Path) -> None:
    """Write the published key list as JSON (atomically: a temporary file renamed over the old one)."""
    target = Path(path)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(json.dumps([key_to_json(key) for key in keys], indent=2) + "\n", encoding="utf-8")
    os.replace(temporary, target)


def _entry_time(entry: dict[str, Any], name: str, where: str, *, required: bool) -> datetime | None:
    value = entry.get(name)
    if value is None:
        if required:
            raise KeyFileError(f"{where}: field {name!r} is required")
        return None
    try:
        return parse_rfc3339(str(value))
    except ValueError as exc:
        raise KeyFileError(f"{where}: field {name!r}: {exc}") from None


def _entry_public_key(entry: dict[str, Any], where: str) -> tuple[PublicKey, bytes]:
    """The entry's public key and the kid it must carry (from the certificate when given, else the SPKI)."""
    try:
        if entry.get("certificate"):
            der = base64.b64decode(entry["certificate"], validate=True)
            from_certificate = IssuerKey.from_certificate(der)
            return from_certificate.public_key, from_certificate.kid
        text = str(entry["public_key"])
        if text.lstrip().startswith("-----BEGIN PUBLIC KEY-----"):
            public_key = serialization.load_pem_public_key(text.encode("ascii"))
        else:
            public_key = ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
        algorithm_for_key(public_key)  # type: ignore[arg-type]
        return public_key, key_id(public_key)  # type: ignore[arg-type,return-value]
    except (KeyError, ValueError, TypeError, binascii.Error, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{where}: public key: {exc}") from None


def key_from_json(entry: Any, where: str = "key list entry") -> IssuerKey:
    """Parse and cross-check one published-list entry; `KeyFileError` naming the entry and field if wrong."""
    if not isinstance(entry, dict):
        raise KeyFileError(f"{where}: must be a JSON object")
    unknown = sorted(set(entry) - _ENTRY_FIELDS)
    if unknown:
        raise KeyFileError(f"{where}: unknown fields {unknown}")
    public_key, derived_kid = _entry_public_key(entry, where)
    try:
        kid = base64.b64decode(str(entry.get("kid", "")), validate=True)
    except binascii.Error:
        raise KeyFileError(f"{where}: kid is not base64") from None
    if kid != derived_kid:
        raise KeyFileError(f"{where}: kid {kid.hex()} does not match the key (expected {derived_kid.hex()})")
    alg = ALG_BY_NAME.get(str(entry.get("alg")))
    if alg != algorithm_for_key(public_key):
        raise KeyFileError(f"{where}: alg {entry.get('alg')!r} does not fit a {type(public_key).__name__}")
    status = entry.get("status")
    if status not in KEY_STATUSES:
        raise KeyFileError(f"{where}: status {status!r} must be one of {', '.join(KEY_STATUSES)}")
    issuer = entry.get("issuer")
    if not isinstance(issuer, str) or not issuer.strip():
        raise KeyFileError(f"{where}: issuer must be a non-blank office name")
    revoked_at = _entry_time(entry, "revoked_at", where, required=status == "revoked")
    if revoked_at is not None and status != "revoked":
        raise KeyFileError(f"{where}: revoked_at is set but status is {status!r}")
    valid_from = _entry_time(entry, "valid_from", where, required=True)
    assert valid_from is not None
    return IssuerKey(
        kid=kid,
        alg=alg,
        public_key=public_key,
        issuer=issuer,
        valid_from=valid_from,
        valid_to=_entry_time(entry, "valid_to", where, required=status == "retired"),
        status=status,
        revoked_at=revoked_at,
        certificate_der=base64.b64decode(entry["certificate"]) if entry.get("certificate") else None,
    )


def read_public_key_list(path: str | Path) -> list[IssuerKey]:
    """The entries of a published key list file, in file order (empty list if the file does not exist)."""
    target = Path(path)
    if not target.exists():
        return []
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{target}: not a readable JSON key list: {exc}") from None
    if not isinstance(data, list):
        raise KeyFileError(f"{target}: the key list must be a JSON array of key objects")
    return [key_from_json(entry, f"{target} entry {index}") for index, entry in enumerate(data)]


def load_keyring(path: str | Path) -> Keyring:
    """A verifier's keyring from a published key list file; `KeyFileError` if missing or malformed."""
    if not Path(path).exists():
        raise KeyFileError(f"{path}: published key list not found")
    return Keyring(read_public_key_list(path))
