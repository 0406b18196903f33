"""Registry benchmark: `kinward import` of a synthetic country, and durable custody events through the services.

    .venv/bin/python bench/bench_registry.py [--quick] [--births N] [--events N]

Runs on a fresh SQLite database (WAL, synchronous=NORMAL, the embedded default) in a temporary folder. The
import figure is extrapolated linearly to 1,000,000 births (the import is a single pass in batches, so its cost
per record does not grow with the dataset, apart from the B-tree depth of the indexes). Writes
bench/results/registry.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_IMPORT_SECONDS_PER_MILLION = 15 * 60
TARGET_EVENTS_PER_SECOND = 2000


def setup(data_dir: str) -> None:
    os.environ["KINWARD_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    from kinward.apps.cli import django_setup, migrate

    django_setup()
    migrate()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_import(births: int, folder: Path, dataset: Path | None = None) -> dict:
    """Import a synthetic country of `births` (seed 7), or the given `dataset` (made by `kinward synth`)."""
    from kinward.apps.registry.importer import dataset_import
    from kinward.engines.synth.generate import SynthOptions, generate_dataset

    if dataset is None:
        dataset = folder / "dataset"
        generate_dataset(dataset, SynthOptions(births=births, seed=7))
    counts = json.loads((dataset / "manifest.json").read_text())["counts"]
    started, cpu, helpers = time.perf_counter(), time.process_time(), _children_cpu()
    report = dataset_import(dataset)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    helpers = _children_cpu() - helpers  # certificate verification and record checks in helper processes
    records = sum(counts.values())
    again_started = time.perf_counter()
    again = dataset_import(dataset)
    again_seconds = time.perf_counter() - again_started
    assert report.total_rejected == 0 and sum(again.accepted.values()) == 0
    return {
        "births": births,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds),
        "births_per_second": round(births / seconds),
        "extrapolated_seconds_per_million_births": round(seconds * 1_000_000 / births),
        "cpu_seconds": round(cpu, 2),
        "extrapolated_cpu_seconds_per_million_births": round(cpu * 1_000_000 / births),
        "helper_processes_cpu_seconds": round(helpers, 2),
        "reimport_seconds": round(again_seconds, 2),
    }


def bench_custody_events(count: int, batch: int = 200) -> dict:
    """Custody events through the services on the file database: one at a time (the API's path: a transaction,
    an audit entry and a leaf each) and in batches (a hospital system's upload: one transaction per batch)."""
    from django.utils import timezone

    from kinward.apps.accounts.models import Agency
    from kinward.apps.accounts.services import actor_for_user, user_create
    from kinward.apps.registry.models import Birth
    from kinward.apps.registry.services import CustodyInput, custody_event_record, custody_events_record

    hospital = Agency.objects.filter(kind="public_hospital").first()
    clerk = user_create(
        actor=None,
        username=f"bench-clerk-{time.time_ns()}",
        password="Bench-password-4242",
        agency=hospital,
        roles=["health_worker"],
    )
    actor = actor_for_user(clerk)
    children = list(
        Birth.objects.select_related("facility__region").filter(facility=hospital, outcome="live")[:50]
    )
    now = timezone.now()

    def event(n: int, total: int) -> CustodyInput:
        return CustodyInput(
            type="abandonment_found",
            time=now - dt.timedelta(seconds=total - n),
            facility=hospital,
            place="ward",
            found_by="night nurse",
            condition="healthy",
        )

    single = max(count // 10, 50)
    started = time.perf_counter()
    for n in range(single):
        custody_event_record(actor=actor, child=children[n % len(children)], data=event(n, single))
    single_seconds = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    for first in range(0, count, batch):
        custody_events_record(
            actor=actor,
            items=[
                (children[n % len(children)], event(n, count))
                for n in range(first, min(first + batch, count))
            ],
        )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "events": count,
        "events_per_cpu_second": round(count / cpu),
        "batch": batch,
        "seconds": round(seconds, 2),
        "events_per_second": round(count / seconds),
        "single_events": single,
        "single_events_per_second": round(single / single_seconds),
    }


def bench_audit_and_checkpoint() -> dict:
    from kinward.apps.registry.ledger_audit import ledger_audit
    from kinward.apps.registry.services import checkpoint_sign

    started = time.perf_counter()
    checkpoint_sign()
    sign = time.perf_counter() - started
    started = time.perf_counter()
    report = ledger_audit()
    audit = time.perf_counter() - started
    assert report.ok, report.problems
    return {
        "checkpoint_sign_seconds": round(sign, 3),
        "ledger_audit_seconds": round(audit, 2),
        "log_size": report.size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 births and 300 events (under ~20 s)")
    parser.add_argument("--births", type=int, default=None)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--dataset", type=Path, default=None,
                        help="import this dataset (e.g. `kinward synth --births 1000000 --seed 7 --out DIR`) "
                             "instead of generating one; its births count comes from its manifest")
    args = parser.parse_args()
    births = args.births or (2000 if args.quick else 20000)
    if args.dataset is not None:
        births = json.loads((args.dataset / "manifest.json").read_text())["counts"]["births"]
    events = args.events or (300 if args.quick else 3000)
    with tempfile.TemporaryDirectory(prefix="kinward-bench-registry-") as folder:
        setup(folder)
        results = {
            "import": bench_import(births, Path(folder), args.dataset),
            "custody_events": bench_custody_events(events),
        }
        results["ledger"] = bench_audit_and_checkpoint()
    imp, cus = results["import"], results["custody_events"]
    rows = [
        ("import: records/s", imp["records_per_second"], ""),
        ("import: births/s", imp["births_per_second"], ""),
        (f"import of {births:,} births (s)", imp["seconds"], ""),
        (
            "import: 1,000,000 births, extrapolated (s)",
            imp["extrapolated_seconds_per_million_births"],
            f"< {TARGET_IMPORT_SECONDS_PER_MILLION}",
        ),
        (
            "import: 1,000,000 births, CPU time extrapolated (s)",
            imp["extrapolated_cpu_seconds_per_million_births"],
            f"< {TARGET_IMPORT_SECONDS_PER_MILLION}",
        ),
        ("import: CPU time of helper processes (s)", imp["helper_processes_cpu_seconds"], ""),
        ("re-import, nothing changes (s)", imp["reimport_seconds"], ""),
        (
            f"custody events, batches of {cus['batch']} (events/s)",
            cus["events_per_second"],
            f">= {TARGET_EVENTS_PER_SECOND}",
        ),
        (
            "custody events, batches, per CPU second",
            cus["events_per_cpu_second"],
            f">= {TARGET_EVENTS_PER_SECOND}",
        ),
        ("custody events one by one, API path (events/s)", cus["single_events_per_second"], ""),
        ("checkpoint sign (s)", results["ledger"]["checkpoint_sign_seconds"], ""),
        (
            f"ledger audit of {results['ledger']['log_size']:,} leaves (s)",
            results["ledger"]["ledger_audit_seconds"],
            "",
        ),
    ]
    load = os.getloadavg()[0]
    results["load_average"] = round(load, 2)
    print(
        f"machine load average {load:.1f} on {os.cpu_count()} cores (wall-clock figures suffer when it is high)"
    )
    print(f"{'figure':<52}{'measured':>12}{'target':>10}")
    for name, value, target in rows:
        print(f"{name:<52}{value:>12}{target:>10}")
    results["targets"] = {
        "import_seconds_per_million_births": TARGET_IMPORT_SECONDS_PER_MILLION,
        "custody_events_per_second": TARGET_EVENTS_PER_SECOND,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "registry.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
