"""Benchmark of the textwatch engine: classification with extraction (posts/s on one core) and near-duplicate
clustering of synthetic posts (1,000,000 in the full run; 20,000 with --quick, extrapolated and labelled so).

    .venv/bin/python bench/bench_textwatch.py [--quick]

Figures go to bench/results/textwatch.json.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from kinward.engines.textwatch import classify_posts, entity_components, load_model  # noqa: E402
from kinward.engines.textwatch.cluster import near_duplicate_clusters  # noqa: E402
from kinward.engines.textwatch.trainset import generate  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "textwatch.json"
TARGET_POSTS_PER_S = 2000.0
TARGET_CLUSTER_1M_S = 600.0


def _variant(text: str, rng: random.Random) -> str:
    """A re-post of a broker's template: other digits, a dropped or repeated phrase, emoji, spacing."""
    out = "".join(str(rng.randint(0, 9)) if c.isdigit() and rng.random() < 0.5 else c for c in text)
    words = out.split(" ")
    if len(words) > 6 and rng.random() < 0.5:
        del words[rng.randrange(len(words))]
    out = " ".join(words)
    return out + rng.choice(["", " 🙏", " !!", " 👶👶", "\nDM"])


def synthetic_corpus(n: int, seed: int = 5) -> tuple[list[str], np.ndarray]:
    """``n`` posts: 30% re-posts of 1 in 50 broker templates, the rest generated posts with fresh numbers.
    Returns the texts and, per post, its template id (-1 for a post that is not a planted re-post)."""
    rng = random.Random(seed)
    base = [p["text"] for p in generate(seed=seed, scale=1.0)]
    templates = rng.sample(base, k=min(len(base), max(10, n // 50)))
    texts, planted = [], np.full(n, -1, dtype=np.int64)
    for i in range(n):
        if rng.random() < 0.3:
            t = rng.randrange(len(templates))
            planted[i] = t
            texts.append(_variant(templates[t], rng))
        else:
            texts.append(_variant(rng.choice(base), rng))
    return texts, planted


def bench_classify(n: int) -> dict:
    posts = [{"id": str(i), "text": p["text"]} for i, p in enumerate(generate(seed=99, scale=1.0))][:n]
    model = load_model()
    classify_posts(posts[:100], model)  # warm up (lingua detectors, regex caches)
    t0, c0 = time.perf_counter(), time.process_time()
    results = classify_posts(posts, model)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    return {"posts": len(posts), "seconds": round(dt, 3), "posts_per_s": round(len(posts) / dt, 1),
            "cpu_seconds": round(dc, 3), "posts_per_cpu_s": round(len(posts) / dc, 1),
            "entities_found": sum(len(r.entities) for r in results)}  # fmt: skip


def bench_cluster(n: int) -> dict:
    t0 = time.perf_counter()
    texts, planted = synthetic_corpus(n)
    t_gen = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    ids = near_duplicate_clusters(texts, threshold=0.5)
    t_cluster, c_cluster = time.perf_counter() - t0, time.process_time() - c0
    # recall of planted re-post groups: share of re-posts in the cluster of their template's largest cluster
    hits = total = 0
    for t in np.unique(planted[planted >= 0]):
        members = ids[planted == t]
        if members.size > 1:
            hits += int(np.unique(members, return_counts=True)[1].max())
            total += int(members.size)
    ents = [[f"+62{i % (n // 3 + 1)}"] for i in range(n)]
    t0 = time.perf_counter()
    entity_components(ents)
    t_link = time.perf_counter() - t0
    return {"posts": n, "generate_s": round(t_gen, 2), "cluster_s": round(t_cluster, 2), "cluster_cpu_s": round(c_cluster, 2),
            "entity_link_s": round(t_link, 2), "clusters": int(np.unique(ids).size),
            "planted_repost_recall": round(hits / total, 4) if total else None}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="20,000 posts for clustering, extrapolated to 1M"
    )
    args = parser.parse_args()
    n_cls = 3000 if args.quick else 8000
    n_clu = 20_000 if args.quick else 1_000_000
    cls = bench_classify(n_cls)
    clu = bench_cluster(n_clu)
    one_m = clu["cluster_s"] * 1_000_000 / n_clu
    figures = {
        "mode": "quick" if args.quick else "full",
        "classify": cls,
        "cluster": clu,
        "cluster_1m_s": round(one_m, 1),
        "cluster_1m_is_extrapolated": args.quick,
        "targets": {"classify_posts_per_s": TARGET_POSTS_PER_S, "cluster_1m_s": TARGET_CLUSTER_1M_S},
    }
    label = " (extrapolated from 20,000, linear)" if args.quick else " (measured)"
    rows = [
        (
            "classification + extraction, posts/s (wall clock)",
            f"{cls['posts_per_s']:.0f}",
            f">= {TARGET_POSTS_PER_S:.0f}",
        ),
        (
            "classification + extraction, posts per CPU-second",
            f"{cls['posts_per_cpu_s']:.0f}",
            f">= {TARGET_POSTS_PER_S:.0f}",
        ),
        (f"clustering {n_clu:,} posts, s", f"{clu['cluster_s']:.1f}", ""),
        ("clustering 1,000,000 posts, s" + label, f"{one_m:.1f}", f"< {TARGET_CLUSTER_1M_S:.0f}"),
        ("planted re-post recall", f"{clu['planted_repost_recall']}", ""),
        (f"entity linking {n_clu:,} posts, s", f"{clu['entity_link_s']:.2f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'measured':>10}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
