"""Classification of posts with extraction and reasons: the engine's main entry point."""

from __future__ import annotations

from dataclasses import dataclass, field

from threadpoolctl import threadpool_limits

from .analyze import PostAnalysis, analyze_post
from .model import TextwatchModel, load_model


class PostInputError(ValueError):
    """A post record is missing its text or has a field of the wrong type."""


@dataclass(frozen=True)
class PostResult:
    """The textwatch verdict on one post: a lead for a person to review, never a decision."""

    id: str
    label: str
    risk: bool
    score: float
    reasons: list[str]
    lang: str
    entities: list[dict]
    prices: list[dict] = field(default_factory=list)
    model_version: str = ""
    route_to_help: bool = False

    def as_dict(self) -> dict:
        """The output record (``id``, ``label``, ``risk``, ``score``, ``reasons``, ``lang``, ``entities``,
        ``prices``, ``model_version``)."""
        return {"id": self.id, "label": self.label, "risk": self.risk, "score": round(self.score, 4),
                "reasons": self.reasons, "lang": self.lang, "entities": self.entities, "prices": self.prices,
                "model_version": self.model_version, "route_to_help": self.route_to_help}  # fmt: skip


def _cue_reasons(analysis: PostAnalysis, limit: int = 6) -> list[str]:
    seen, out = set(), []
    for cue in analysis.cues:
        key = (cue.cue, cue.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(f"cue {cue.cue} [{cue.lang}]: '{cue.text.strip()}'")
        if len(out) == limit:
            break
    return out


def classify_posts(
    posts: list[dict], model: TextwatchModel | None = None, batch_size: int = 512
) -> list[PostResult]:
    """Classify posts (dicts with ``text`` and optionally ``id`` and ``lang_hint``): language, contact entities,
    prices, label, risk flag, score ``1 - P(benign)`` and reasons (matched cues, then top model features)."""
    model = model or load_model()
    names = model.feature_names()
    results: list[PostResult] = []
    for offset in range(0, len(posts), batch_size):
        batch = posts[offset : offset + batch_size]
        analyses = []
        for k, post in enumerate(batch):
            text = post.get("text") if isinstance(post, dict) else None
            if not isinstance(text, str):
                raise PostInputError(f"post #{offset + k} (id {post.get('id') if isinstance(post, dict) else None!r})"
                                     " has no string field 'text'")  # fmt: skip
            analyses.append(analyze_post(text, post.get("lang_hint")))
        x = model.features(analyses)
        with threadpool_limits(limits=1):
            proba = model.classifier.predict_proba(x)
        order = [list(model.classifier.classes_).index(lab) for lab in _labels()]
        proba = proba[:, order]
        labels, scores = model.decide(proba)
        for k, (post, analysis) in enumerate(zip(batch, analyses, strict=True)):
            label = labels[k]
            reasons = _cue_reasons(analysis)
            explain = label if label != "benign" else "benign"
            reasons += ["model " + f for f in model.top_features(x, k, explain, names)]
            if analysis.prices:
                reasons.append("prices: " + "; ".join(p.raw for p in analysis.prices[:3]))
            cues = {c.cue for c in analysis.cues}
            help_first = label == "review" and "distress" in cues and not analysis.prices
            if help_first:
                reasons.insert(0, "route to help: the writer seems to be in distress, not a seller")
            results.append(
                PostResult(
                    id=str(post.get("id", offset + k)), label=label, risk=label != "benign",
                    score=float(scores[k]), reasons=reasons, lang=analysis.lang,
                    entities=[e.as_dict() for e in analysis.entities],
                    prices=[p.as_dict() for p in analysis.prices], model_version=model.version,
                    route_to_help=help_first,
                )
            )  # fmt: skip
    return results


def _labels():
    from .model import LABELS

    return LABELS
