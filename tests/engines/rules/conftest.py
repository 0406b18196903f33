"""Shared fixtures: the hand-made dataset in tests/data/rules/small and its scan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kinward.engines.rules import load_ruleset, scan_dataset

DATA = Path(__file__).resolve().parents[2] / "data" / "rules"


@pytest.fixture(scope="session")
def small_dataset() -> Path:
    return DATA / "small"


@pytest.fixture(scope="session")
def small_truth(small_dataset) -> dict:
    return json.loads((small_dataset / "truth.json").read_text())


@pytest.fixture(scope="session")
def ruleset():
    return load_ruleset()


@pytest.fixture(scope="session")
def small_scan(small_dataset, ruleset):
    return scan_dataset(small_dataset, ruleset)
