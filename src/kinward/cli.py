"""The `kinward` command: the one entry point for serving, the demo, imports, batch jobs and verification.

Engine subcommands (no Django) are registered by each engine's `cli.register(subparsers)`; subcommands that
need the web application's database are registered by `kinward.apps.cli`, which sets Django up lazily so that
offline tools such as `kinward verify` start fast and work without a database.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence

# Modules that contribute subcommands, in the order they appear in `kinward --help`.
COMMAND_MODULES: tuple[str, ...] = (
    "kinward.apps.cli",
    "kinward.apps.registry.cli",
    "kinward.apps.alerts.cli",
    "kinward.apps.watch.cli",
    "kinward.engines.ledger.cli",
    "kinward.engines.ids.cli",
    "kinward.engines.credentials.cli",
    "kinward.engines.synth.cli",
    "kinward.engines.rules.cli",
    "kinward.engines.kinship.cli",
    "kinward.engines.textwatch.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinward",
        description="Kinward: traceable newborns, red flags found early, children found, protected and home.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module_name in COMMAND_MODULES:
        try:
            if importlib.util.find_spec(module_name) is None:
                continue
        except ModuleNotFoundError:  # the engine package itself is not there yet
            continue
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
