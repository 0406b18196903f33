"""`kinward synth` writes a dataset that `kinward interchange validate` accepts whole."""

from __future__ import annotations

import json
from pathlib import Path

from kinward.cli import main


def test_synth_writes_a_dataset_with_truth_that_validates(tmp_path: Path, capsys) -> None:
    out = tmp_path / "ds"
    assert main(["synth", "--births", "300", "--seed", "4", "--out", str(out), "--country", "KZ"]) == 0
    printed = capsys.readouterr().out
    assert "births                       300" in printed and "truth.json" in printed
    assert json.loads((out / "truth.json").read_text())["seed"] == 4
    assert json.loads((out / "manifest.json").read_text())["country"] == "KZ"
    assert main(["interchange", "validate", str(out)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 problems")


def test_synth_reports_bad_options_with_exit_code_2(tmp_path: Path, capsys) -> None:
    assert main(["synth", "--births", "5", "--out", str(tmp_path)]) == 2
    assert "at least 200" in capsys.readouterr().out
    assert main(["synth", "--births", "500", "--out", str(tmp_path), "--now", "yesterday"]) == 2


def test_the_now_option_moves_the_dataset_in_time(tmp_path: Path) -> None:
    assert main(["synth", "--births", "300", "--out", str(tmp_path), "--now", "2030-07-01"]) == 0
    assert json.loads((tmp_path / "manifest.json").read_text())["created"] == "2030-07-01T00:00:00+07:00"
