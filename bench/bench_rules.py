"""Benchmark of the red-flag rules engine: full batch scan and incremental evaluation of one event.

    .venv/bin/python bench/bench_rules.py            # 1,000,000 births (dataset generated once, then reused)
    .venv/bin/python bench/bench_rules.py --quick    # 20,000 births
    .venv/bin/python bench/bench_rules.py --births 200000 --incremental-only   # the evaluator's events only
    .venv/bin/python bench/bench_rules.py --births 200000 --scan-only          # the batch scan only

The dataset is written by the synthetic-country engine (`kinward synth`) when it is installed, else by this
engine's own sample writer, into bench/results/ and kept for later runs. Prints a table of figures next to their
targets and writes them to bench/results/rules.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import time
from pathlib import Path

from kinward.engines.rules import load_ruleset, scan_dataset
from kinward.engines.rules.evaluate import score_alerts
from kinward.engines.rules.incremental import IncrementalEvaluator

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SCAN_S = 60.0
TARGET_EVENT_MS = 50.0


def dataset(births: int, seed: int) -> tuple[Path, str, float]:
    """The benchmark dataset folder (generated if absent), the generator used, and seconds spent generating."""
    use_synth = importlib.util.find_spec("kinward.engines.synth") is not None
    folder = RESULTS / f"{'synth' if use_synth else 'sample'}-{births}-seed{seed}"
    if (folder / "truth.json").is_file():
        return folder, "synth" if use_synth else "sample", 0.0
    start = time.perf_counter()
    if use_synth:
        from kinward.engines.synth import SynthOptions, generate_dataset

        generate_dataset(folder, SynthOptions(births=births, seed=seed))
    else:
        from kinward.engines.rules.sample import write_sample_dataset

        write_sample_dataset(folder, births=births, seed=seed)
    return folder, "synth" if use_synth else "sample", time.perf_counter() - start


WHEN = "2025-12-30T10:00:00+07:00"


def _discharge(i, child, mother, facility, staff, agency):
    return "custody_events", {
        "ref": f"BENCH-E{i}",
        "child": child,
        "type": "discharge",
        "time": WHEN,
        "facility": facility,
        "recorded_by": staff,
        "to": mother,
        "relationship": "mother",
        "id_document_checked": True,
    }


def _birth(i, child, mother, facility, staff, agency):
    return "births", {
        "ref": f"BENCH-B{i}",
        "delivery": f"BENCH-D{i}",
        "facility": facility,
        "time": WHEN,
        "attendant": staff,
        "mother": mother,
        "sex": "female",
        "weight_g": 3100,
        "outcome": "live",
    }


def _abandonment(i, child, mother, facility, staff, agency):
    return "custody_events", {
        "ref": f"BENCH-A{i}",
        "child": child,
        "type": "abandonment_found",
        "time": WHEN,
        "facility": facility,
        "recorded_by": staff,
        "place": "ward",
        "found_by": "nurse",
        "condition": "well",
    }


def _report(i, child, mother, facility, staff, agency):
    return "abandonment_reports", {
        "ref": f"BENCH-R{i}",
        "child": child,
        "facility": facility,
        "reported_by": staff,
        "found_at": WHEN,
        "reported_at": "2025-12-31T09:00:00+07:00",
        "place": "ward",
        "condition": "well",
    }


def _adoption_file(i, child, mother, facility, staff, agency):
    return "adoption_files", {
        "ref": f"BENCH-F{i}",
        "child": child,
        "adoption_agency": agency,
        "adoptive_parents": [],
        "stated_birth_mother": mother,
        "stated_birth_facility": facility,
        "stated_birth_date": "2025-01-01",
        "filed_on": "2025-12-30",
        "documents": [],
    }


KINDS = (_discharge, _birth, _abandonment, _report, _adoption_file)


def events(evaluator: IncrementalEvaluator, count: int) -> list[tuple[str, dict]]:
    """A mix of new records touching existing children, mothers and agencies of the dataset."""
    con = evaluator.con
    rows = con.execute(
        "SELECT b.ref, b.mother, b.facility, s.ref FROM births b JOIN staff s ON s.agency = b.facility "
        "WHERE b.outcome = 'live' AND b.mother IS NOT NULL AND hash(b.ref) % 41 = 0 "
        "QUALIFY row_number() OVER (PARTITION BY b.ref) = 1 ORDER BY b.ref LIMIT ?",
        [count],
    ).fetchall()
    agency = con.execute("SELECT ref FROM agencies WHERE kind = 'adoption_agency' LIMIT 1").fetchone()
    return [KINDS[i % len(KINDS)](i, *row, agency[0] if agency else "none") for i, row in enumerate(rows)]


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values (nearest rank below)."""
    return values[int(q * (len(values) - 1))]


def run(births: int, seed: int, n_events: int, *, scan: bool = True, incremental: bool = True) -> dict:
    """Generate (once), scan, score, then load the incremental evaluator and time single events."""
    folder, generator, generated = dataset(births, seed)
    ruleset = load_ruleset()
    figures = {
        "births": births,
        "generator": generator,
        "dataset": str(folder.relative_to(RESULTS.parent.parent)),
        "generate_s": round(generated, 1),
        "machine": f"{platform.machine()}, python {platform.python_version()}",
    }
    if scan:
        figures.update(_scan(folder, ruleset))
    if incremental:
        figures.update(_incremental(folder, ruleset, n_events))
    return figures


