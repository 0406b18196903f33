"""C2SP tlog-checkpoint bodies (c2sp.org/tlog-checkpoint) and the log's refusal to sign an inconsistent one.

Checkpoint body (the note text):

    <origin>\\n                  a unique, schema-less name of the log, e.g. "registry.example.org/births"
    <tree size>\\n               ASCII decimal, no leading zeros
    <base64 root hash>\\n        standard base64 of the 32-byte RFC 9162 root
    [<extension line>\\n ...]    optional, non-empty lines

It is published as a signed note (see `note.py`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import CheckpointFormatError, CheckpointInconsistent, ProofError
from .hashing import EMPTY_ROOT, HASH_SIZE
from .note import NoteSigner, NoteVerifier, open_note, sign_note
from .proofs import verify_consistency

if TYPE_CHECKING:
    from .log import MerkleLog


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin line, tree size, root hash and optional extension lines."""

    origin: str
    tree_size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def to_text(self) -> str:
        """The checkpoint body as note text (each line ending in a newline)."""
        if not self.origin or "\n" in self.origin:
            raise CheckpointFormatError(f"origin {self.origin!r} must be one non-empty line")
        if self.tree_size < 0 or len(self.root_hash) != HASH_SIZE:
            raise CheckpointFormatError("tree size must be >= 0 and the root a 32-byte hash")
        for line in self.extensions:
            if not line or "\n" in line:
                raise CheckpointFormatError(f"extension line {line!r} must be one non-empty line")
        lines = [
            self.origin,
            str(self.tree_size),
            base64.b64encode(self.root_hash).decode(),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint body (the text of a signed note) per c2sp.org/tlog-checkpoint."""
    if not text.endswith("\n"):
        raise CheckpointFormatError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointFormatError(f"checkpoint needs origin, size and root lines, got {len(lines)} lines")
    origin, size_line, root_line, *extensions = lines
    if not origin:
        raise CheckpointFormatError("checkpoint origin line is empty")
    if not size_line.isascii() or not size_line.isdigit() or (size_line != "0" and size_line.startswith("0")):
        raise CheckpointFormatError(
            f"checkpoint tree size {size_line!r} is not a decimal without leading zeros"
        )
    try:
        root = base64.b64decode(root_line, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointFormatError(f"checkpoint root hash {root_line!r} is not base64")
    if len(root) != HASH_SIZE:
        raise CheckpointFormatError(f"checkpoint root hash is {len(root)} bytes, expected {HASH_SIZE}")
    if any(not line for line in extensions):
        raise CheckpointFormatError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size_line), root, tuple(extensions))


def open_checkpoint(
    signed_note: str, verifiers: Iterable[NoteVerifier], origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and parse its body; optionally require the origin line."""
    checkpoint = parse_checkpoint(open_note(signed_note, verifiers).text)
    if origin is not None and checkpoint.origin != origin:
        raise CheckpointFormatError(f"checkpoint origin {checkpoint.origin!r} is not the expected {origin!r}")
    return checkpoint


def sign_log_checkpoint(
    log: MerkleLog, signer: NoteSigner, origin: str, extensions: Sequence[str] = ()
) -> str:
    """Sign and save a checkpoint of the log's current tree, after proving it extends the last one signed.

    The last signed checkpoint is read back from the store and its signature checked with the signer's own key;
    the new tree must have the same origin, a size not smaller, and an RFC 9162 §2.1.4 consistency proof from
    the old root to the new root generated from the stored nodes must verify. Otherwise CheckpointInconsistent.
    """
    new = Checkpoint(origin, log.size, log.root(), tuple(extensions))
    previous_note = log.store.latest_checkpoint()
    if previous_note is not None:
        previous = open_checkpoint(previous_note, [signer.verifier()])
        _require_consistent(log, previous, new)
    signed = sign_note(new.to_text(), [signer])
    log.store.save_checkpoint(new.tree_size, signed)
    return signed


def _require_consistent(log: MerkleLog, previous: Checkpoint, new: Checkpoint) -> None:
    if previous.origin != new.origin:
        raise CheckpointInconsistent(
            f"origin {new.origin!r} differs from last signed origin {previous.origin!r}"
        )
    if new.tree_size < previous.tree_size:
        raise CheckpointInconsistent(
            f"tree size {new.tree_size} is smaller than last signed size {previous.tree_size}: the log shrank"
        )
    if previous.tree_size == 0:
        if previous.root_hash != EMPTY_ROOT:
            raise CheckpointInconsistent(
                "last signed checkpoint of size 0 does not carry the empty-tree root"
            )
        return
    proof = log.consistency_proof(previous.tree_size, new.tree_size)
    try:
        verify_consistency(previous.tree_size, new.tree_size, proof, previous.root_hash, new.root_hash)
    except ProofError as exc:
        raise CheckpointInconsistent(
            f"refusing to sign size {new.tree_size}: not consistent with the last signed checkpoint "
            f"(size {previous.tree_size}): {exc}"
        )
