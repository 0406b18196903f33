"""Transport layers of the QR text: COSE bytes -> zlib (RFC 1950) -> Base45 (RFC 9285) -> context prefix.

The same layering as the EU HCERT (`HC1:`), with Kinward's own prefix `KW1:` so that a Kinward birth certificate
can never be mistaken for, or verified as, a health certificate. Base45's alphabet is exactly the QR
alphanumeric character set, so the whole text, prefix included, fits QR alphanumeric mode.
"""

from __future__ import annotations

import zlib

import base45

from .errors import BadBase45Error, BadCompressionError, BadPrefixError

DEFAULT_PREFIX = "KW1:"
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MAX_COSE_BYTES = 16 * 1024
"""Inflated size limit: a QR holds at most 2953 bytes, so anything larger is a decompression bomb."""

_BASE45_SET = frozenset(BASE45_ALPHABET)


def add_prefix(base45_text: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Prepend the context identifier (e.g. `KW1:`) to a Base45 text."""
    return prefix + base45_text


def strip_prefix(text: str, prefix: str = DEFAULT_PREFIX) -> str:
    """Remove the context identifier; `BadPrefixError` if the text does not start with exactly `prefix`."""
    if not isinstance(text, str):
        raise BadPrefixError(f"certificate text must be a str, got {type(text).__name__}")
    if not text.startswith(prefix):
        raise BadPrefixError(f"certificate text does not start with {prefix!r} (starts with {text[:4]!r})")
    return text[len(prefix) :]


def base45_encode(data: bytes) -> str:
    """Base45-encode bytes (RFC 9285 section 4): each 2 bytes to 3 characters, a last odd byte to 2."""
    return base45.b45encode(data).decode("ascii")


def base45_decode(text: str) -> bytes:
    """Strict Base45 decoding (RFC 9285 section 4.3).

    Rejects characters outside the 45-character alphabet, a length of 3n+1, and triplets or pairs whose value
    exceeds 65535 or 255, raising `BadBase45Error`.
    """
    bad = sorted(set(text) - _BASE45_SET)
    if bad:
        raise BadBase45Error(f"Base45 text contains characters outside the alphabet: {''.join(bad)!r}")
    if len(text) % 3 == 1:
        raise BadBase45Error(f"Base45 text length {len(text)} leaves one dangling character")
    try:
        return base45.b45decode(text)
    except ValueError:
        raise BadBase45Error("Base45 text has a group whose value is out of range") from None


def deflate(data: bytes) -> bytes:
    """zlib-compress (RFC 1950 wrapper around DEFLATE, RFC 1951) at the highest level, 9."""
    return zlib.compress(data, 9)


def inflate(data: bytes, max_size: int = MAX_COSE_BYTES) -> bytes:
    """Inflate exactly one complete zlib stream of at most `max_size` bytes; `BadCompressionError` otherwise.

    Truncated streams, bad Adler-32 checksums, trailing bytes after the stream and outputs larger than
    `max_size` are all rejected.
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_size + 1)
    except zlib.error as exc:
        raise BadCompressionError(f"zlib data does not inflate: {exc}") from None
    if len(out) > max_size:
        raise BadCompressionError(f"zlib data inflates to more than {max_size} bytes")
    if not inflater.eof:
        raise BadCompressionError("zlib stream is truncated")
    if inflater.unused_data:
        raise BadCompressionError(f"{len(inflater.unused_data)} bytes follow the end of the zlib stream")
    return out


def encode_transport(cose_bytes: bytes, prefix: str = DEFAULT_PREFIX) -> str:
    """COSE bytes -> zlib level 9 -> Base45 -> prefixed text, ready for a QR code."""
    return add_prefix(base45_encode(deflate(cose_bytes)), prefix)


def decode_transport(text: str, prefix: str = DEFAULT_PREFIX) -> bytes:
    """Prefixed text -> COSE bytes, undoing prefix, Base45 and zlib; raises the failing layer's error."""
    return inflate(base45_decode(strip_prefix(text, prefix)))
