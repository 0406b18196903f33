"""COSE_Sign1 (RFC 9052 section 4.2) signing and verification, and key identifiers.

Kinward signs with Ed25519 (`EdDSA`, COSE alg -8, RFC 9053 section 2.2). Verification also accepts ECDSA P-256
with SHA-256 (`ES256`, alg -7, RFC 9053 section 2.1; signature is r||s, 64 bytes) and RSASSA-PSS with SHA-256
(`PS256`, alg -37, RFC 8230 section 2; salt length 32), which the EU HCERT test vectors use.

The `kid` header (label 4) names the key. Kinward derives it as the first 8 bytes of SHA-256 over the DER
SubjectPublicKeyInfo of the public key (`key_id`); HCERT derives it from the signer's X.509 certificate instead
(first 8 bytes of SHA-256 over the DER certificate, `certificate_key_id`). A verifier takes `kid` from the
protected header when present there, else from the unprotected header.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .errors import BadCoseError, BadSignatureError

ALG_EDDSA = -8
ALG_ES256 = -7
ALG_PS256 = -37
ALG_NAMES: dict[int, str] = {ALG_EDDSA: "EdDSA", ALG_ES256: "ES256", ALG_PS256: "PS256"}
ALG_BY_NAME: dict[str, int] = {name: alg for alg, name in ALG_NAMES.items()}
HEADER_ALG = 1
HEADER_KID = 4
TAG_COSE_SIGN1 = 18
TAG_CWT = 61
KID_SIZE = 8
MIN_RSA_BITS = 2048

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey


def key_id(public_key: PublicKey) -> bytes:
    """Kinward `kid`: first 8 bytes of SHA-256 over the DER SubjectPublicKeyInfo (RFC 5280 section 4.1.2.7)."""
    spki = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(spki).digest()[:KID_SIZE]


def certificate_key_id(certificate_der: bytes) -> bytes:
    """HCERT `kid` (eHealth Network HCERT spec section 3.3.1): first 8 bytes of SHA-256 over the DER certificate."""
    return hashlib.sha256(certificate_der).digest()[:KID_SIZE]


def algorithm_for_key(public_key: PublicKey) -> int:
    """The one COSE algorithm Kinward accepts for a public key type (EdDSA, ES256 on P-256, PS256 on RSA)."""
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return ALG_EDDSA
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        return ALG_ES256
    if isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= MIN_RSA_BITS:
        return ALG_PS256
    raise ValueError(f"unsupported public key type {type(public_key).__name__} for COSE verification")


@dataclass(frozen=True)
class CoseSign1:
    """A parsed COSE_Sign1 message: [protected bstr, unprotected map, payload bstr, signature bstr]."""

    protected_bytes: bytes
    protected: dict[Any, Any]
    unprotected: dict[Any, Any]
    payload: bytes
    signature: bytes = field(repr=False)

    @property
    def alg(self) -> int | None:
        """The `alg` header (label 1), protected bucket first (RFC 9052 section 3.1)."""
        value = self.protected.get(HEADER_ALG, self.unprotected.get(HEADER_ALG))
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def kid(self) -> bytes | None:
        """The `kid` header (label 4): from the protected bucket when present there, else the unprotected one."""
        if HEADER_KID in self.protected:
            return self.protected[HEADER_KID]
        return self.unprotected.get(HEADER_KID)

    def to_be_signed(self, external_aad: bytes = b"") -> bytes:
        """The Sig_structure ["Signature1", protected, external_aad, payload] (RFC 9052 section 4.4)."""
        return cbor2.dumps(["Signature1", self.protected_bytes, external_aad, self.payload])


def _decode_one(data: bytes, what: str) -> Any:
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError, EOFError) as exc:
        raise BadCoseError(f"{what} is not well-formed CBOR: {exc}") from None
    if stream.tell() != len(data):
        raise BadCoseError(f"{what} has {len(data) - stream.tell()} trailing bytes after the CBOR item")
    return value


def _check_header_map(header: Any, bucket: str) -> dict[Any, Any]:
    if not isinstance(header, Mapping):
        raise BadCoseError(f"COSE_Sign1 {bucket} header is a {type(header).__name__}, not a map")
    for label, value in header.items():
        if isinstance(label, bool) or not isinstance(label, int | str):
            raise BadCoseError(f"COSE_Sign1 {bucket} header label {label!r} is not an int or text")
        if label == HEADER_ALG and (isinstance(value, bool) or not isinstance(value, int | str)):
            raise BadCoseError(f"COSE_Sign1 {bucket} header alg {value!r} is not an int or text")
        if label == HEADER_KID and not isinstance(value, bytes):
            raise BadCoseError(f"COSE_Sign1 {bucket} header kid is not a byte string")
    return dict(header)


def parse_cose_sign1(data: bytes) -> CoseSign1:
    """Parse a COSE_Sign1 message, optionally wrapped in the CWT tag 61 and/or the COSE_Sign1 tag 18.

    Raises `BadCoseError` for anything else than the 4-element array of RFC 9052 section 4.2 with an attached
    payload, a protected header that is an empty byte string or an encoded map, and an unprotected map.
    """
    value = _decode_one(data, "COSE_Sign1 message")
    if isinstance(value, cbor2.CBORTag) and value.tag == TAG_CWT:
        value = value.value
    if isinstance(value, cbor2.CBORTag):
        if value.tag != TAG_COSE_SIGN1:
            raise BadCoseError(f"CBOR tag {value.tag} is not the COSE_Sign1 tag 18")
        value = value.value
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise BadCoseError("COSE_Sign1 must be an array of 4 items")
    protected_bytes, unprotected, payload, signature = value
    if not isinstance(protected_bytes, bytes):
        raise BadCoseError("COSE_Sign1 protected header is not a byte string")
    if payload is None:
        raise BadCoseError("COSE_Sign1 has a detached payload, which certificates never use")
    if not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise BadCoseError("COSE_Sign1 payload and signature must be byte strings")
    protected = _decode_one(protected_bytes, "COSE_Sign1 protected header") if protected_bytes else {}
    return CoseSign1(
        protected_bytes=protected_bytes,
        protected=_check_header_map(protected, "protected"),
        unprotected=_check_header_map(unprotected, "unprotected"),
        payload=payload,
        signature=signature,
    )


def sign_cose_sign1(payload: bytes, private_key: ed25519.Ed25519PrivateKey, kid: bytes) -> bytes:
    """Sign `payload` as a tagged COSE_Sign1 with EdDSA/Ed25519, `alg` and `kid` in the protected header."""
    protected_bytes = cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})
    unsigned = CoseSign1(protected_bytes, {}, {}, payload, b"")
    signature = private_key.sign(unsigned.to_be_signed())
    return cbor2.dumps(cbor2.CBORTag(TAG_COSE_SIGN1, [protected_bytes, {}, payload, signature]))


def verify_cose_signature(message: CoseSign1, public_key: PublicKey) -> None:
    """Check the COSE_Sign1 signature under `public_key` (RFC 9052 section 4.4); `BadSignatureError` if not.

    The message's `alg` must be the algorithm bound to the key type (see `algorithm_for_key`), so a header
    cannot downgrade the algorithm a key is used with.
    """
    expected = algorithm_for_key(public_key)
    if message.alg != expected:
        raise BadSignatureError(
            f"COSE alg {message.alg!r} does not match the key's algorithm {ALG_NAMES[expected]} ({expected})"
        )
    to_be_signed = message.to_be_signed()
    try:
        if isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(message.signature, to_be_signed)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            if len(message.signature) != 64:
                raise BadSignatureError(
                    f"ES256 signature must be 64 bytes (r||s), got {len(message.signature)}"
                )
            r = int.from_bytes(message.signature[:32], "big")
            s = int.from_bytes(message.signature[32:], "big")
            public_key.verify(encode_dss_signature(r, s), to_be_signed, ec.ECDSA(hashes.SHA256()))
        else:
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
            public_key.verify(message.signature, to_be_signed, pss, hashes.SHA256())
    except InvalidSignature:
        raise BadSignatureError(f"{ALG_NAMES[expected]} signature does not verify") from None
