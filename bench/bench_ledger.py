"""Benchmark of the ledger engine: append rates (memory, durable SQLite) and proof times on a large log.

    .venv/bin/python bench/bench_ledger.py [--quick]

Prints a table next to the targets and writes bench/results/ledger.json. The large log is built once into
bench/results/ledger-10m.sqlite (10,000,000 leaves; with --quick bench/results/ledger-100k.sqlite) and reused.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kinward.engines.ledger import MerkleLog, SQLiteLedger, leaf_hash, verify_consistency, verify_inclusion

RESULTS = Path(__file__).resolve().parent / "results"


def synthetic_event(i: int) -> bytes:
    """A ~110-byte canonical event with commitments instead of personal data (synthetic)."""
    digest = hashlib.sha256(i.to_bytes(8, "big")).hexdigest()
    return f'{{"facility":"F{i % 997:04d}","name_c":"{digest[:40]}","seq":{i},"type":"birth"}}'.encode()


def events(start: int, stop: int) -> Iterator[bytes]:
    return (synthetic_event(i) for i in range(start, stop))


def rate(count: int, fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return count / (time.perf_counter() - t0)


def percentiles_ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def bench_memory(n: int) -> dict[str, float]:
    leaves = list(events(0, n))

    def floor() -> None:
        sha = hashlib.sha256
        for d in leaves:
            sha(b"\x00" + d).digest()

    def batched() -> None:
        log = MerkleLog()
        for i in range(0, n, 1000):
            log.append_many(leaves[i : i + 1000])

    def single() -> None:
        log = MerkleLog()
        for d in leaves:
            log.append(d)

    return {"hashlib_floor": rate(n, floor), "batch_1000": rate(n, batched), "one_by_one": rate(n, single)}


def bench_durable(n: int, batch: int) -> float:
    """Append to a fresh SQLite log with synchronous=FULL (fsync at every commit), one commit per batch."""
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        ledger = SQLiteLedger(os.path.join(tmp, "durable.sqlite"), batch_size=batch, synchronous="FULL")
        result = rate(n, lambda: ledger.append_many(events(0, n)))
        ledger.close()
    return result


def open_big_log(size: int, path: Path) -> tuple[SQLiteLedger, float | None]:
    ledger = SQLiteLedger(str(path), batch_size=100_000, synchronous="OFF")
    built = None
    if ledger.size < size:
        print(
            f"building {path.name}: {ledger.size:,} -> {size:,} leaves (once; reused afterwards)", flush=True
        )
        t0 = time.perf_counter()
        step = 1_000_000
        for start in range(ledger.size, size, step):
            ledger.append_many(events(start, min(size, start + step)))
            print(f"  {ledger.size:,} leaves, {ledger.size / (time.perf_counter() - t0):,.0f}/s", flush=True)
        built = size / (time.perf_counter() - t0)
    return ledger, built


def bench_proofs(ledger: SQLiteLedger, samples: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(7)
    size = ledger.size
    timings: dict[str, list[float]] = {
        k: [] for k in ("inclusion", "consistency", "verify_inc", "verify_cons")
    }
    roots: dict[int, bytes] = {size: ledger.root()}
    for _ in range(100):  # warm-up: page cache and statement cache
        ledger.inclusion_proof(rng.randrange(size))
    for _ in range(samples):
        tree = rng.choice((size, rng.randint(size // 2, size)))
        index = rng.randrange(tree)
        old = rng.randint(1, tree - 1)
        for s in (tree, old):
            if s not in roots:
                roots[s] = ledger.root(s)
        t0 = time.perf_counter()
        inc = ledger.inclusion_proof(index, tree)
        t1 = time.perf_counter()
        cons = ledger.consistency_proof(old, tree)
        t2 = time.perf_counter()
        leaf = ledger.leaf_hash(index)
        t3 = time.perf_counter()
        verify_inclusion(leaf, index, tree, inc, roots[tree])
        t4 = time.perf_counter()
        verify_consistency(old, tree, cons, roots[old], roots[tree])
        t5 = time.perf_counter()
        timings["inclusion"].append(t1 - t0)
        timings["consistency"].append(t2 - t1)
        timings["verify_inc"].append(t4 - t3)
        timings["verify_cons"].append(t5 - t4)
    assert leaf_hash(ledger.leaf_data(0)) == ledger.leaf_hash(0)
    return {k: percentiles_ms(v) for k, v in timings.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: runs in about 20 s")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    n_mem, n_durable, big, samples = (
        (100_000, 100_000, 100_000, 2000) if args.quick else (1_000_000, 500_000, 10_000_000, 5000)
    )
    memory = bench_memory(n_mem)
    durable = bench_durable(n_durable, 10_000)
    durable_small = bench_durable(n_durable // 10, 100)
    big_path = RESULTS / ("ledger-100k.sqlite" if args.quick else "ledger-10m.sqlite")
    ledger, build_rate = open_big_log(big, big_path)
    proofs = bench_proofs(ledger, samples)
    ledger.close()

    rows = [
        ("hashlib floor (leaf hash only), leaves/s", f"{memory['hashlib_floor']:,.0f}", "(floor)"),
        ("in-memory append, batches of 1000, leaves/s", f"{memory['batch_1000']:,.0f}", ">= 50,000"),
        ("in-memory append, one call per leaf, leaves/s", f"{memory['one_by_one']:,.0f}", ">= 50,000"),
        ("SQLite durable append (sync FULL, commit/10,000), leaves/s", f"{durable:,.0f}", ">= 10,000"),
        ("SQLite durable append (sync FULL, commit/100), leaves/s", f"{durable_small:,.0f}", "(info)"),
    ]
    if build_rate:
        rows.append(("SQLite build of the big log (sync OFF), leaves/s", f"{build_rate:,.0f}", "(info)"))
    for key, label, target in (
        ("inclusion", "inclusion proof", "< 2 ms"),
        ("consistency", "consistency proof", "< 2 ms"),
        ("verify_inc", "verify inclusion", "< 0.2 ms"),
        ("verify_cons", "verify consistency", "< 0.2 ms"),
    ):
        p50, p99 = proofs[key]
        rows.append((f"{label} @ {big:,} leaves, p50 / p99 ms", f"{p50:.3f} / {p99:.3f}", target))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'measured':>22}  target")
    for label, value, target in rows:
        print(f"{label.ljust(width)}  {value:>22}  {target}")
    report = {
        "quick": args.quick,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "leaves": {"memory": n_mem, "durable": n_durable, "big_log": big, "proof_samples": samples},
        "memory_leaves_per_s": memory,
        "sqlite_durable_leaves_per_s": {"commit_every_10000": durable, "commit_every_100": durable_small},
        "big_log_build_leaves_per_s": build_rate,
        "proof_ms_p50_p99": proofs,
    }
    (RESULTS / "ledger.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {RESULTS / 'ledger.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
