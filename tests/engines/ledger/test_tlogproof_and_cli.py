"""tlog-proof files (c2sp.org/tlog-proof@v1) and the `kinward ledger` commands, end to end on real files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.cli import main
from kinward.engines.ledger import (
    MerkleLog,
    NoteSigner,
    RootMismatch,
    SignatureError,
    TlogProof,
    TlogProofFormatError,
    leaf_hash,
    make_tlog_proof,
    parse_tlog_proof,
    verify_tlog_proof,
)

ORIGIN = "registry.example.org/births"


def _signed_log(n: int = 13) -> tuple[MerkleLog, NoteSigner, str]:
    signer = NoteSigner.generate(ORIGIN)
    log = MerkleLog()
    log.append_many([f"event {i}".encode() for i in range(n)])
    return log, signer, log.sign_checkpoint(signer, ORIGIN)


def test_a_tlog_proof_round_trips_and_verifies_offline() -> None:
    log, signer, note = _signed_log()
    proof = make_tlog_proof(log, 6, note, extra=b"context")
    text = proof.to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nextra Y29udGV4dA==\nindex 6\n")
    parsed = parse_tlog_proof(text)
    assert parsed == proof
    checkpoint = verify_tlog_proof(parsed, leaf_hash(b"event 6"), [signer.verifier()], ORIGIN)
    assert checkpoint.tree_size == 13
    with pytest.raises(RootMismatch):
        verify_tlog_proof(parsed, leaf_hash(b"event 7"), [signer.verifier()])
    with pytest.raises(SignatureError):
        verify_tlog_proof(parsed, leaf_hash(b"event 6"), [NoteSigner.generate(ORIGIN).verifier()])


def test_a_proof_for_the_single_leaf_tree_has_no_hash_lines() -> None:
    log, signer, note = _signed_log(1)
    text = make_tlog_proof(log, 0, note).to_text()
    assert text.startswith("c2sp.org/tlog-proof@v1\nindex 0\n\n")
    verify_tlog_proof(parse_tlog_proof(text), leaf_hash(b"event 0"), [signer.verifier()])


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("c2sp.org/tlog-proof@v2\nindex 0\n\nx\n", "first line"),
        ("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n", "leading zeros"),
        ("c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\nx\n", "not valid base64"),
        ("c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx\n", "expected 32"),
        ("c2sp.org/tlog-proof@v1\nindex 1\n", "no empty line"),
    ],
)
def test_malformed_tlog_proofs_are_rejected_with_the_reason(text: str, reason: str) -> None:
    with pytest.raises(TlogProofFormatError, match=reason):
        parse_tlog_proof(text)


def test_the_cli_creates_keys_signs_proves_and_verifies(tmp_path: Path, capsys) -> None:
    keys = tmp_path / "keys"
    assert main(["ledger", "keygen", "--name", ORIGIN, "--out-dir", str(keys)]) == 0
    secret, public = keys / "registry.example.org_births.key", keys / "registry.example.org_births.pub"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert NoteSigner.parse(secret.read_text()).verifier().to_string() == public.read_text().strip()
    assert main(["ledger", "keygen", "--name", ORIGIN, "--out-dir", str(keys)]) == 1  # never overwrites a key
    events = []
    for i in range(5):
        events.append(tmp_path / f"event{i}.json")
        events[-1].write_bytes(f'{{"event":"birth","n":{i}}}'.encode())
    db = str(tmp_path / "log.sqlite")
    assert main(["ledger", "append", db, *map(str, events)]) == 0
    assert main(["ledger", "checkpoint", db, "--key", str(secret), "--origin", ORIGIN]) == 0
    proof_file = tmp_path / "event3.tlog-proof"
    assert main(["ledger", "prove", db, "--index", "3", "--out", str(proof_file)]) == 0
    capsys.readouterr()

    args = ["ledger", "verify-proof", str(proof_file), "--key", str(public)]
    assert main([*args, "--leaf-data", str(events[3])]) == 0
    assert capsys.readouterr().out.startswith("valid: leaf 3")
    assert main([*args, "--leaf-hash", leaf_hash(events[3].read_bytes()).hex()]) == 0
    assert main([*args, "--leaf-data", str(events[2])]) == 1
    assert "invalid: RootMismatch" in capsys.readouterr().out
    other = NoteSigner.generate(ORIGIN).verifier().to_string()
    assert (
        main(["ledger", "verify-proof", str(proof_file), "--key", other, "--leaf-data", str(events[3])]) == 1
    )
    assert "invalid: SignatureError" in capsys.readouterr().out


def test_tlog_proof_dataclass_serialises_without_extra() -> None:
    proof = TlogProof(2, (b"\x01" * 32,), "note\n\n— k AAAA\n")
    assert (
        proof.to_text()
        == "c2sp.org/tlog-proof@v1\nindex 2\nAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n\nnote\n\n— k AAAA\n"
    )


@given(
    st.integers(0, 2**63),
    st.lists(st.binary(min_size=32, max_size=32), max_size=64),
    st.one_of(st.none(), st.binary(max_size=100)),
)
def test_any_tlog_proof_survives_serialisation(index: int, hashes: list[bytes], extra: bytes | None) -> None:
    proof = TlogProof(index, tuple(hashes), "origin\n1\nAAAA\n\n\u2014 k AAAA\n", extra)
    assert parse_tlog_proof(proof.to_text()) == proof
