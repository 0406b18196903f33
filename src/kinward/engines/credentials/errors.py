"""Exceptions of the credential engine, each tied to one verification reason code.

Every decoding or checking step raises a subclass of `CredentialError`; `verify()` turns the first one raised into
an invalid `VerificationResult` carrying the subclass's `reason`. Errors about the issuer's own files (key files,
the published key list, claims given to `issue`) are `KeyFileError` / `ClaimsError`, raised to the caller.
"""

from __future__ import annotations

from typing import Literal

ReasonCode = Literal[
    "bad_prefix",
    "bad_base45",
    "bad_compression",
    "bad_cose",
    "unknown_key",
    "bad_signature",
    "not_yet_valid",
    "expired",
    "revoked_key",
    "bad_claims",
]

REASON_CODES: tuple[ReasonCode, ...] = (
    "bad_prefix",
    "bad_base45",
    "bad_compression",
    "bad_cose",
    "unknown_key",
    "bad_signature",
    "not_yet_valid",
    "expired",
    "revoked_key",
    "bad_claims",
)


class CredentialError(ValueError):
    """A certificate failed one verification step; `reason` is the step's reason code."""

    reason: ReasonCode = "bad_cose"


class BadPrefixError(CredentialError):
    """The text does not start with the expected context prefix (e.g. `KW1:`)."""

    reason: ReasonCode = "bad_prefix"


class BadBase45Error(CredentialError):
    """The text after the prefix is not valid Base45 (RFC 9285 section 4.3)."""

    reason: ReasonCode = "bad_base45"


class BadCompressionError(CredentialError):
    """The Base45-decoded bytes are not one complete zlib stream (RFC 1950) of acceptable size."""

    reason: ReasonCode = "bad_compression"


class BadCoseError(CredentialError):
    """The inflated bytes are not a well-formed COSE_Sign1 message (RFC 9052 section 4.2)."""

    reason: ReasonCode = "bad_cose"


class UnknownKeyError(CredentialError):
    """No key in the keyring matches the message's `kid`, or the key was not valid for signing at `iat`."""

    reason: ReasonCode = "unknown_key"


class BadSignatureError(CredentialError):
    """The COSE_Sign1 signature does not verify under the key named by `kid` (RFC 9052 section 4.4)."""

    reason: ReasonCode = "bad_signature"


class NotYetValidError(CredentialError):
    """The certificate's `iat` or `nbf` (RFC 8392 sections 3.1.5-3.1.6) lies in the verifier's future."""

    reason: ReasonCode = "not_yet_valid"


class ExpiredError(CredentialError):
    """The certificate's `exp` (RFC 8392 section 3.1.4) lies in the verifier's past."""

    reason: ReasonCode = "expired"


class RevokedKeyError(CredentialError):
    """The signing key was revoked at or before the certificate's `iat`."""

    reason: ReasonCode = "revoked_key"


class BadClaimsError(CredentialError):
    """The signed payload is not a CWT claims map holding well-formed Kinward birth claims."""

    reason: ReasonCode = "bad_claims"


class ClaimsError(ValueError):
    """Birth claims given to the issuer are invalid (names the field and the problem)."""


class KeyFileError(ValueError):
    """A signer key file or a published key list is malformed or inconsistent (names file, entry, field)."""


class UnreadableImageError(ValueError):
    """No QR code could be read from the given image."""
