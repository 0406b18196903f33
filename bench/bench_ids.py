"""Benchmark of the ids engine: ID generation, validation, block issue and verification.

    .venv/bin/python bench/bench_ids.py [--quick]

Prints a table next to the targets and writes bench/results/ids.json. The targets are this engine's own
(no target was set in the brief): a delivery room needs one ID at a time, an offline block at most 100,000.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kinward.engines.ids import format_id, issue_block, new_id, validate, verify_block
from kinward.engines.ledger import NoteSigner

RESULTS = Path(__file__).resolve().parent / "results"


def per_second(count: int, seconds: float) -> float:
    return count / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, block_size = (50_000, 10_000) if args.quick else (500_000, 100_000)
    RESULTS.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    ids = [new_id() for _ in range(n)]
    generate = per_second(n, time.perf_counter() - t0)

    typed = [format_id(i).lower() for i in ids]
    t0 = time.perf_counter()
    assert all(validate(t).valid for t in typed)
    check = per_second(n, time.perf_counter() - t0)

    signer = NoteSigner.generate("registry.example.org/ids")
    t0 = time.perf_counter()
    block = issue_block("Clinic 7, District North", block_size, signer)
    issue_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verify_block(block.signed_note, [signer.verifier()])
    verify_s = time.perf_counter() - t0

    rows = [
        ("new_id, IDs/s", f"{generate:,.0f}", ">= 20,000"),
        ("validate (typed, grouped, lower case), IDs/s", f"{check:,.0f}", ">= 20,000"),
        (f"issue_block of {block_size:,} IDs, s", f"{issue_s:.2f}", "< 10 s"),
        (f"verify_block of {block_size:,} IDs, s", f"{verify_s:.2f}", "< 10 s"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'measured':>12}  target")
    for label, value, target in rows:
        print(f"{label.ljust(width)}  {value:>12}  {target}")
    report = {
        "quick": args.quick,
        "ids": n,
        "new_id_per_s": generate,
        "validate_per_s": check,
        "block_size": block_size,
        "issue_block_s": issue_s,
        "verify_block_s": verify_s,
    }
    (RESULTS / "ids.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'ids.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
