"""Storage protocol of the Merkle log, and the in-memory store.

A store holds three things: the leaf data (index -> bytes), the hashes of every complete perfect subtree keyed
by post-order node id (see `hashing.node_id`), and the signed checkpoints the log has issued. The log appends
leaves with their new nodes in one call, so a store can write them in one batch (or one transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from .errors import StoreError


@runtime_checkable
class LedgerStore(Protocol):
    """What a Merkle log needs from its storage. Node ids are post-order ids (`hashing.node_id`)."""

    def tree_size(self) -> int:
        """Number of leaves stored."""
        ...

    def read_nodes(self, node_ids: Sequence[int]) -> list[bytes]:
        """Hashes of the given nodes, in the order asked; raises StoreError if one is missing."""
        ...

    def read_leaf(self, index: int) -> bytes:
        """Data of leaf `index`; raises StoreError if absent."""
        ...

    def append(
        self, first_index: int, leaves: Sequence[bytes], first_node: int, nodes: Sequence[bytes]
    ) -> None:
        """Store leaves first_index.. and nodes first_node.. (contiguous runs) in one batch."""
        ...

    def latest_checkpoint(self) -> str | None:
        """The last signed checkpoint note saved, or None."""
        ...

    def save_checkpoint(self, tree_size: int, signed_note: str) -> None:
        """Record a signed checkpoint note the log issued."""
        ...


class MemoryStore:
    """A LedgerStore in Python lists: for tests, benchmarks and short-lived logs. Not durable."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.nodes: list[bytes] = []
        self.checkpoints: list[tuple[int, str]] = []

    def tree_size(self) -> int:
        """Number of leaves stored."""
        return len(self.leaves)

    def read_nodes(self, node_ids: Sequence[int]) -> list[bytes]:
        """Hashes of the given post-order node ids, in order."""
        nodes = self.nodes
        try:
            return [nodes[i] for i in node_ids]
        except IndexError:
            raise StoreError(f"store holds {len(nodes)} nodes; asked for {max(node_ids)}")

    def read_leaf(self, index: int) -> bytes:
        """Data of leaf `index`."""
        if not 0 <= index < len(self.leaves):
            raise StoreError(f"leaf {index} is not stored (size {len(self.leaves)})")
        return self.leaves[index]

    def append(
        self, first_index: int, leaves: Sequence[bytes], first_node: int, nodes: Sequence[bytes]
    ) -> None:
        """Append leaves and nodes; the runs must continue exactly where the store ends."""
        if first_index != len(self.leaves) or first_node != len(self.nodes):
            raise StoreError(
                f"append at leaf {first_index}/node {first_node} but store ends at "
                f"leaf {len(self.leaves)}/node {len(self.nodes)}"
            )
        self.leaves.extend(leaves)
        self.nodes.extend(nodes)

    def latest_checkpoint(self) -> str | None:
        """The last signed checkpoint note saved, or None."""
        return self.checkpoints[-1][1] if self.checkpoints else None

    def save_checkpoint(self, tree_size: int, signed_note: str) -> None:
        """Record a signed checkpoint note."""
        self.checkpoints.append((tree_size, signed_note))
