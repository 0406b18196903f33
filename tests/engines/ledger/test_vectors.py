"""Every transparency-dev/merkle inclusion and consistency vector (tests/data/merkle) agrees with the verifier."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from kinward.engines.ledger import ProofError, verify_consistency, verify_inclusion

DATA = Path(__file__).resolve().parents[2] / "data" / "merkle"
FILES = sorted(p for p in DATA.rglob("*.json"))


def _b64(value: str) -> bytes:
    return base64.b64decode(value)


def test_all_196_vectors_are_present() -> None:
    assert len([p for p in FILES if "inclusion" in p.parts]) == 98
    assert len([p for p in FILES if "consistency" in p.parts]) == 98


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(DATA)) for p in FILES])
def test_it_agrees_with_the_transparency_dev_vector(path: Path) -> None:
    vector = json.loads(path.read_text())
    proof = [_b64(h) for h in vector["proof"] or []]
    try:
        if path.relative_to(DATA).parts[0] == "inclusion":
            verify_inclusion(
                _b64(vector["leafHash"]), vector["leafIdx"], vector["treeSize"], proof, _b64(vector["root"])
            )
        else:
            verify_consistency(
                vector["size1"], vector["size2"], proof, _b64(vector["root1"]), _b64(vector["root2"])
            )
    except ProofError as exc:
        assert vector["wantErr"], f"{vector['desc']}: rejected a valid proof: {exc}"
        assert str(exc)  # the reason is spelled out
    else:
        assert not vector["wantErr"], f"{vector['desc']}: accepted an invalid proof"
