"""Generated datasets shared by the synth tests (generated once per session: they take about a second each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinward.engines.synth import SynthOptions, SynthResult, generate_dataset


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory):
    made: dict[tuple[int, int, str], SynthResult] = {}

    def make(births: int, seed: int, country: str = "ID") -> SynthResult:
        key = (births, seed, country)
        if key not in made:
            path: Path = tmp_path_factory.mktemp(f"synth-{births}-{seed}-{country}")
            made[key] = generate_dataset(path, SynthOptions(births=births, seed=seed, country=country))
        return made[key]

    return make
