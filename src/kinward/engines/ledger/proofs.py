"""Shapes of RFC 9162 proofs and their verification.

`inclusion_plan` and `consistency_plan` follow RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) on sizes only:
they return, in proof order, the leaf ranges whose Merkle tree hashes make up the proof. A log turns each range
into O(1) stored perfect subtrees (see `hashing.perfect_subtrees`), so a proof costs O(log n) reads.

`verify_inclusion` and `verify_consistency` are the verification algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2,
with the strictness rules the transparency-dev test vectors require (32-byte hashes, size1 > 0, exact lengths).
"""

from __future__ import annotations

from collections.abc import Sequence

from .errors import IndexOutOfRange, InvalidHashLength, InvalidTreeSize, RootMismatch, WrongProofLength
from .hashing import HASH_SIZE, largest_power_of_two_below, node_hash

Range = tuple[int, int]  # (first leaf, number of leaves)


def inclusion_plan(index: int, tree_size: int) -> list[Range]:
    """Leaf ranges whose hashes form the inclusion proof PATH(index, D[tree_size]) of RFC 9162 §2.1.3.1.

    Ordered from the leaf's sibling up to the root's child. Requires 0 <= index < tree_size.
    """
    plan: list[Range] = []
    start, size, m = 0, tree_size, index
    while size > 1:
        k = largest_power_of_two_below(size)
        if m < k:
            plan.append((start + k, size - k))
            size = k
        else:
            plan.append((start, k))
            start, size, m = start + k, size - k, m - k
    plan.reverse()
    return plan


def consistency_plan(size1: int, size2: int) -> list[Range]:
    """Leaf ranges whose hashes form the consistency proof PROOF(size1, D[size2]) of RFC 9162 §2.1.4.1.

    Requires 0 < size1 <= size2; equal sizes give the empty proof.
    """
    plan: list[Range] = []
    start, size, m, complete = 0, size2, size1, True
    while m != size:
        k = largest_power_of_two_below(size)
        if m <= k:
            plan.append((start + k, size - k))
            size = k
        else:
            plan.append((start, k))
            start, size, m, complete = start + k, size - k, m - k, False
    if not complete:
        plan.append((start, size))
    plan.reverse()
    return plan


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise InvalidHashLength(f"{what} is {len(value)} bytes, a SHA-256 hash is {HASH_SIZE}")


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check an RFC 9162 §2.1.3.2 inclusion proof that `leaf_hash` is leaf `index` of the tree with `root`.

    Returns None when the proof holds; raises a `ProofError` subclass naming the reason otherwise:
    IndexOutOfRange (index >= tree_size or negative), InvalidHashLength (a hash is not 32 bytes),
    WrongProofLength (too many or too few hashes), RootMismatch (the recomputed root differs).
    """
    if tree_size < 0 or index < 0 or index >= tree_size:
        raise IndexOutOfRange(f"leaf index {index} is outside a tree of size {tree_size}")
    _check_hash(leaf_hash, "leaf hash")
    for i, h in enumerate(proof):
        _check_hash(h, f"proof hash #{i}")
    expected = len(inclusion_plan(index, tree_size))
    if len(proof) != expected:
        raise WrongProofLength(
            f"inclusion proof for index {index} in size {tree_size} needs {expected} hashes, got {len(proof)}"
        )
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:  # cannot happen when the length matched; kept as the RFC's final check
        raise WrongProofLength(f"inclusion proof for index {index} in size {tree_size} ended early")
    if r != root:
        raise RootMismatch(f"inclusion proof for leaf {index} gives root {r.hex()}, expected {root.hex()}")


def verify_consistency(size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes) -> None:
    """Check an RFC 9162 §2.1.4.2 proof that the tree of `size2` leaves (`root2`) extends the one of `size1`.

    Strict rules (as the transparency-dev vectors require): size1 must be > 0 and <= size2; equal sizes need an
    empty proof and byte-equal roots. Raises InvalidTreeSize, InvalidHashLength, WrongProofLength or
    RootMismatch (saying which root) when the proof does not hold.
    """
    if size1 < 0 or size2 < 0:
        raise InvalidTreeSize(f"tree sizes must not be negative (size1={size1}, size2={size2})")
    if size1 > size2:
        raise InvalidTreeSize(f"size1 {size1} is larger than size2 {size2}: a log never shrinks")
    if size1 == 0:
        raise InvalidTreeSize("size1 is 0: consistency with the empty tree is not proven by a proof")
    if size1 == size2:
        if proof:
            raise WrongProofLength(f"sizes are equal ({size1}) so the proof must be empty, got {len(proof)}")
        if root1 != root2:
            raise RootMismatch(f"sizes are equal ({size1}) but root1 {root1.hex()} != root2 {root2.hex()}")
        return
    for i, h in enumerate(proof):
        _check_hash(h, f"proof hash #{i}")
    expected = len(consistency_plan(size1, size2))
    if len(proof) != expected:
        raise WrongProofLength(
            f"consistency proof {size1} -> {size2} needs {expected} hashes, got {len(proof)}"
        )
    _check_consistency_path(size1, size2, list(proof), root1, root2)


def _check_consistency_path(size1: int, size2: int, path: list[bytes], root1: bytes, root2: bytes) -> None:
    """Steps 1-6 of RFC 9162 §2.1.4.2 on a proof of the right length."""
    if size1 & (size1 - 1) == 0:  # size1 is a power of two: its root is the first hash
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise WrongProofLength(f"consistency proof {size1} -> {size2} is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise WrongProofLength(f"consistency proof {size1} -> {size2} is too short")
    if fr != root1:
        raise RootMismatch(f"consistency proof gives root1 {fr.hex()}, expected {root1.hex()}")
    if sr != root2:
        raise RootMismatch(f"consistency proof gives root2 {sr.hex()}, expected {root2.hex()}")
