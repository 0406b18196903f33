"""The append-only Merkle log (RFC 9162 §2.1) over a LedgerStore.

Appending a leaf stores its hash and the hash of every perfect subtree it completes, so the store always holds
all perfect subtrees of the tree. Any root, inclusion proof or consistency proof is then a fold of O(log n)
stored nodes: one batched read, no recomputation over leaves. The log keeps the right edge (the perfect subtrees
of the current size, largest first) in memory to hash new leaves without reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .errors import ProofRequestError
from .hashing import EMPTY_ROOT, fold_right, leaf_hash, node_count, node_hash, node_id, perfect_subtrees
from .proofs import Range, consistency_plan, inclusion_plan
from .store import LedgerStore, MemoryStore

if TYPE_CHECKING:
    from .note import NoteSigner


class MerkleLog:
    """An RFC 9162 Merkle log of byte-string entries, persisted in a LedgerStore (default: in memory).

    A log object holds the right edge of the tree in memory, but re-reads it from the store at the start of
    every append (one size query and one read of at most 64 nodes), so appends stay correct when another
    writer appended in between or when the caller's transaction was rolled back.
    """

    def __init__(self, store: LedgerStore | None = None) -> None:
        self.store: LedgerStore = store if store is not None else MemoryStore()
        self._size = 0
        self._edge: list[bytes] = []
        self.reload()

    def reload(self) -> None:
        """Re-read the tree size and the right-edge subtree hashes from the store (O(log n) reads)."""
        size = self.store.tree_size()
        ids = [node_id(level, index) for level, index in perfect_subtrees(0, size)]
        self._edge = self.store.read_nodes(ids) if ids else []
        self._size = size

    @property
    def size(self) -> int:
        """Number of leaves in the log."""
        return self._size

    def append(self, data: bytes) -> int:
        """Append one entry; return its leaf index."""
        return self.append_many([data]).start

    def append_many(self, leaves: Iterable[bytes]) -> range:
        """Append entries in order with one store write; return the range of their leaf indexes.

        For leaf i the number of subtrees it completes is the number of trailing one bits of i; each is hashed
        from the cached right edge (RFC 9162 §2.1.1 node hash), giving the post-order node sequence.
        """
        self.reload()
        batch = list(leaves)
        for position, data in enumerate(batch):
            if not isinstance(data, bytes | bytearray | memoryview):
                raise TypeError(f"leaf #{position} of the batch is {type(data).__name__}, expected bytes")
        first = self._size
        edge = list(self._edge)
        new_nodes: list[bytes] = []
        index = first
        for data in batch:
            h = leaf_hash(bytes(data))
            new_nodes.append(h)
            i = index
            while i & 1:
                h = node_hash(edge.pop(), h)
                new_nodes.append(h)
                i >>= 1
            edge.append(h)
            index += 1
        if batch:
            self.store.append(first, [bytes(d) for d in batch], node_count(first), new_nodes)
            self._edge, self._size = edge, index
        return range(first, index)

    # --- reading ------------------------------------------------------------------------------------------
    def _range_hashes(self, ranges: Sequence[Range]) -> list[bytes]:
        """MTH of each leaf range, from one batched read of the perfect subtrees that compose them."""
        parts = [perfect_subtrees(start, size) for start, size in ranges]
        ids = [node_id(level, index) for subtrees in parts for level, index in subtrees]
        values = iter(self.store.read_nodes(ids)) if ids else iter(())
        return [fold_right([next(values) for _ in subtrees]) for subtrees in parts]

    def _check_size(self, tree_size: int | None) -> int:
        size = self._size if tree_size is None else tree_size
        if not 0 <= size <= self._size:
            raise ProofRequestError(f"tree size {size} is outside the log (size {self._size})")
        return size

    def root(self, tree_size: int | None = None) -> bytes:
        """MTH(D[tree_size]) of RFC 9162 §2.1.1 for the current or any earlier size; SHA-256('') when empty."""
        size = self._check_size(tree_size)
        if size == 0:
            return EMPTY_ROOT
        if size == self._size:
            return fold_right(self._edge)
        return self._range_hashes([(0, size)])[0]

    def leaf_hash(self, index: int) -> bytes:
        """The stored RFC 9162 leaf hash of entry `index`."""
        if not 0 <= index < self._size:
            raise ProofRequestError(f"leaf index {index} is outside the log (size {self._size})")
        return self.store.read_nodes([node_id(0, index)])[0]

    def leaf_data(self, index: int) -> bytes:
        """The stored bytes of entry `index`."""
        if not 0 <= index < self._size:
            raise ProofRequestError(f"leaf index {index} is outside the log (size {self._size})")
        return self.store.read_leaf(index)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of `tree_size` (default: current)."""
        size = self._check_size(tree_size)
        if not 0 <= index < size:
            raise ProofRequestError(f"leaf index {index} is outside a tree of size {size}")
        return self._range_hashes(inclusion_plan(index, size))

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 consistency proof between the trees of `size1` and `size2` (default: current)."""
        size2 = self._check_size(size2)
        if not 0 < size1 <= size2:
            raise ProofRequestError(f"consistency proof needs 0 < size1 <= size2, got {size1} and {size2}")
        return self._range_hashes(consistency_plan(size1, size2))

    # --- checkpoints -------------------------------------------------------------------------------------
    def sign_checkpoint(self, signer: NoteSigner, origin: str, extensions: Sequence[str] = ()) -> str:
        """Sign a C2SP checkpoint of the current tree, refusing if it is inconsistent with the last one signed.

        See `checkpoint.sign_log_checkpoint`; the signed note is saved in the store and returned.
        """
        from .checkpoint import sign_log_checkpoint

        return sign_log_checkpoint(self, signer, origin, extensions)
