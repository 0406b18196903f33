"""`.tlog-proof` files (c2sp.org/tlog-proof@v1): an offline proof that an entry is in a signed log tree.

c2sp.org/tlog-proof@v1
extra <base64>              optional, unauthenticated application data
index <N>                   zero-based leaf index, decimal without leading zeros
<base64 hash>               the RFC 9162 inclusion proof, leaf's sibling first, one per line
...
                            an empty line
<signed checkpoint note>    verbatim (c2sp.org/tlog-checkpoint as a c2sp.org/signed-note)
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .checkpoint import Checkpoint, open_checkpoint, parse_checkpoint
from .errors import ProofRequestError, TlogProofFormatError
from .hashing import HASH_SIZE
from .note import NoteVerifier
from .proofs import verify_inclusion

if TYPE_CHECKING:
    from .log import MerkleLog

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof: leaf index, inclusion proof hashes, signed checkpoint note and optional extra."""

    index: int
    proof: tuple[bytes, ...]
    signed_checkpoint: str
    extra: bytes | None = None

    def to_text(self) -> str:
        """Serialise in the c2sp.org/tlog-proof@v1 text format."""
        lines = [HEADER]
        if self.extra is not None:
            lines.append("extra " + base64.b64encode(self.extra).decode())
        lines.append(f"index {self.index}")
        lines.extend(base64.b64encode(h).decode() for h in self.proof)
        return "\n".join(lines) + "\n\n" + self.signed_checkpoint


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise TlogProofFormatError(f"{what} is not valid base64: {text[:40]!r}")


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse a c2sp.org/tlog-proof@v1 file (no signature check yet; see `verify_tlog_proof`)."""
    head, sep, signed_checkpoint = text.partition("\n\n")
    if not sep:
        raise TlogProofFormatError("tlog-proof has no empty line before the checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise TlogProofFormatError(f"first line must be {HEADER!r}, got {lines[0][:60]!r}")
    position, extra = 1, None
    if len(lines) > 1 and lines[1].startswith("extra "):
        extra, position = _b64(lines[1][6:], "extra data"), 2
    if len(lines) <= position or not lines[position].startswith("index "):
        raise TlogProofFormatError(f"line {position + 1} must be 'index <N>'")
    digits = lines[position][6:]
    if not digits.isascii() or not digits.isdigit() or (digits != "0" and digits.startswith("0")):
        raise TlogProofFormatError(f"index {digits!r} is not a decimal without leading zeros")
    proof = []
    for number, line in enumerate(lines[position + 1 :], start=position + 2):
        value = _b64(line, f"proof hash on line {number}")
        if len(value) != HASH_SIZE:
            raise TlogProofFormatError(
                f"proof hash on line {number} is {len(value)} bytes, expected {HASH_SIZE}"
            )
        proof.append(value)
    return TlogProof(int(digits), tuple(proof), signed_checkpoint, extra)


def make_tlog_proof(
    log: MerkleLog, index: int, signed_checkpoint: str, extra: bytes | None = None
) -> TlogProof:
    """Build the tlog-proof of leaf `index` against a checkpoint the log signed (its size, its root).

    The checkpoint body is parsed (not re-verified: it is the log's own) and its root must be the log's root at
    that size, so a proof is never issued against a checkpoint of another tree.
    """
    split = signed_checkpoint.rfind("\n\n")
    checkpoint = parse_checkpoint(signed_checkpoint[: split + 1])
    if log.root(checkpoint.tree_size) != checkpoint.root_hash:
        raise ProofRequestError(f"checkpoint root for size {checkpoint.tree_size} is not this log's root")
    proof = log.inclusion_proof(index, checkpoint.tree_size)
    return TlogProof(index, tuple(proof), signed_checkpoint, extra)


def verify_tlog_proof(
    proof: TlogProof, leaf_hash: bytes, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a tlog-proof offline (steps 2 and 4 of c2sp.org/tlog-proof): the checkpoint is signed by a known
    log key (and has the expected origin, if given) and the inclusion proof binds `leaf_hash` at the index to its
    root. Returns the checkpoint; raises NoteError or ProofError naming the failure."""
    checkpoint = open_checkpoint(proof.signed_checkpoint, verifiers, origin)
    verify_inclusion(leaf_hash, proof.index, checkpoint.tree_size, list(proof.proof), checkpoint.root_hash)
    return checkpoint
