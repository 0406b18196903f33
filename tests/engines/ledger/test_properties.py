"""Hypothesis: every generated proof verifies; any flipped bit, other index or other size is rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinward.engines.ledger import MerkleLog, ProofError, leaf_hash, verify_consistency, verify_inclusion

MAX = 300
LEAVES = [f"birth-event-{i}".encode() for i in range(MAX)]
LOG = MerkleLog()
LOG.append_many(LEAVES)
ROOTS = [LOG.root(n) for n in range(MAX + 1)]


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(1, MAX))
    return draw(st.integers(0, size - 1)), size


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    size2 = draw(st.integers(1, MAX))
    return draw(st.integers(1, size2)), size2


def _inclusion_shape(index: int, size: int) -> tuple[bool, ...]:
    """The left/right hashing decisions RFC 9162 §2.1.3.2 makes for (index, size), without any hash."""
    fn, sn, steps = index, size - 1, []
    while sn:
        left = bool(fn & 1 or fn == sn)
        steps.append(left)
        if left:
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    return tuple(steps)


def _consistency_shape(size1: int, size2: int) -> tuple[object, ...]:
    """The decisions RFC 9162 §2.1.4.2 makes for (size1, size2), without any hash."""
    if size1 == size2:
        return ("equal",)
    fn, sn, steps = size1 - 1, size2 - 1, [size1 & (size1 - 1) == 0]
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    while sn:
        both = bool(fn & 1 or fn == sn)
        steps.append(both)
        if both:
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        fn, sn = fn >> 1, sn >> 1
    return tuple(steps)


def _flip(proof: list[bytes], which: int, bit: int) -> list[bytes]:
    target = bytearray(proof[which])
    target[bit // 8] ^= 1 << (bit % 8)
    return [bytes(target) if i == which else h for i, h in enumerate(proof)]


@settings(max_examples=150, deadline=None)
@given(index_and_size(), st.data())
def test_every_inclusion_proof_verifies_and_every_corruption_fails(case: tuple[int, int], data) -> None:
    index, size = case
    proof = LOG.inclusion_proof(index, size)
    leaf = leaf_hash(LEAVES[index])
    verify_inclusion(leaf, index, size, proof, ROOTS[size])
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        with pytest.raises(ProofError):
            verify_inclusion(
                leaf, index, size, _flip(proof, which, data.draw(st.integers(0, 255))), ROOTS[size]
            )
    with pytest.raises(ProofError):
        verify_inclusion(_flip([leaf], 0, data.draw(st.integers(0, 255)))[0], index, size, proof, ROOTS[size])
    other_index = data.draw(st.integers(0, MAX).filter(lambda i: i != index))
    with pytest.raises(ProofError):
        verify_inclusion(leaf, other_index, size, proof, ROOTS[size])
    # A different size is rejected unless RFC 9162 hashes the proof in exactly the same way for it (then the
    # recomputed root is the same: the proof does not bind the size; the signed checkpoint does).
    other_size = data.draw(st.integers(index + 1, MAX + 5).filter(lambda n: n != size))
    if _inclusion_shape(index, other_size) == _inclusion_shape(index, size):
        verify_inclusion(leaf, index, other_size, proof, ROOTS[size])
    else:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, other_size, proof, ROOTS[size])


@settings(max_examples=150, deadline=None)
@given(two_sizes(), st.data())
def test_every_consistency_proof_verifies_and_every_corruption_fails(case: tuple[int, int], data) -> None:
    size1, size2 = case
    proof = LOG.consistency_proof(size1, size2)
    verify_consistency(size1, size2, proof, ROOTS[size1], ROOTS[size2])
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        bad = _flip(proof, which, data.draw(st.integers(0, 255)))
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, bad, ROOTS[size1], ROOTS[size2])
    for other1, other2 in (
        (data.draw(st.integers(1, MAX + 5).filter(lambda n: n != size1)), size2),
        (size1, data.draw(st.integers(1, MAX + 5).filter(lambda n: n != size2))),
    ):
        if other1 <= other2 and _consistency_shape(other1, other2) == _consistency_shape(size1, size2):
            verify_consistency(
                other1, other2, proof, ROOTS[size1], ROOTS[size2]
            )  # sizes not bound: see above
        else:
            with pytest.raises(ProofError):
                verify_consistency(other1, other2, proof, ROOTS[size1], ROOTS[size2])
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, proof, ROOTS[size1], _flip([ROOTS[size2]], 0, 7)[0])


def test_a_proof_alone_does_not_bind_the_tree_size_so_the_checkpoint_must() -> None:
    proof = LOG.inclusion_proof(0, 258)
    verify_inclusion(leaf_hash(LEAVES[0]), 0, 258, proof, ROOTS[258])
    verify_inclusion(leaf_hash(LEAVES[0]), 0, 257, proof, ROOTS[258])  # same hashing: accepted
    with pytest.raises(ProofError):
        verify_inclusion(leaf_hash(LEAVES[0]), 0, 256, proof, ROOTS[258])
