"""Shared paths for the kinship tests (data copied into tests/data/kinship, see its README)."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "kinship"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def norway():
    from kinward.engines.kinship.frequencies import load_frequencies

    return load_frequencies(DATA / "NorskDB_v2023.txt")
