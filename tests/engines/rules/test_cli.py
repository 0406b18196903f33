"""The `kinward rules` command: list, scan, evaluate."""

from __future__ import annotations

import json

from kinward.engines.rules import cli


def run(capsys, *argv):
    import argparse

    parser = argparse.ArgumentParser(prog="kinward")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code = args.func(args)
    return code, capsys.readouterr()


def test_list_shows_rules_with_versions_and_parameters(capsys):
    code, out = run(capsys, "rules", "list")
    assert code == 0
    assert "vanished_pregnancy v1" in out.out and "grace_weeks = 6" in out.out


def test_scan_then_evaluate_prints_recall_and_precision(capsys, small_dataset, tmp_path):
    alerts = tmp_path / "alerts.jsonl"
    code, out = run(capsys, "rules", "scan", str(small_dataset), "--out", str(alerts))
    assert code == 0 and "vanished_pregnancy" in out.out
    first = json.loads(alerts.read_text().splitlines()[0])
    assert first["status"] == "new"
    code, out = run(
        capsys, "rules", "evaluate", "--truth", str(small_dataset / "truth.json"), "--alerts", str(alerts)
    )
    assert code == 0
    line = next(x for x in out.out.splitlines() if x.startswith("vanished_pregnancy"))
    assert line.split()[-2:] == ["1.000", "1.000"]


def test_a_bad_parameter_override_is_refused_with_a_message(capsys, small_dataset, tmp_path):
    code, out = run(
        capsys,
        "rules",
        "scan",
        str(small_dataset),
        "--out",
        str(tmp_path / "a"),
        "--param",
        "serial_mother.min_interval_days=1",
    )
    assert code == 1 and "min_interval_days" in out.err and "below the minimum" in out.err


def test_a_missing_dataset_is_refused_with_a_message(capsys, tmp_path):
    code, out = run(capsys, "rules", "scan", str(tmp_path / "nowhere"), "--out", str(tmp_path / "a"))
    assert code == 1 and "nowhere" in out.err
