"""Kinward ledger: an RFC 9162 Merkle log of registry events with C2SP signed checkpoints and tlog-proofs.

No Django here. See docs/engines/ledger.md.
"""

from .checkpoint import Checkpoint, open_checkpoint, parse_checkpoint, sign_log_checkpoint
from .errors import (
    CheckpointFormatError,
    CheckpointInconsistent,
    IndexOutOfRange,
    InvalidHashLength,
    InvalidTreeSize,
    KeyFormatError,
    LedgerError,
    NoteError,
    NoteFormatError,
    ProofError,
    ProofRequestError,
    RootMismatch,
    SignatureError,
    StoreError,
    TlogProofFormatError,
    WrongProofLength,
)
from .hashing import EMPTY_ROOT, leaf_hash, node_hash
from .leaf import LeafEncodingError, canonical_json, commitment, commitments, new_record_secret
from .log import MerkleLog
from .note import NoteSigner, NoteVerifier, OpenedNote, key_id, open_note, sign_note
from .proofs import verify_consistency, verify_inclusion
from .sqlstore import SQLiteLedger, SQLStore
from .store import LedgerStore, MemoryStore
from .tlogproof import TlogProof, make_tlog_proof, parse_tlog_proof, verify_tlog_proof

__all__ = [
    "Checkpoint",
    "CheckpointFormatError",
    "CheckpointInconsistent",
    "EMPTY_ROOT",
    "IndexOutOfRange",
    "InvalidHashLength",
    "InvalidTreeSize",
    "KeyFormatError",
    "LeafEncodingError",
    "LedgerError",
    "LedgerStore",
    "MemoryStore",
    "MerkleLog",
    "NoteError",
    "NoteFormatError",
    "NoteSigner",
    "NoteVerifier",
    "OpenedNote",
    "ProofError",
    "ProofRequestError",
    "RootMismatch",
    "SQLStore",
    "SQLiteLedger",
    "SignatureError",
    "StoreError",
    "TlogProof",
    "TlogProofFormatError",
    "WrongProofLength",
    "canonical_json",
    "commitment",
    "commitments",
    "key_id",
    "leaf_hash",
    "make_tlog_proof",
    "new_record_secret",
    "node_hash",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "parse_tlog_proof",
    "sign_log_checkpoint",
    "sign_note",
    "verify_consistency",
    "verify_inclusion",
    "verify_tlog_proof",
]
