"""``kinward watch``: classify, evaluate, train and cluster online posts (textwatch engine)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _read(path: str) -> list[dict]:
    from .trainset import load_jsonl

    return load_jsonl(Path(path))


def _classify(args: argparse.Namespace) -> int:
    from .classify import classify_posts
    from .trainset import write_jsonl

    posts = _read(args.input)
    results = [r.as_dict() for r in classify_posts(posts)]
    if args.out:
        write_jsonl(Path(args.out), results)
        flagged = sum(r["risk"] for r in results)
        print(f"classified {len(results)} posts, {flagged} flagged risky → {args.out}")
    else:
        for r in results:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .classify import classify_posts
    from .evaluate import evaluate, format_report
    from .model import load_model

    gold = _read(args.input)
    preds = [r.as_dict() for r in classify_posts(gold)]
    report = evaluate(gold, preds)
    print(f"model {load_model().version}")
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report.as_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


def _train(args: argparse.Namespace) -> int:
    from .model import MODEL_PATH
    from .train import train_default

    model = train_default(regenerate=args.regenerate)
    held = model.report.get("heldout_own_data", {})
    print(f"trained {model.version} on {model.training['n_examples']} examples → {MODEL_PATH}")
    if held:
        print(f"own held-out split: risk F1 {held['risk']['f1']:.3f}, entity F1 {held['entities']['f1']:.3f}")
    return 0


def _cluster(args: argparse.Namespace) -> int:
    from .classify import classify_posts
    from .cluster import entity_components, near_duplicate_clusters

    posts = _read(args.input)
    results = classify_posts(posts)
    dup = near_duplicate_clusters([p["text"] for p in posts], threshold=args.threshold)
    linked = entity_components([[e["normalized"] for e in r.entities] for r in results])
    out = sys.stdout if not args.out else open(args.out, "w", encoding="utf-8")
    try:
        for r, d, c in zip(results, dup, linked, strict=True):
            out.write(json.dumps({"id": r.id, "template_cluster": int(d), "entity_component": int(c),
                                  "label": r.label, "entities": [e["normalized"] for e in r.entities]},
                                 ensure_ascii=False) + "\n")  # fmt: skip
    finally:
        if args.out:
            out.close()
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``kinward watch`` with its ``classify``, ``evaluate``, ``train`` and ``cluster`` subcommands."""
    watch = subparsers.add_parser(
        "watch", help="online-platform watch: classify, evaluate, train, cluster posts"
    )
    sub = watch.add_subparsers(dest="watch_command", metavar="SUBCOMMAND")
    watch.set_defaults(func=lambda args: (watch.print_help(), 2)[1])

    p = sub.add_parser("classify", help="classify posts of a JSON Lines file (fields id, text)")
    p.add_argument("input", help="input .jsonl, one post per line with at least 'text'")
    p.add_argument("--out", help="output .jsonl (default: stdout)")
    p.set_defaults(func=_classify)

    p = sub.add_parser("evaluate", help="print risk and entity precision/recall/F1 on a labelled .jsonl")
    p.add_argument("input", help="labelled .jsonl (id, text, label, lang, entities)")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("train", help="rebuild the model from the training data in the engine's data folder")
    p.add_argument("--regenerate", action="store_true", help="regenerate the synthetic train/held-out files")
    p.set_defaults(func=_train)

    p = sub.add_parser("cluster", help="near-duplicate template clusters and entity-linked components")
    p.add_argument("input", help="input .jsonl with 'text'")
    p.add_argument("--out", help="output .jsonl (default: stdout)")
    p.add_argument("--threshold", type=float, default=0.5, help="estimated Jaccard to join a cluster")
    p.set_defaults(func=_cluster)
