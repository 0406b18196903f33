"""Signed ID blocks for offline facilities: issue, verify, prove an uploaded ID came from the block."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kinward.cli import main
from kinward.engines.ids import BlockError, format_id, issue_block, new_id, prove_id_in_block, verify_block
from kinward.engines.ledger import NoteSigner

REGISTRY = "registry.example.org/ids"


def test_a_block_verifies_and_proves_its_ids() -> None:
    signer = NoteSigner.generate(REGISTRY)
    block = issue_block(
        "Clinic 7, District North", 25, signer, issued_at=datetime(2026, 12, 2, 9, tzinfo=UTC)
    )
    assert len(set(block.ids)) == 25 and block.issued_at == "2026-12-02T09:00:00Z"
    verified = verify_block(block.signed_note, [signer.verifier()])
    assert verified == block
    proven = prove_id_in_block(format_id(block.ids[7]).lower(), block.signed_note, [signer.verifier()])
    assert proven.block_id == block.block_id and proven.contains(block.ids[7])


def test_an_id_not_in_the_block_or_an_altered_block_is_refused() -> None:
    signer = NoteSigner.generate(REGISTRY)
    block = issue_block("Clinic 7", 5, signer)
    outsider = new_id()
    with pytest.raises(BlockError, match="is not in block"):
        prove_id_in_block(outsider, block.signed_note, [signer.verifier()])
    altered = block.signed_note.replace(block.ids[0], outsider)
    with pytest.raises(BlockError, match="signature check failed"):
        verify_block(altered, [signer.verifier()])
    moved = block.signed_note.replace("facility Clinic 7", "facility Clinic 8")
    with pytest.raises(BlockError, match="signature check failed"):
        verify_block(moved, [signer.verifier()])
    with pytest.raises(BlockError, match="signature check failed"):
        verify_block(block.signed_note, [NoteSigner.generate(REGISTRY).verifier()])


def test_issue_block_refuses_bad_facility_or_size_and_avoids_issued_ids() -> None:
    signer = NoteSigner.generate(REGISTRY)
    with pytest.raises(BlockError, match="facility reference"):
        issue_block("two\nlines", 3, signer)
    with pytest.raises(BlockError, match="block size"):
        issue_block("Clinic 7", 0, signer)
    taken = {new_id() for _ in range(50)}
    assert not taken & set(issue_block("Clinic 7", 200, signer, exclude=taken).ids)


def test_the_ids_cli_makes_checks_and_blocks(tmp_path: Path, capsys) -> None:
    assert main(["ids", "new", "--count", "3"]) == 0
    printed = capsys.readouterr().out.split()
    assert len(printed) == 3 and all(len(p) == 13 and p[4] == p[9] == "-" for p in printed)
    assert main(["ids", "check", printed[0]]) == 0
    bad = printed[0][:-1] + ("A" if printed[0][-1] != "A" else "C")
    assert main(["ids", "check", bad]) == 1
    assert "check_mismatch" in capsys.readouterr().out

    assert main(["ledger", "keygen", "--name", REGISTRY, "--out-dir", str(tmp_path)]) == 0
    key, pub = tmp_path / "registry.example.org_ids.key", tmp_path / "registry.example.org_ids.pub"
    out = tmp_path / "block.note"
    assert (
        main(["ids", "block", "--facility", "Clinic 7", "--count", "4", "--key", str(key), "--out", str(out)])
        == 0
    )
    first_id = out.read_text().split("\n")[5]
    capsys.readouterr()
    assert main(["ids", "verify-block", str(out), "--key", str(pub), "--id", first_id]) == 0
    assert main(["ids", "verify-block", str(out), "--key", str(pub), "--id", new_id()]) == 1
    assert "is not in block" in capsys.readouterr().out
