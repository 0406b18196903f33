"""Exceptions of the ledger engine.

Every failure names what was wrong: which proof, index, size, key or line, and why. Verification failures are
all `ProofError` (for Merkle proofs) or `NoteError` (for signed notes), so a caller can catch one class and still
print a precise reason.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every error raised by kinward.engines.ledger."""


# --- Merkle proof verification (RFC 9162 §2.1.3.2, §2.1.4.2) -------------------------------------------------
class ProofError(LedgerError):
    """A Merkle inclusion or consistency proof does not verify; the subclass and message say why."""


class IndexOutOfRange(ProofError):
    """The leaf index is negative or not smaller than the tree size."""


class InvalidTreeSize(ProofError):
    """A tree size is negative, zero where a non-empty tree is required, or the sizes are out of order."""


class InvalidHashLength(ProofError):
    """A leaf hash or proof hash is not 32 bytes (SHA-256)."""


class WrongProofLength(ProofError):
    """The proof has more or fewer hashes than RFC 9162 prescribes for this index and size(s)."""


class RootMismatch(ProofError):
    """The root recomputed from the proof differs from the root it was checked against."""


# --- Proof generation and storage ------------------------------------------------------------------------------
class ProofRequestError(LedgerError, ValueError):
    """A proof or root was requested for an index or size the log cannot answer (e.g. beyond its size)."""


class StoreError(LedgerError):
    """The store is missing a node it must hold, or its content contradicts itself."""


# --- Signed notes, checkpoints, tlog-proof files ---------------------------------------------------------------
class NoteError(LedgerError):
    """A signed note, key or checkpoint could not be parsed or verified."""


class KeyFormatError(NoteError):
    """A signer or verifier key string is malformed (name, key ID, algorithm byte or key length)."""


class NoteFormatError(NoteError):
    """A note's text or signature lines break the C2SP signed-note grammar."""


class SignatureError(NoteError):
    """A signature by a known key does not verify, or no signature by a known key is present."""


class CheckpointFormatError(NoteError):
    """A checkpoint body breaks the C2SP tlog-checkpoint grammar (origin, size, root hash, extensions)."""


class CheckpointInconsistent(LedgerError):
    """The log refuses to sign: the new checkpoint is not consistent with the last checkpoint it signed."""


class TlogProofFormatError(NoteError):
    """A .tlog-proof file breaks the c2sp.org/tlog-proof@v1 grammar."""
