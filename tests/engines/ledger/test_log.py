"""The Merkle log's roots and proofs equal the RFC 9162 definitions, from stored nodes only."""

from __future__ import annotations

import pytest

from kinward.engines.ledger import (
    EMPTY_ROOT,
    IndexOutOfRange,
    InvalidTreeSize,
    MemoryStore,
    MerkleLog,
    ProofRequestError,
    RootMismatch,
    WrongProofLength,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from kinward.engines.ledger.hashing import node_count, node_id

# RFC 6962 reference tree (certificate-transparency test data), roots for sizes 1..8.
RFC6962_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
]
RFC6962_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def test_it_reproduces_the_rfc6962_reference_roots() -> None:
    log = MerkleLog()
    for size, data in enumerate(RFC6962_LEAVES, start=1):
        log.append(data)
        assert log.root().hex() == RFC6962_ROOTS[size - 1]
    assert [log.root(n).hex() for n in range(1, 9)] == RFC6962_ROOTS


def test_the_empty_log_has_the_hash_of_the_empty_string_as_root() -> None:
    assert MerkleLog().root() == EMPTY_ROOT


def test_node_ids_are_the_post_order_of_an_append_only_log() -> None:
    order = []
    for i in range(16):
        order.append((0, i))
        level, index = 0, i
        while index & 1:
            level, index = level + 1, index >> 1
            order.append((level, index))
    assert [node_id(level, index) for level, index in order] == list(range(len(order)))
    assert node_count(16) == len(order) == 31


def test_roots_at_every_size_equal_the_recursive_definition(sample_leaves: list[bytes], ref) -> None:
    log = MerkleLog()
    log.append_many(sample_leaves)
    for size in range(len(sample_leaves) + 1):
        assert log.root(size) == ref.mth(sample_leaves[:size])


def test_inclusion_proofs_equal_rfc_path_for_every_index_and_size(ref) -> None:
    leaves = [ref.entry(i) for i in range(33)]
    log = MerkleLog()
    log.append_many(leaves)
    for size in range(1, 34):
        for index in range(size):
            proof = log.inclusion_proof(index, size)
            assert proof == ref.path(index, leaves[:size])
            verify_inclusion(leaf_hash(leaves[index]), index, size, proof, log.root(size))


def test_consistency_proofs_equal_rfc_subproof_for_every_pair_of_sizes(ref) -> None:
    leaves = [ref.entry(i) for i in range(33)]
    log = MerkleLog()
    log.append_many(leaves)
    for size2 in range(1, 34):
        for size1 in range(1, size2 + 1):
            proof = log.consistency_proof(size1, size2)
            assert proof == ref.subproof(size1, leaves[:size2], True)
            verify_consistency(size1, size2, proof, log.root(size1), log.root(size2))


def test_batched_and_single_appends_build_the_same_store(sample_leaves: list[bytes]) -> None:
    one, batched = MerkleLog(), MerkleLog()
    for data in sample_leaves:
        one.append(data)
    batched.append_many(sample_leaves[:5])
    batched.append_many(sample_leaves[5:])
    assert one.store.nodes == batched.store.nodes
    assert len(one.store.nodes) == node_count(len(sample_leaves))


def test_a_log_reopened_on_its_store_continues_the_same_tree(sample_leaves: list[bytes], ref) -> None:
    store = MemoryStore()
    MerkleLog(store).append_many(sample_leaves[:37])
    reopened = MerkleLog(store)
    reopened.append_many(sample_leaves[37:])
    assert reopened.root() == ref.mth(sample_leaves)
    assert reopened.leaf_data(40) == sample_leaves[40]
    assert reopened.leaf_hash(40) == leaf_hash(sample_leaves[40])


def test_a_proof_reads_only_a_logarithmic_number_of_nodes(ref) -> None:
    class CountingStore(MemoryStore):
        reads = 0

        def read_nodes(self, node_ids):
            CountingStore.reads += len(node_ids)
            return super().read_nodes(node_ids)

    log = MerkleLog(CountingStore())
    log.append_many(ref.entry(i) for i in range(5000))
    CountingStore.reads = 0
    log.inclusion_proof(1234, 4999)
    log.consistency_proof(1000, 4999)
    log.root(3333)
    assert CountingStore.reads <= 3 * 2 * 13


def test_it_refuses_proofs_outside_the_log(sample_leaves: list[bytes]) -> None:
    log = MerkleLog()
    log.append_many(sample_leaves[:10])
    with pytest.raises(ProofRequestError, match="outside"):
        log.inclusion_proof(10)
    with pytest.raises(ProofRequestError, match="outside the log"):
        log.root(11)
    with pytest.raises(ProofRequestError, match="0 < size1"):
        log.consistency_proof(0, 5)
    with pytest.raises(TypeError, match="expected bytes"):
        log.append("not bytes")  # type: ignore[arg-type]


def test_verification_errors_name_the_reason(sample_leaves: list[bytes]) -> None:
    log = MerkleLog()
    log.append_many(sample_leaves[:10])
    proof = log.inclusion_proof(3)
    with pytest.raises(IndexOutOfRange, match="outside a tree of size 10"):
        verify_inclusion(leaf_hash(sample_leaves[3]), 10, 10, proof, log.root())
    with pytest.raises(WrongProofLength, match="needs 4 hashes, got 3"):
        verify_inclusion(leaf_hash(sample_leaves[3]), 3, 10, proof[:3], log.root())
    with pytest.raises(RootMismatch):
        verify_inclusion(leaf_hash(sample_leaves[4]), 3, 10, proof, log.root())
    with pytest.raises(InvalidTreeSize, match="never shrinks"):
        verify_consistency(5, 4, [], log.root(5), log.root(4))
