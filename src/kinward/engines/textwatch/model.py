"""The risk classifier: TF-IDF character and word n-grams of the masked, normalised text plus cue-lexicon features,
fed to a multinomial logistic regression (scikit-learn; Pedregosa et al., JMLR 12, 2011).

``risk`` is ``P(benign) < threshold``; the label is the most probable risky label when risky, else ``benign``.
The score is ``1 - P(benign)``. Reasons list the matched cues with their lexicon language, then the n-gram and cue
features that pushed the predicted label most (coefficient × feature value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from .analyze import PostAnalysis
from .lexicon import FEATURE_NAMES, cue_vector

LABELS = ("offer_sale", "seek_buy", "surrogacy_broker", "illegal_adoption", "review", "benign")
RISKY_LABELS = frozenset(LABELS[:-1])
CUE_WEIGHT = 1.5
MODEL_PATH = Path(__file__).with_name("data") / "model.joblib"


class TrainingDataError(ValueError):
    """A training example is missing a field or carries an unknown label."""


@dataclass
class TextwatchModel:
    """A trained, versioned classifier with its training summary and held-out evaluation report."""

    version: str
    char_vectorizer: object
    word_vectorizer: object
    classifier: object
    threshold: float = 0.5
    report: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)

    def features(self, analyses: list[PostAnalysis]) -> sparse.csr_matrix:
        """The sparse feature matrix: char n-grams | word n-grams | weighted cue features."""
        texts = [a.model_text for a in analyses]
        cues = np.array([cue_vector(list(a.cues), len(a.prices)) for a in analyses], dtype=np.float64)
        return sparse.hstack(
            [
                self.char_vectorizer.transform(texts),
                self.word_vectorizer.transform(texts),
                sparse.csr_matrix(cues * CUE_WEIGHT),
            ],
            format="csr",
        )

    def feature_names(self) -> np.ndarray:
        """Names of the columns of :meth:`features`."""
        return np.concatenate(
            [
                "char:" + self.char_vectorizer.get_feature_names_out().astype(object),
                "word:" + self.word_vectorizer.get_feature_names_out().astype(object),
                np.array(["cue:" + n for n in FEATURE_NAMES], dtype=object),
            ]
        )

    def predict_proba(self, analyses: list[PostAnalysis]) -> np.ndarray:
        """Class probabilities, columns in :data:`LABELS` order."""
        proba = self.classifier.predict_proba(self.features(analyses))
        order = [list(self.classifier.classes_).index(lab) for lab in LABELS]
        return proba[:, order]

    def decide(self, proba: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Labels and risk scores (``1 - P(benign)``) from class probabilities."""
        score = 1.0 - proba[:, -1]
        risky_best = np.argmax(proba[:, :-1], axis=1)
        labels = [
            LABELS[k] if s >= self.threshold else "benign" for k, s in zip(risky_best, score, strict=True)
        ]
        return labels, score

    def top_features(
        self, x: sparse.csr_matrix, row: int, label: str, names: np.ndarray, k: int = 3
    ) -> list[str]:
        """The ``k`` features of row ``row`` of ``x`` with the largest positive contribution (coefficient ×
        value) to ``label``."""
        cls = list(self.classifier.classes_).index(label)
        lo, hi = x.indptr[row], x.indptr[row + 1]
        indices = x.indices[lo:hi]
        contrib = x.data[lo:hi] * self.classifier.coef_[cls][indices]
        best = np.argsort(-contrib)[:k]
        return [f"{names[indices[i]]} (+{contrib[i]:.2f})" for i in best if contrib[i] > 0]


def fit_model(analyses: list[PostAnalysis], labels: list[str], *, c: float = 4.0, seed: int = 0):
    """Fit vectorizers and the logistic regression on analysed training posts; returns the unversioned parts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    bad = sorted(set(labels) - set(LABELS))
    if bad:
        raise TrainingDataError(f"unknown label(s) {bad}; expected one of {LABELS}")
    texts = [a.model_text for a in analyses]
    char_vec = TfidfVectorizer(
        analyzer="char_wb",
        lowercase=False,
        ngram_range=(2, 4),
        min_df=3,
        max_features=60000,
        sublinear_tf=True,
        dtype=np.float32,
    )
    word_vec = TfidfVectorizer(
        analyzer="word",
        lowercase=False, token_pattern=r"(?u)\b\w+\b", ngram_range=(1, 2), min_df=2, max_features=30000,
        sublinear_tf=True, dtype=np.float32,
    )  # fmt: skip
    char_vec.fit(texts)
    word_vec.fit(texts)
    model = TextwatchModel("unversioned", char_vec, word_vec, None)
    x = model.features(analyses)
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
    with threadpool_limits(limits=1):  # small sparse problem: BLAS threads only contend with each other
        clf.fit(x, labels)
    model.classifier = clf
    return model


def data_fingerprint(examples: list[dict]) -> str:
    """SHA-256 (first 10 hex digits) of the canonical JSON of the training examples' texts and labels."""
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps([ex["text"], ex["label"]], ensure_ascii=False).encode())
    return h.hexdigest()[:10]


def make_version(examples: list[dict], parent: str | None = None) -> str:
    """Version string ``tw-<UTC date>-<data fingerprint>``; a retrained model records its parent separately."""
    return f"tw-{datetime.now(UTC):%Y%m%d}-{data_fingerprint(examples)}"


def save_model(model: TextwatchModel, path: Path = MODEL_PATH) -> Path:
    """Write the model with joblib (compressed) and its report as JSON next to it."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)
    report_path = path.with_suffix(".report.json")
    meta = {"version": model.version, "training": model.training, "report": model.report}
    report_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


_CACHE: dict[str, TextwatchModel] = {}


def load_model(path: Path = MODEL_PATH) -> TextwatchModel:
    """Load (once per process) the saved model; raises FileNotFoundError with a hint when it is missing."""
    key = str(path)
    if key not in _CACHE:
        if not path.exists():
            raise FileNotFoundError(f"no textwatch model at {path}; build it with `kinward watch train`")
        import joblib

        _CACHE[key] = joblib.load(path)
    return _CACHE[key]
