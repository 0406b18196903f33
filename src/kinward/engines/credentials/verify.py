"""Issuing and verifying a birth-certificate QR text, offline, against a downloaded key list.

Verification runs the layers in order and stops at the first failure, reporting one reason code:

    prefix (bad_prefix) -> Base45 (bad_base45) -> zlib (bad_compression) -> COSE_Sign1 parse (bad_cose)
    -> kid lookup (unknown_key) -> signature (bad_signature) -> CWT birth claims (bad_claims)
    -> key revoked at iat (revoked_key) / key outside its service period at iat (unknown_key)
    -> iat/nbf in the future (not_yet_valid) -> exp in the past (expired)

This follows RFC 8392 section 7.2 (validating a CWT) with the HCERT transport layers in front.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .claims import DEFAULT_CLOCK_SKEW, BirthClaims, check_validity_period, decode_cwt_claims
from .cose import parse_cose_sign1, sign_cose_sign1, verify_cose_signature
from .errors import BadClaimsError, CredentialError, ReasonCode
from .keys import IssuerKey, Keyring, Signer
from .qr import read_qr_text
from .transport import DEFAULT_PREFIX, decode_transport, encode_transport


@dataclass(frozen=True)
class VerificationResult:
    """The verdict on one certificate: valid with its facts, or invalid with one reason code and a detail."""

    valid: bool
    reason: ReasonCode | None = None
    detail: str = ""
    claims: BirthClaims | None = None
    kid: bytes | None = field(default=None, repr=False)

    def facts(self) -> dict[str, str | int]:
        """The minimal birth facts of a valid certificate (empty when invalid)."""
        return self.claims.minimal_facts() if self.valid and self.claims is not None else {}


def issue_certificate(claims: BirthClaims, signer: Signer, *, prefix: str = DEFAULT_PREFIX) -> str:
    """Sign the claims and return the QR text: CWT -> COSE_Sign1 (EdDSA) -> zlib -> Base45 -> prefix."""
    return encode_transport(sign_cose_sign1(claims.to_cbor(), signer.private_key, signer.kid), prefix)


def certificate_text(text_or_image: str | bytes | Path) -> str:
    """The certificate text: a `str` is the text itself; `bytes` or a `Path` is a PNG/JPEG image with the QR."""
    if isinstance(text_or_image, str):
        return text_or_image
    return read_qr_text(text_or_image)


def _verify_steps(
    text: str, keyring: Keyring, now: datetime, prefix: str, clock_skew: timedelta
) -> tuple[BirthClaims, bytes | None]:
    cose_bytes = decode_transport(text, prefix)
    message = parse_cose_sign1(cose_bytes)
    key: IssuerKey = keyring.find(message.kid)
    verify_cose_signature(message, key.public_key)
    cwt = decode_cwt_claims(message.payload)
    claims = BirthClaims.from_cwt_map(cwt)
    if claims.issuing_office != key.issuer:
        raise BadClaimsError(f"iss {claims.issuing_office!r} is not the key's issuer {key.issuer!r}")
    key.check_usable_at(claims.issued_at)
    check_validity_period(cwt, now, clock_skew=clock_skew)
    return claims, message.kid


def verify(
    text_or_image: str | bytes | Path,
    keyring: Keyring,
    *,
    now: datetime | None = None,
    prefix: str = DEFAULT_PREFIX,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
) -> VerificationResult:
    """Verify a birth certificate given as QR text or as an image of its QR code.

    `now` is the verifier's clock (default: the system clock, UTC); `clock_skew` is the tolerance applied to
    iat/nbf/exp. Returns a `VerificationResult`; never raises for a bad certificate. An image in which no QR code
    can be read raises `UnreadableImageError`, since there is no certificate to judge.
    """
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("verify: now must be timezone-aware")
    text = certificate_text(text_or_image)
    try:
        claims, kid = _verify_steps(text, keyring, moment, prefix, clock_skew)
    except CredentialError as exc:
        return VerificationResult(valid=False, reason=exc.reason, detail=str(exc))
    return VerificationResult(valid=True, claims=claims, kid=kid)
