"""Per-post analysis before classification: normalise, find contacts, identify the language, find prices and
cues, and build the masked text the classifier reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .entities import Entity, extract_entities
from .lang import detect_language
from .lexicon import CueMatch, match_cues
from .normalize import NormalizedText, normalize
from .prices import Price, extract_prices

_DIGIT_RE = re.compile(r"\d")
# Rough contact shapes removed before language identification (handles, e-mails, links, numbers).
_CONTACT_RE = re.compile(
    r"\S*@\S+|\S*(?:https?://|www\.|t\.me/|wa\.me/)\S*|\S+\.(?:com|org|net|example)\S*|[+(]?\d[\d\s().\-]{5,}"
)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class PostAnalysis:
    """Everything the classifier and the linker need from one post."""

    normalized: NormalizedText
    lang: str
    entities: tuple[Entity, ...]
    prices: tuple[Price, ...]
    cues: tuple[CueMatch, ...]
    model_text: str


def _mask(text: str, entities: list[Entity], token: bool) -> str:
    parts, pos = [], 0
    for ent in sorted(entities, key=lambda e: e.start):
        if ent.start < pos:
            continue
        parts.append(text[pos : ent.start])
        parts.append(f" _{ent.type}_ " if token else " ")
        pos = ent.end
    parts.append(text[pos:])
    return "".join(parts)


def analyze_post(text: str, lang: str | None = None) -> PostAnalysis:
    """Analyse one post: normalise, identify the language on the text without contact-like strings, then read
    contacts (numbers with that language's regions), prices and cues.

    ``lang`` may be given to skip identification (for example when the platform supplies it)."""
    nt = normalize(text)
    if lang is None:
        lang = detect_language(_CONTACT_RE.sub(" ", nt.text))
    entities = extract_entities(nt, lang)
    prices = extract_prices(nt, lang, [(e.start, e.end) for e in entities])
    masked = _mask(nt.text, entities, token=True)
    cues = match_cues(masked)
    model_text = _SPACE_RE.sub(" ", _DIGIT_RE.sub("0", masked)).strip()
    return PostAnalysis(nt, lang, tuple(entities), tuple(prices), tuple(cues), model_text)
