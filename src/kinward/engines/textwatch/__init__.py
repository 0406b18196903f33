"""textwatch: watching online platforms for baby sales, illegal adoption and surrogacy brokering.

Pipeline: normalise and de-obfuscate (:mod:`.normalize`) → contact entities (:mod:`.entities`) → language
(:mod:`.lang`) → prices (:mod:`.prices`) and cues (:mod:`.lexicon`) → risk classifier (:mod:`.model`) →
results with reasons (:mod:`.classify`); near-duplicate clusters and entity links (:mod:`.cluster`); evaluation
(:mod:`.evaluate`); training and retraining (:mod:`.train`). No Django. See docs/engines/textwatch.md.
"""

from .analyze import PostAnalysis, analyze_post
from .classify import PostInputError, PostResult, classify_posts
from .cluster import broker_groups, entity_components, near_duplicate_clusters
from .entities import Entity, extract_entities
from .evaluate import EvaluationReport, evaluate
from .lang import detect_language
from .model import LABELS, TextwatchModel, load_model
from .normalize import NormalizedText, normalize
from .train import retrain, train_model

__all__ = [
    "LABELS",
    "Entity",
    "EvaluationReport",
    "NormalizedText",
    "PostAnalysis",
    "PostInputError",
    "PostResult",
    "TextwatchModel",
    "analyze_post",
    "broker_groups",
    "classify_posts",
    "detect_language",
    "entity_components",
    "evaluate",
    "extract_entities",
    "load_model",
    "near_duplicate_clusters",
    "normalize",
    "retrain",
    "train_model",
]
