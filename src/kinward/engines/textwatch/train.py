"""Training, held-out evaluation and retraining from analysts' decisions."""

from __future__ import annotations

from pathlib import Path

from .analyze import analyze_post
from .classify import classify_posts
from .evaluate import evaluate
from .model import LABELS, MODEL_PATH, TextwatchModel, TrainingDataError, fit_model, make_version, save_model
from .trainset import DATA_DIR, build_training_files, load_jsonl


def _check_examples(examples: list[dict], what: str) -> None:
    for k, ex in enumerate(examples):
        if not isinstance(ex.get("text"), str):
            raise TrainingDataError(
                f"{what} #{k} (id {ex.get('id')!r}): field 'text' is missing or not a string"
            )
        if ex.get("label") not in LABELS:
            raise TrainingDataError(
                f"{what} #{k} (id {ex.get('id')!r}): label {ex.get('label')!r} not in {LABELS}"
            )


def train_model(
    train: list[dict], heldout: list[dict] | None = None, parent: str | None = None
) -> TextwatchModel:
    """Fit a new versioned model on ``train`` (dicts with ``text``, ``label``), evaluate it on ``heldout`` when
    given, and return it with its training summary and report (not saved)."""
    _check_examples(train, "training example")
    analyses = [analyze_post(ex["text"], ex.get("lang_hint")) for ex in train]
    model = fit_model(analyses, [ex["label"] for ex in train])
    model.version = make_version(train, parent)
    counts: dict[str, int] = {}
    for ex in train:
        counts[ex["label"]] = counts.get(ex["label"], 0) + 1
    model.training = {"n_examples": len(train), "labels": counts, "parent_version": parent,
                      "sources": sorted({ex.get("source", "unknown") for ex in train})}  # fmt: skip
    if heldout:
        _check_examples(heldout, "held-out example")
        preds = [r.as_dict() for r in classify_posts(heldout, model)]
        model.report = {"heldout_own_data": evaluate(heldout, preds).as_dict()}
    return model


def train_default(regenerate: bool = False, path: Path = MODEL_PATH) -> TextwatchModel:
    """Build (or reuse) ``data/train.jsonl`` and ``data/heldout.jsonl``, train, evaluate and save the model."""
    train_path, held_path = DATA_DIR / "train.jsonl", DATA_DIR / "heldout.jsonl"
    if regenerate or not train_path.exists() or not held_path.exists():
        train_path, held_path = build_training_files()
    train, held = load_jsonl(train_path), load_jsonl(held_path)
    model = train_model(train, held)
    model.report["handwritten_out_of_template"] = out_of_template_report(train + held)
    save_model(model, path)
    return model


def out_of_template_report(examples: list[dict]) -> dict:
    """Generalisation check on own data: a model trained only on the generated posts, evaluated on the
    hand-written ones (which share no template with them)."""
    generated = [ex for ex in examples if ex.get("source") == "generated"]
    hand = [ex for ex in examples if ex.get("source") == "handwritten"]
    if not generated or not hand:
        return {}
    probe = train_model(generated)
    preds = [r.as_dict() for r in classify_posts(hand, probe)]
    return evaluate(hand, preds).as_dict()


def retrain(base_examples: list[dict], decisions: list[dict], parent: TextwatchModel | None = None,
            heldout: list[dict] | None = None) -> TextwatchModel:  # fmt: skip
    """A new versioned model trained on ``base_examples`` plus analysts' labelled ``decisions`` (dicts with
    ``text`` and the analyst's ``label``). A decision on a text already in the base replaces its label, so an
    analyst can correct the training data. The result records its parent version; it is not saved."""
    _check_examples(decisions, "analyst decision")
    merged = {ex["text"]: dict(ex) for ex in base_examples}
    for dec in decisions:
        merged[dec["text"]] = {"text": dec["text"], "label": dec["label"], "lang": dec.get("lang"),
                               "source": "analyst_decision"}  # fmt: skip
    return train_model(list(merged.values()), heldout, parent.version if parent else None)
