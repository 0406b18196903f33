"""`kinward alerts ...`: run the rules over a dataset into the review queue, export alerts, score them."""

from __future__ import annotations

import argparse
import json
import sys


def cmd_scan(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.alerts.services import alerts_scan_dataset

    if args.database == bool(args.dataset):
        print("give a dataset folder or --database (the live registry), not both", file=sys.stderr)
        return 2
    if args.database:
        from kinward.apps.alerts.live import alerts_scan_database

        report = alerts_scan_database()
    else:
        report = alerts_scan_dataset(dataset_dir=args.dataset)
    print(f"{report.scanned} alerts from the rules: {report.created} new, {report.seen_again} already in the queue"
          f" ({report.without_agency} without a known facility or agency)")
    return 0


def current_alerts() -> list[dict]:
    """Every alert in the database, in the interchange "Alerts out" form."""
    from kinward.apps.alerts.selectors import alerts_interchange
    from kinward.apps.cli import django_setup

    django_setup()
    return list(alerts_interchange())


def cmd_export(args: argparse.Namespace) -> int:
    alerts = current_alerts()
    lines = "".join(json.dumps(alert, ensure_ascii=False) + "\n" for alert in alerts)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(lines)
    print(f"wrote {len(alerts)} alerts to {args.out}", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from kinward.engines.rules import cli as rules_cli

    rules_cli.CURRENT_ALERTS = current_alerts  # `kinward rules evaluate --truth FILE` scores the queue
    alerts = subparsers.add_parser("alerts", help="red-flag alerts: scan a dataset into the queue, export them")
    sub = alerts.add_subparsers(dest="alerts_command", metavar="ACTION")
    scan = sub.add_parser("scan", help="run the rules over a dataset or the live registry and queue the alerts")
    scan.add_argument("dataset", nargs="?", help="interchange dataset folder")
    scan.add_argument("--database", action="store_true",
                      help="scan the live registry (an export of the database) instead of a dataset folder")
    scan.set_defaults(func=cmd_scan)
    export = sub.add_parser("export", help="write every alert as JSON Lines (INTERCHANGE.md, Alerts out)")
    export.add_argument("--out", required=True, help="file to write, or - for standard output")
    export.set_defaults(func=cmd_export)
