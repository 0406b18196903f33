"""`kinward interchange validate DIR` prints counts and problems and exits 0 only for a clean dataset."""

from __future__ import annotations

import shutil
from pathlib import Path

from kinward.cli import main

DATA = Path(__file__).resolve().parents[2] / "data" / "interchange" / "minimal"


def test_it_prints_accepted_and_rejected_counts_for_a_clean_dataset(capsys) -> None:
    assert main(["interchange", "validate", str(DATA)]) == 0
    out = capsys.readouterr().out
    assert "births" in out and "total                         35         0" in out
    assert out.rstrip().endswith("0 problems")


def test_it_lists_each_problem_with_file_line_ref_field_and_reason(tmp_path: Path, capsys) -> None:
    shutil.copytree(DATA, tmp_path / "d")
    with open(tmp_path / "d" / "births.jsonl", "a") as stream:
        stream.write(
            '{"ref":"B-9","delivery":"D-9","facility":"F-1","time":"2025-03-08T23:40:00","attendant":'
            '"S-1","mother":"M-1","sex":"female","weight_g":3100,"outcome":"live"}\n'
        )
    assert main(["interchange", "validate", str(tmp_path / "d")]) == 1
    out = capsys.readouterr().out
    assert "births.jsonl:4 ref=B-9 field=time: must be an RFC 3339 time with an offset" in out
    assert (
        "manifest.json ref=- field=counts.births: manifest counts 3 births records but births.jsonl holds 4"
        in out
    )


def test_it_exits_2_for_a_folder_that_is_not_a_dataset(tmp_path: Path, capsys) -> None:
    assert main(["interchange", "validate", str(tmp_path)]) == 2
    assert "manifest.json: missing" in capsys.readouterr().out
