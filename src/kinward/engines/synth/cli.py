"""`kinward synth`: write a synthetic country's dataset; also registers `kinward interchange validate`."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `synth` command, and the `interchange` command that checks what synth (or anyone) writes."""
    parser = subparsers.add_parser(
        "synth", help="generate a synthetic country's registry with planted patterns"
    )
    parser.add_argument("--births", type=int, required=True, help="number of births (children) to generate")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same seed, same bytes (default 7)")
    parser.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write")
    parser.add_argument(
        "--country", default="ID", choices=("ID", "KZ", "CN"), help="country modelled (default ID)"
    )
    parser.add_argument(
        "--now", default=None, metavar="YYYY-MM-DD", help="the dataset's 'now' (default 2026-01-01)"
    )
    parser.set_defaults(func=run_synth)
    from kinward.engines.interchange import cli as interchange_cli

    interchange_cli.register(subparsers)


def run_synth(args: argparse.Namespace) -> int:
    """Generate the dataset described by args; print where it went and the counts. Exit 0, or 2 on bad options."""
    import datetime as dt
    import time

    from kinward.engines.synth.generate import DEFAULT_NOW, SynthOptions, SynthOptionsError, generate_dataset

    try:
        now = dt.date.fromisoformat(args.now) if args.now else DEFAULT_NOW
        options = SynthOptions(births=args.births, seed=args.seed, country=args.country, now=now)
        started = time.perf_counter()
        result = generate_dataset(args.out, options)
    except (SynthOptionsError, ValueError) as exc:
        print(f"error: {exc}")
        return 2
    elapsed = time.perf_counter() - started
    print(f"wrote {result.path} in {elapsed:.1f} s ({args.births / elapsed:,.0f} births/s)")
    for record_type, count in result.manifest["counts"].items():
        print(f"  {record_type:<22}{count:>10}")
    print(f"  planted patterns      {len(result.truth['patterns']):>10}  (truth.json)")
    return 0
