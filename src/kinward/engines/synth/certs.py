"""Real, signed birth certificates for the synthetic country, and real forgeries for the planted truth.

Each registry office of the synthetic country gets one Ed25519 issuing key (RFC 8032) derived from the
dataset's seed (`SHA-256(domain || salt || office ref)` as the 32-byte private seed): deterministic, so the same
options give byte-identical files, and never a real key (it is computable by anyone who knows the seed). The
public halves go into the manifest's `issuer_keys` in the form Kinward publishes its own key list (the
credentials engine's `published-keys.json` entries, `key_to_json`).

A certificate is the credentials engine's format exactly (docs/engines/credentials.md): CWT claims (RFC 8392)
-> COSE_Sign1 with EdDSA and `kid` in the protected header (RFC 9052 section 4.2-4.4) -> zlib level 9
(RFC 1950) -> Base45 (RFC 9285) -> `KW1:`. `CertificateIssuer.issue` produces the same bytes as
`credentials.issue_certificate` (a test checks it) but caches each office's protected header and
Sig_structure prefix, writes the two fixed CBOR arrays by hand and Base45-encodes through a 65,536-entry table,
which makes it about twice as fast; the Ed25519 signature and zlib are the floor.

Forgeries (the planted `invalid_certificate` pattern) are real attacks that fail verification:
`forge_wrong_key` signs the claims with a key that is not the office's but names the office's `kid` (verifiers
answer `bad_signature`), and `forge_tampered` changes the date of birth inside a genuinely signed payload
(`bad_signature` too). A certificate whose key is simply absent from the list would be *unverified*, not
invalid (INTERCHANGE.md, `issuer_keys`), so neither forgery uses an unlisted `kid`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric import ed25519

from kinward.engines.credentials import BirthClaims, IssuerKey, key_id
from kinward.engines.credentials.cose import ALG_EDDSA, HEADER_ALG, HEADER_KID
from kinward.engines.credentials.keys import key_to_json
from kinward.engines.credentials.transport import DEFAULT_PREFIX
from kinward.engines.ids.codec import ALPHABET, DATA_LENGTH, MODULUS, check_character

KEY_DOMAIN = b"kinward-synth/issuer-key/v1\x00"
FORGER_DOMAIN = b"kinward-synth/forger-key/v1\x00"
NEWBORN_ID_DOMAIN = b"kinward-synth/newborn-id/v1\x00"
ANCHOR_DOMAIN = b"kinward-synth/log-root/v1\x00"
_B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_PAIRS: list[str] = []
_SINGLES = [_B45[n % 45] + _B45[n // 45] for n in range(256)]
_SIGNATURE1 = cbor2.dumps("Signature1")
_EMPTY_BSTR = cbor2.dumps(b"")
_EMPTY_MAP = cbor2.dumps({})
_TAG18_ARRAY4 = b"\xd2\x84"  # CBOR tag 18 (COSE_Sign1, RFC 9052 section 4.2), then an array of 4 items


def _bstr_head(length: int) -> bytes:
    """The CBOR head of a byte string of `length` bytes (RFC 8949 section 3.1, major type 2, shortest form)."""
    if length < 24:
        return bytes([0x40 | length])
    if length < 256:
        return bytes([0x58, length])
    if length < 65536:
        return b"\x59" + length.to_bytes(2, "big")
    return b"\x5a" + length.to_bytes(4, "big")


def base45(data: bytes) -> str:
    """Base45 (RFC 9285 section 4): each 2 bytes, big-endian, as 3 characters (least significant first); a
    last odd byte as 2. Table-driven: the 65,536 triplets are built on first use."""
    if not _PAIRS:
        _PAIRS.extend(_B45[n % 45] + _B45[(n // 45) % 45] + _B45[n // 2025] for n in range(65536))
    pairs = len(data) // 2
    text = "".join([_PAIRS[v] for v in struct.unpack(f">{pairs}H", data[: 2 * pairs])])
    return text + _SINGLES[data[-1]] if len(data) % 2 else text


def _transport(cose: bytes) -> str:
    """COSE bytes -> zlib level 9 -> Base45 -> `KW1:` (credentials.encode_transport, same bytes)."""
    return DEFAULT_PREFIX + base45(zlib.compress(cose, 9))


@dataclass(frozen=True)
class OfficeKey:
    """One registry office's synthetic signing key, with its cached COSE protected header."""

    office_ref: str
    issuer: str
    private_key: ed25519.Ed25519PrivateKey = field(repr=False)
    kid: bytes
    protected: bytes  # the protected header map {alg: EdDSA, kid}, as a CBOR byte string's content
    sig_prefix: bytes  # Sig_structure up to the payload: array(4), "Signature1", protected, h''

    @classmethod
    def derive(cls, salt: bytes, office_ref: str, issuer: str, *, domain: bytes = KEY_DOMAIN) -> OfficeKey:
        """The office's key from the dataset salt: Ed25519 private seed = SHA-256(domain || salt || ref)."""
        seed = hashlib.sha256(domain + salt + b"\x00" + office_ref.encode("utf-8")).digest()
        private = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
        kid = key_id(private.public_key())
        protected = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})
        prefix = b"\x84" + _SIGNATURE1 + _bstr_head(len(protected)) + protected + _EMPTY_BSTR
        return cls(office_ref, issuer, private, kid, protected, prefix)

    def cose(self, payload: bytes, *, signing_key: ed25519.Ed25519PrivateKey | None = None) -> bytes:
        """A tagged COSE_Sign1 over `payload` with this office's protected header (kid), signed by
        `signing_key` (default: the office's own key)."""
        payload_bstr = _bstr_head(len(payload)) + payload
        signature = (signing_key or self.private_key).sign(self.sig_prefix + payload_bstr)
        protected_bstr = _bstr_head(len(self.protected)) + self.protected
        return _TAG18_ARRAY4 + protected_bstr + _EMPTY_MAP + payload_bstr + b"\x58\x40" + signature


