"""Evaluation of textwatch output against labelled posts.

- ``risk``: precision, recall and F1 of the binary risk flag (positive class = risky), overall, per gold
  language; per gold label the share of posts flagged risky (the recall of the flag for risky labels, the
  false-alarm rate for ``benign``), and precision, recall and F1 of the exact six-way label, one-vs-rest.
- entities: micro-averaged precision, recall and F1 over posts of the *set* of ``normalized`` values, ignoring
  ``type`` (the ads-dev README allows a matcher to ignore type); the typed variant (``type``, ``normalized``)
  is reported alongside.

F1 = 2PR/(P+R) (van Rijsbergen, *Information Retrieval*, 1979); undefined ratios are reported as 0.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class EvaluationInputError(ValueError):
    """Gold and predicted records do not line up (missing id, missing field)."""


@dataclass
class PRF:
    """Counts of true positives, false positives and false negatives, with the derived ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    support: int = 0

    @property
    def precision(self) -> float:
        """TP / (TP + FP)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """TP / (TP + FN)."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: bool, pred: bool) -> None:
        """Count one binary decision."""
        self.support += int(gold)
        self.tp += int(gold and pred)
        self.fp += int(pred and not gold)
        self.fn += int(gold and not pred)

    def as_dict(self) -> dict:
        """Rounded ratios and raw counts."""
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn, "support": self.support}  # fmt: skip


@dataclass
class EvaluationReport:
    """All figures of one evaluation run."""

    n_posts: int = 0
    risk: PRF = field(default_factory=PRF)
    risk_by_lang: dict[str, PRF] = field(default_factory=dict)
    flagged_by_label: dict[str, list[int]] = field(default_factory=dict)  # label -> [flagged, n]
    label: dict[str, PRF] = field(default_factory=dict)
    label_accuracy: float = 0.0
    entities: PRF = field(default_factory=PRF)
    entities_typed: PRF = field(default_factory=PRF)
    lang_accuracy: float = 0.0
    route_to_help: PRF = field(default_factory=PRF)

    def as_dict(self) -> dict:
        """Plain nested dict for JSON."""
        return {
            "n_posts": self.n_posts,
            "risk": self.risk.as_dict(),
            "risk_by_lang": {k: v.as_dict() for k, v in sorted(self.risk_by_lang.items())},
            "flagged_share_by_label": {
                k: {"flagged": f, "n": n, "share": round(f / n, 4) if n else 0.0}
                for k, (f, n) in sorted(self.flagged_by_label.items())
            },
            "label": {k: v.as_dict() for k, v in sorted(self.label.items())},
            "label_accuracy": round(self.label_accuracy, 4),
            "entities": self.entities.as_dict(),
            "entities_typed": self.entities_typed.as_dict(),
            "lang_accuracy": round(self.lang_accuracy, 4),
            "route_to_help": self.route_to_help.as_dict(),
        }


def _set_counts(prf: PRF, gold: set, pred: set) -> None:
    prf.tp += len(gold & pred)
    prf.fp += len(pred - gold)
    prf.fn += len(gold - pred)
    prf.support += len(gold)


def evaluate(gold_posts: list[dict], predictions: list[dict]) -> EvaluationReport:
    """Compare predictions (``id``, ``label``, ``risk``, ``lang``, ``entities``) with gold posts (same keys,
    ``risk`` derived from ``label`` when absent), matched by ``id``."""
    by_id = {p.get("id"): p for p in predictions}
    rep = EvaluationReport()
    labels = sorted({g.get("label", "") for g in gold_posts} | {p.get("label", "") for p in predictions})
    rep.label = {lab: PRF() for lab in labels}
    correct_label = correct_lang = 0
    for gold in gold_posts:
        pid = gold.get("id")
        if pid not in by_id:
            raise EvaluationInputError(f"no prediction for gold post id {pid!r}")
        pred = by_id[pid]
        for key in ("label", "risk", "entities"):
            if key not in pred:
                raise EvaluationInputError(f"prediction {pid!r} has no field {key!r}")
        g_label = gold.get("label")
        if g_label is None:
            raise EvaluationInputError(f"gold post {pid!r} has no field 'label'")
        g_risk = bool(gold.get("risk", g_label != "benign"))
        p_risk = bool(pred["risk"])
        rep.n_posts += 1
        rep.risk.add(g_risk, p_risk)
        rep.risk_by_lang.setdefault(gold.get("lang", "?"), PRF()).add(g_risk, p_risk)
        counts = rep.flagged_by_label.setdefault(g_label, [0, 0])
        counts[0] += int(p_risk)
        counts[1] += 1
        for lab, prf in rep.label.items():
            prf.add(g_label == lab, pred["label"] == lab)
        if "route_to_help" in gold:
            rep.route_to_help.add(bool(gold["route_to_help"]), bool(pred.get("route_to_help", False)))
        correct_label += int(g_label == pred["label"])
        correct_lang += int(gold.get("lang") == pred.get("lang"))
        g_ents = gold.get("entities") or []
        p_ents = pred.get("entities") or []
        _set_counts(rep.entities, {e["normalized"] for e in g_ents}, {e["normalized"] for e in p_ents})
        _set_counts(
            rep.entities_typed,
            {(e["type"], e["normalized"]) for e in g_ents},
            {(e["type"], e["normalized"]) for e in p_ents},
        )
    rep.label_accuracy = correct_label / rep.n_posts if rep.n_posts else 0.0
    rep.lang_accuracy = correct_lang / rep.n_posts if rep.n_posts else 0.0
    return rep


def format_report(rep: EvaluationReport) -> str:
    """A plain-text table of the report."""
    lines = [f"posts: {rep.n_posts}", "", f"{'risk':<26}{'P':>8}{'R':>8}{'F1':>8}{'support':>9}"]

    def row(name: str, prf: PRF) -> str:
        return f"{name:<26}{prf.precision:8.3f}{prf.recall:8.3f}{prf.f1:8.3f}{prf.support:9d}"

    lines.append(row("overall", rep.risk))
    for lang, prf in sorted(rep.risk_by_lang.items()):
        lines.append(row(f"  lang={lang}", prf))
    lines.append("")
    lines.append(f"{'share flagged risky':<26}{'share':>8}{'n':>8}")
    for lab, (flagged, n) in sorted(rep.flagged_by_label.items()):
        lines.append(f"{'  gold=' + lab:<26}{(flagged / n if n else 0.0):8.3f}{n:8d}")
    lines.append("")
    lines.append(f"{'six-way label':<26}{'P':>8}{'R':>8}{'F1':>8}{'support':>9}")
    for lab, prf in sorted(rep.label.items()):
        lines.append(row(f"  {lab}", prf))
    lines.append(f"  label accuracy {rep.label_accuracy:.3f}; language accuracy {rep.lang_accuracy:.3f}")
    if rep.route_to_help.support:
        lines.append(row("  route_to_help", rep.route_to_help))
    lines.append("")
    lines.append(f"{'entities':<26}{'P':>8}{'R':>8}{'F1':>8}{'gold':>9}")
    lines.append(row("  normalized (untyped)", rep.entities))
    lines.append(row("  type + normalized", rep.entities_typed))
    return "\n".join(lines)