def _scan(folder: Path, ruleset) -> dict:
    """The batch scan's wall and CPU time (all threads), its stages, and its scores against the truth."""
    load_before = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    result = scan_dataset(folder, ruleset)
    scan_s, scan_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    truth = json.loads((folder / "truth.json").read_text())
    report = score_alerts(result.alerts, truth, ruleset)
    return {
        "scan_s": round(scan_s, 2),
        "scan_cpu_s": round(scan_cpu_s, 2),
        "scan_load_average_1min": round(max(load_before, os.getloadavg()[0]), 2),
        "scan_stages_s": {k: round(v, 3) for k, v in result.timings.items()},
        "alerts": len(result.alerts),
        "evaluation": report.to_json(),
    }


def _incremental(folder: Path, ruleset, n_events: int) -> dict:
    """Open the incremental evaluator and time single events (wall and CPU)."""
    start = time.perf_counter()
    evaluator = IncrementalEvaluator.open(folder, ruleset)
    open_s = time.perf_counter() - start
    times, cpu = [], []
    load_before = os.getloadavg()[0]
    for record_type, record in events(evaluator, n_events):
        t0, c0 = time.perf_counter(), time.process_time()
        evaluator.add(record_type, record)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    evaluator.close()
    times.sort()
    cpu.sort()
    load = max(load_before, os.getloadavg()[0])
    return {
        "incremental_open_s": round(open_s, 1),
        "event_ms_median": round(statistics.median(times), 1),
        "event_ms_p95": round(percentile(times, 0.95), 1),
        "event_cpu_ms_median": round(statistics.median(cpu), 1),
        "event_cpu_ms_p95": round(percentile(cpu, 0.95), 1),
        "load_average_1min": round(load, 2),
        "events_timed": len(times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 births instead of 1,000,000")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--births", type=int, help="births in the dataset (default 1,000,000; 20,000 with --quick)"
    )
    parser.add_argument("--events", type=int, help="single events timed (default 400; 200 with --quick)")
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--scan-only", action="store_true", help="only the batch scan (no incremental events)")
    parts.add_argument(
        "--incremental-only", action="store_true", help="only the incremental events (no scan)"
    )
    args = parser.parse_args()
    births = args.births or (20_000 if args.quick else 1_000_000)
    events_timed = args.events or (200 if args.quick else 400)
    figures = run(
        births, args.seed, events_timed, scan=not args.incremental_only, incremental=not args.scan_only
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rules.json").write_text(json.dumps(figures, indent=1))
    print(f"rules benchmark: {births:,} births ({figures['generator']} dataset {figures['dataset']})")
    print(f"{'figure':34} {'measured':>12} {'target':>10}")
    if "scan_s" in figures:
        _print_scan(figures)
    if "event_ms_median" in figures:
        _print_incremental(figures)
    print(f"\nwritten to {RESULTS / 'rules.json'}")


def _print_scan(figures: dict) -> None:
    print(f"{'full batch scan':34} {figures['scan_s']:>10.1f} s {'< ' + str(TARGET_SCAN_S) + ' s':>10}")
    print(f"{'full batch scan, CPU time':34} {figures['scan_cpu_s']:>10.1f} s {'':>10}")
    print(f"{'machine load average (1 min)':34} {figures['scan_load_average_1min']:>12.2f} {'':>10}")
    print(f"{'alerts':34} {figures['alerts']:>12,}")
    print(
        f"\n{'pattern':28} {'planted':>8} {'recall':>7} {'precision':>9}   (targets: recall >= 0.95, precision >= 0.8)"
    )
    for name, score in figures["evaluation"]["patterns"].items():
        recall = "-" if score["recall"] is None else f"{score['recall']:.3f}"
        precision = "-" if score["precision"] is None else f"{score['precision']:.3f}"
        print(f"{name:28} {score['planted']:>8} {recall:>7} {precision:>9}")
    print(f"{'all patterns':28} {'':>8} {'':>7} {figures['evaluation']['precision']:>9.3f}\n")


def _print_incremental(figures: dict) -> None:
    print(f"{'incremental event, median':34} {figures['event_ms_median']:>9.1f} ms {'< 50 ms':>10}")
    print(f"{'incremental event, 95th percentile':34} {figures['event_ms_p95']:>9.1f} ms {'':>10}")
    print(f"{'incremental event, CPU time median':34} {figures['event_cpu_ms_median']:>9.1f} ms {'':>10}")
    print(f"{'incremental event, CPU time p95':34} {figures['event_cpu_ms_p95']:>9.1f} ms {'':>10}")
    print(f"{'events timed':34} {figures['events_timed']:>12}")
    print(f"{'machine load average (1 min)':34} {figures['load_average_1min']:>12.2f} {'':>10}")
    print(f"{'incremental state load + index':34} {figures['incremental_open_s']:>10.1f} s {'':>10}")


if __name__ == "__main__":
    main()
