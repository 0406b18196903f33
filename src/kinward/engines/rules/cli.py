"""`kinward rules ...`: list the rules, scan an interchange dataset for red flags, score alerts against truth."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

# Where `kinward rules evaluate` reads "the current alerts" when no --alerts file is given. The web application
# sets this when it registers its own commands (its alert queue, in the Alerts-out form); the engine itself
# knows no database.
CURRENT_ALERTS: Callable[[], list[dict]] | None = None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `kinward rules` with its subcommands list, scan and evaluate."""
    parser = subparsers.add_parser("rules", help="red-flag rules: list them, scan a dataset, score alerts")
    sub = parser.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])

    listing = sub.add_parser("list", help="the rules with their versions and parameters")
    _ruleset_options(listing)
    listing.set_defaults(func=run_list)

    scan = sub.add_parser("scan", help="scan an interchange dataset folder and write alerts as JSON Lines")
    scan.add_argument("dataset", help="interchange dataset folder (manifest.json and <type>.jsonl files)")
    scan.add_argument(
        "--out", required=True, help="alerts file to write (Alerts out form, one JSON per line)"
    )
    scan.add_argument("--timings", action="store_true", help="print the seconds each stage took")
    _ruleset_options(scan)
    scan.set_defaults(func=run_scan)

    evaluate = sub.add_parser("evaluate", help="recall and precision of alerts against planted truth")
    evaluate.add_argument("--truth", required=True, help="truth.json of a synthetic dataset")
    evaluate.add_argument(
        "--alerts",
        help="alerts JSON Lines file (from `kinward rules scan` or `kinward alerts export`); "
        "default: the current alerts in Kinward's database",
    )
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    _ruleset_options(evaluate)
    evaluate.set_defaults(func=run_evaluate)


def _ruleset_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules", action="append", help="rule file or folder (repeatable; default: shipped rules)"
    )
    parser.add_argument(
        "--param", action="append", default=[], metavar="RULE.NAME=VALUE", help="override a rule parameter"
    )


def _ruleset(args: argparse.Namespace):
    from .ruleset import load_ruleset

    overrides: dict[str, dict[str, object]] = {}
    for item in args.param:
        key, sep, raw = item.partition("=")
        rule, dot, name = key.partition(".")
        if not sep or not dot:
            raise ValueError(f"--param {item!r}: expected RULE.NAME=VALUE")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        overrides.setdefault(rule, {})[name] = value
    return load_ruleset(args.rules, overrides)


def _fail(message: str) -> int:
    print(f"kinward rules: {message}", file=sys.stderr)
    return 1


def run_list(args: argparse.Namespace) -> int:
    """Print every rule: id, version, pattern, subject, title, parameters with value, bounds and description."""
    from .ruleset import RuleFileError

    try:
        ruleset = _ruleset(args)
    except (RuleFileError, ValueError) as exc:
        return _fail(str(exc))
    for rule in ruleset:
        print(f"{rule.id} v{rule.version}  [{rule.pattern or 'no planted pattern'}; subject {rule.subject}]")
        print(f"    {rule.title}")
        for p in rule.parameters:
            bounds = f" in [{p.min}, {p.max}]" if p.min is not None or p.max is not None else ""
            choices = f" one of {list(p.choices)}" if p.choices else ""
            print(f"    - {p.name} = {rule.values[p.name]!r} ({p.type}{bounds}{choices}): {p.description}")
    return 0


def run_scan(args: argparse.Namespace) -> int:
    """Scan the dataset with the ruleset and write the alerts; print a count per rule."""
    from .dataset import DatasetError
    from .ruleset import RuleFileError
    from .scan import scan_dataset, write_alerts

    try:
        ruleset = _ruleset(args)
        result = scan_dataset(args.dataset, ruleset)
    except (RuleFileError, DatasetError, ValueError) as exc:
        return _fail(str(exc))
    write_alerts(result.alerts, args.out)
    counts: dict[str, int] = {}
    for alert in result.alerts:
        counts[alert.rule] = counts.get(alert.rule, 0) + 1
    for rule in ruleset:
        print(f"{rule.id:28} {counts.get(rule.id, 0):8}")
    print(f"{'alerts written to ' + args.out:28}")
    if args.timings:
        for stage, seconds in result.timings.items():
            print(f"  {stage:26} {seconds:8.3f} s")
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    """Score an alerts file against truth.json and print recall and precision per pattern and per rule."""
    from .evaluate import TruthFileError, format_report, score_alerts
    from .ruleset import RuleFileError

    try:
        ruleset = _ruleset(args)
        with open(args.truth, encoding="utf-8") as fh:
            truth = json.load(fh)
        if args.alerts:
            with open(args.alerts, encoding="utf-8") as fh:
                alerts = [json.loads(line) for line in fh if line.strip()]
        elif CURRENT_ALERTS is not None:
            alerts = CURRENT_ALERTS()
        else:
            return _fail("give --alerts FILE: no alert database is available here")
        report = score_alerts(alerts, truth, ruleset)
    except (OSError, ValueError, KeyError, TruthFileError, RuleFileError) as exc:
        return _fail(str(exc))
    print(json.dumps(report.to_json(), indent=1) if args.json else format_report(report))
    return 0