class CertificateIssuer:
    """Signs the synthetic country's certificates: one derived key per registry office (see module doc)."""

    def __init__(self, salt: bytes, offices: dict[str, str], valid_from: dt.datetime) -> None:
        """`offices` maps each registry office's ref to its name (the certificate's `iss`); `valid_from` is
        when the keys entered service (before the first certificate)."""
        self.salt = salt
        self.keys = {ref: OfficeKey.derive(salt, ref, name) for ref, name in sorted(offices.items())}
        self.valid_from = valid_from.astimezone(dt.UTC).replace(microsecond=0)
        self._forger = ed25519.Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(FORGER_DOMAIN + salt).digest()
        )

    def issuer_keys(self) -> list[dict[str, Any]]:
        """The manifest's `issuer_keys`: one published-list entry per office (credentials `key_to_json`)."""
        return [
            key_to_json(
                IssuerKey(
                    kid=key.kid,
                    alg=ALG_EDDSA,
                    public_key=key.private_key.public_key(),
                    issuer=key.issuer,
                    valid_from=self.valid_from,
                )
            )
            for key in self.keys.values()
        ]

    def claims(self, office_ref: str, **facts: Any) -> BirthClaims:
        """BirthClaims issued by `office_ref` (its name as `issuing_office`); `facts` are the other fields."""
        return BirthClaims(issuing_office=self.keys[office_ref].issuer, **facts)

    def issue(self, office_ref: str, claims: BirthClaims) -> str:
        """The genuine certificate text of `claims`, signed with the office's key."""
        return _transport(self.keys[office_ref].cose(claims.to_cbor()))

    def forge_wrong_key(self, office_ref: str, claims: BirthClaims) -> str:
        """A forgery: the office's `kid` in the header, but signed by another key (fails: bad_signature)."""
        return _transport(self.keys[office_ref].cose(claims.to_cbor(), signing_key=self._forger))

    def forge_tampered(self, office_ref: str, claims: BirthClaims, shift_days: int) -> str:
        """A forgery: a genuine signature over `claims`, then the date of birth in the payload moved by
        `shift_days` (same length, so only the signature check can tell; fails: bad_signature)."""
        key = self.keys[office_ref]
        genuine = key.cose(claims.to_cbor())
        old = claims.date_of_birth.isoformat().encode("ascii")
        new = (claims.date_of_birth + dt.timedelta(days=shift_days)).isoformat().encode("ascii")
        if old == new or genuine.count(old) != 1:
            raise ValueError(f"cannot tamper with the date of birth {old!r} of this payload")
        return _transport(genuine.replace(old, new))


def dataset_salt(seed: int, births: int, country: str, now: dt.date, source: str) -> bytes:
    """What makes one synthetic dataset's keys and IDs its own (all of its options, hashed)."""
    return hashlib.sha256(f"{seed}|{births}|{country}|{now.isoformat()}|{source}".encode()).digest()


def newborn_id(salt: bytes, child_ref: str) -> str:
    """A deterministic newborn ID for a synthetic child in the ids engine's form: 10 characters of the
    look-alike-free alphabet drawn from SHA-256(domain || salt || ref), then the ISO/IEC 7064 MOD 29-2 check
    character. (Real IDs come from a CSPRNG; these only need to be unique and valid.)"""
    number = int.from_bytes(
        hashlib.sha256(NEWBORN_ID_DOMAIN + salt + child_ref.encode()).digest()[:12], "big"
    )
    number %= MODULUS**DATA_LENGTH
    digits = []
    for _ in range(DATA_LENGTH):
        number, digit = divmod(number, MODULUS)
        digits.append(ALPHABET[digit])
    data = "".join(digits)
    return data + check_character(data)


def log_anchor(salt: bytes, birth_number: int) -> tuple[int, int, bytes]:
    """A synthetic log anchor (log index, checkpoint size, root hash) for the `birth_number`-th birth (from 1):
    the issuing country's own log, which Kinward does not hold (the import writes its own leaves)."""
    index = birth_number - 1
    size = (index // 1024 + 1) * 1024
    return index, size, hashlib.sha256(ANCHOR_DOMAIN + salt + size.to_bytes(8, "big")).digest()
