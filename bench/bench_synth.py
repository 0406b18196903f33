"""Benchmark of the synthetic country and the interchange validator.

Figures: generation rate (births/s, with every record a birth brings: persons, pregnancies, custody events,
certificates, ...) and validation rate (records/s for `validate_dataset`: schemas, calendar, references,
manifest), with the projected time to validate a 1,000,000-birth dataset against the 15-minute import budget.

    .venv/bin/python bench/bench_synth.py --quick     # 5,000 births, a few seconds
    .venv/bin/python bench/bench_synth.py             # 1,000,000 births (several minutes)
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from kinward.engines.interchange import validate_dataset
from kinward.engines.interchange.schemas import fast_validator
from kinward.engines.synth import SynthOptions, generate_dataset

RESULTS = Path(__file__).resolve().parent / "results" / "synth.json"
TARGET_IMPORT_MINUTES = 15.0
TARGET_VALIDATION_RATE = 20_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 births only")
    parser.add_argument("--births", type=int, default=None, help="births to generate (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    births = args.births or (5_000 if args.quick else 1_000_000)
    for name in ("births", "custody_events", "persons"):
        fast_validator(name)  # compile outside the timings
    with tempfile.TemporaryDirectory(prefix="kinward-bench-") as folder:
        path = Path(folder) / "dataset"
        started = time.perf_counter()
        result = generate_dataset(path, SynthOptions(births=births, seed=args.seed))
        generate_s = time.perf_counter() - started
        records = sum(result.manifest["counts"].values())
        size_mb = sum(p.stat().st_size for p in path.iterdir()) / 1e6
        started = time.perf_counter()
        report = validate_dataset(path)
        validate_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    validation_rate = records / validate_s
    projected_min = records / births * 1_000_000 / validation_rate / 60
    figures = {
        "births": births,
        "records": records,
        "dataset_mb": round(size_mb, 1),
        "generate_s": round(generate_s, 2),
        "generate_births_per_s": round(births / generate_s),
        "generate_records_per_s": round(records / generate_s),
        "validate_s": round(validate_s, 2),
        "validate_records_per_s": round(validation_rate),
        "validation_problems": report.problem_count,
        "projected_validate_1m_births_min": round(projected_min, 1),
        "peak_rss_mb": round(peak_mb),
    }
    rows = [
        ("births generated", f"{births:,}", ""),
        ("records written", f"{records:,}", f"{size_mb:,.0f} MB"),
        (
            "generation",
            f"{births / generate_s:,.0f} births/s",
            f"1M births in {1e6 / (births / generate_s) / 60:.1f} min",
        ),
        (
            "validation",
            f"{validation_rate:,.0f} records/s",
            f"target >= {TARGET_VALIDATION_RATE:,} records/s",
        ),
        (
            "validate 1M births",
            f"{projected_min:.1f} min (projected)",
            f"import budget {TARGET_IMPORT_MINUTES:.0f} min",
        ),
        ("problems found", f"{report.problem_count}", "target 0"),
        ("peak memory", f"{peak_mb:,.0f} MB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value, target in rows:
        print(f"{label:<{width}}  {value:>28}  {target}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")
    return 0 if report.problem_count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
