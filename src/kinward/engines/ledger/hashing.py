"""RFC 9162 §2.1.1 Merkle tree hashing and the addressing of stored perfect subtrees.

Leaf hash: SHA-256(0x00 || data). Interior node: SHA-256(0x01 || left || right). The hash of the empty tree is
SHA-256 of the empty string.

A *perfect subtree* (level k, index i) covers the leaves [i * 2**k, (i + 1) * 2**k). The log stores the hash of
every perfect subtree once it is complete. Nodes are numbered in post-order (the order in which an append-only
log completes them), so a batch of appends writes a contiguous run of node ids: leaf i is node
`2*i - popcount(i)` and a log of n leaves holds `2*n - popcount(n)` nodes.
"""

from __future__ import annotations

import hashlib

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 §2.1.1 leaf hash MTH({d}) = SHA-256(0x00 || d) of one log entry."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 §2.1.1 interior node hash SHA-256(0x01 || left || right)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """Return k, the largest power of two strictly smaller than n (n > 1): the split point of RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def node_id(level: int, index: int) -> int:
    """Return the post-order id of perfect subtree (level, index): its position in the log's node sequence.

    The subtree is completed by the append of leaf L = (index + 1) * 2**level - 1; before that append the log
    held 2*L - popcount(L) nodes, the leaf comes next, then `level` parents, the last of which is this node.
    """
    last_leaf = ((index + 1) << level) - 1
    return 2 * last_leaf - last_leaf.bit_count() + level


def node_count(tree_size: int) -> int:
    """Return the number of perfect-subtree nodes a log of `tree_size` leaves stores: 2n - popcount(n)."""
    return 2 * tree_size - tree_size.bit_count()


def perfect_subtrees(start: int, size: int) -> list[tuple[int, int]]:
    """Split the leaf range [start, start + size) into perfect subtrees (level, index), left to right.

    Valid for the ranges RFC 9162 §2.1 recursion produces: `start` is a multiple of the power of two that
    bounds `size`, so the binary digits of `size` (high to low) give the subtrees, and their right-to-left fold
    with `node_hash` is MTH of the range.
    """
    out: list[tuple[int, int]] = []
    offset = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            out.append((level, offset >> level))
            offset += 1 << level
    return out


def fold_right(hashes: list[bytes]) -> bytes:
    """Combine subtree hashes (left to right) into MTH of their concatenation: h = H(x, h) from the right."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc
