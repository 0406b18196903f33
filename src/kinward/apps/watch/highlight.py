"""Why a post was flagged, shown in its own words: the cue phrases, contact identifiers and prices the classifier
found are marked in the raw text with <mark>, and everything else is escaped.

The spans come from the engine's public analysis (`analyze_post`): entities carry their positions in the
normalised text, which `NormalizedText.raw_span` maps back to the raw text; cues carry their matched normalised
phrase, found again in the normalised text; prices carry their exact raw substring.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def highlight_spans(text: str, lang: str | None = None) -> list[list]:
    """`[start, end, kind, note]` spans of the raw `text` that explain the verdict (kind: cue, entity, price)."""
    from kinward.engines.textwatch import analyze_post

    analysis = analyze_post(text, lang or None)
    nt = analysis.normalized
    spans: list[list] = []
    for entity in analysis.entities:
        if entity.end > entity.start:
            start, end = nt.raw_span(entity.start, entity.end)
            spans.append([start, end, "entity", f"{entity.type}: {entity.normalized}"])
    for cue in analysis.cues:
        phrase = cue.text.strip()
        if not phrase:
            continue
        for match in re.finditer(re.escape(phrase), nt.text):
            start, end = nt.raw_span(match.start(), match.end())
            spans.append([start, end, "cue", f"cue {cue.cue} [{cue.lang}]"])
    for price in analysis.prices:
        position = text.find(price.raw)
        if price.raw and position >= 0:
            spans.append([position, position + len(price.raw), "price", "price"])
    return _merge(spans)


def _merge(spans: list[list]) -> list[list]:
    """Overlapping spans become one, keeping the first kind and joining the notes."""
    merged: list[list] = []
    for start, end, kind, note in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if note not in last[3].split("; "):
                last[3] = f"{last[3]}; {note}"
            continue
        merged.append([start, end, kind, note])
    return merged


def highlighted_html(text: str, spans: list[list]) -> SafeString:
    """The text, escaped, with each span wrapped in `<mark class="hl-KIND" title="NOTE">`."""
    parts, position = [], 0
    for start, end, kind, note in spans:
        if start < position or end > len(text):
            continue
        parts.append(escape(text[position:start]))
        parts.append(
            f'<mark class="hl-{escape(kind)}" title="{escape(note)}">{escape(text[start:end])}</mark>'
        )
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped
