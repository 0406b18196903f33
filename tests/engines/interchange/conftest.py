"""Shared fixtures: the hand-written minimal dataset, copied so that tests can break it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "interchange" / "minimal"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    target = tmp_path / "dataset"
    shutil.copytree(DATA, target)
    return target
