"""`kinward import DIR` and `kinward registry ...` (checkpoints, the ledger audit): registry commands that need
the database. Django is set up inside each handler so `kinward --help` stays fast."""

from __future__ import annotations

import argparse
import json
import sys


def cmd_import(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup, migrate

    django_setup()
    migrate()
    from tqdm import tqdm

    from kinward.apps.registry.importer import dataset_import
    from kinward.engines.interchange import DatasetError, read_manifest

    try:
        total = sum(int(v) for v in read_manifest(args.dir).get("counts", {}).values())
    except (DatasetError, ValueError, TypeError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    with tqdm(total=total or None, unit=" records", disable=args.quiet or None, file=sys.stderr) as bar:
        report = dataset_import(args.dir, batch_size=args.batch_size, progress=bar.update)
    if report.refused:
        print("refused: the dataset cannot be imported")
        for problem in report.problems:
            print(f"  {problem}")
        return 2
    print(f"imported {args.dir} (source {report.source!r}) in {report.seconds:.1f} s, run {report.run_id}")
    print(f"  {'type':<22}{'accepted':>10}{'present':>10}{'rejected':>10}")
    for rtype in report.accepted:
        counts = (report.accepted[rtype], report.unchanged[rtype], report.rejected[rtype])
        if any(counts):
            print(f"  {rtype:<22}{counts[0]:>10}{counts[1]:>10}{counts[2]:>10}")
    print(
        f"  {'total':<22}{sum(report.accepted.values()):>10}{sum(report.unchanged.values()):>10}"
        f"{report.total_rejected:>10}"
    )
    for problem in report.problems[: args.show]:
        print(f"  rejected {problem}")
    if len(report.problems) > args.show:
        print(
            f"  ... {len(report.problems) - args.show} more problems"
            + ("" if args.problems else " (write them all with --problems FILE)")
        )
    if args.problems:
        with open(args.problems, "w", encoding="utf-8") as out:
            for p in report.problems:
                out.write(
                    json.dumps(
                        {"file": p.file, "line": p.line, "ref": p.ref, "field": p.field, "reason": p.reason},
                        ensure_ascii=False,
                    )
                    + "\n"
                )
    return 1 if report.total_rejected else 0


def cmd_export(args: argparse.Namespace) -> int:
    import getpass

    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.accounts.authz import Actor
    from kinward.apps.registry.export import ExportError, registry_export

    actor = Actor(username=f"cli:{getpass.getuser()}")
    try:
        report = registry_export(actor=actor, out=args.out, source=args.source)
    except ExportError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    total = sum(report.counts.values())
    print(f"exported {total} records to {report.path} (source {report.source!r}); holds personal data: keep it safe")
    for rtype, count in report.counts.items():
        print(f"  {rtype:<22}{count:>10}")
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.registry.services import checkpoint_sign

    sys.stdout.write(checkpoint_sign())
    return 0


def cmd_ledger_audit(args: argparse.Namespace) -> int:
    from kinward.apps.cli import django_setup

    django_setup()
    from kinward.apps.registry.ledger_audit import ledger_audit

    report = ledger_audit(rows=getattr(args, "rows", "all"))
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    from kinward.engines.ledger import cli as ledger_cli

    ledger_cli.DATABASE_AUDIT = cmd_ledger_audit  # `kinward ledger audit` is the same check
    imp = subparsers.add_parser("import", help="load an interchange dataset into the registry (idempotent)")
    imp.add_argument("dir", help="dataset folder (manifest.json and <type>.jsonl files)")
    imp.add_argument("--batch-size", type=int, default=1000, help="records per transaction (default 1000)")
    imp.add_argument("--show", type=int, default=20, help="rejected records to print (default 20)")
    imp.add_argument("--problems", metavar="FILE", help="write every rejected record's problem as JSON Lines")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)

    export = subparsers.add_parser(
        "export", help="write the registry as an interchange dataset (personal data; audited)"
    )
    export.add_argument("--out", required=True, help="folder to write (manifest.json and <type>.jsonl files)")
    export.add_argument("--source", help="the manifest's source (default: kinward <ledger origin>)")
    export.set_defaults(func=cmd_export)

    registry = subparsers.add_parser("registry", help="registry log: sign a checkpoint, audit the log")
    sub = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)
    checkpoint = sub.add_parser("checkpoint", help="sign a checkpoint of the registry log if it grew")
    checkpoint.set_defaults(func=cmd_checkpoint)
    audit = sub.add_parser(
        "ledger-audit",
        help="rebuild the log from the database; check every signed checkpoint and each fact's leaf against its row",
    )
    ledger_cli.add_audit_rows_argument(audit)
    audit.set_defaults(func=cmd_ledger_audit)
