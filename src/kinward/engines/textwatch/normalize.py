"""Normalisation and de-obfuscation of post text, keeping a map back to raw character offsets.

Each stage rewrites some spans of the current text and carries, for every output character, the half-open raw
span ``[start, end)`` it came from, so that an entity found in the normalised text can be reported with its exact
raw substring. Stages, in order:

1. Unicode NFKC compatibility normalisation (UAX #15), per base character with its combining marks: full-width
   letters and digits, ligatures, circled and mathematical digits become plain characters.
2. Invisible characters (zero-width space/joiner, variation selectors, the keycap mark U+20E3, soft hyphen) are
   dropped, so ``8️⃣1️⃣`` reads ``81``; any other decimal digit (Unicode category Nd) becomes its ASCII digit.
3. Lower case.
4. Homoglyphs: inside a word that mixes Latin and Cyrillic letters, look-alike letters are mapped to the
   word's majority script (Unicode TR #39 "mixed-script confusables").
5. Letters for digits inside digit runs: ``o8l2`` → ``0812`` (o/о → 0, l/i/і/| → 1).
6. Digits written as words in Indonesian, Russian, Kazakh, English and Chinese, when at least
   :data:`MIN_WORD_DIGITS` of them follow one another (``nol delapan satu dua …``, ``восемь …``, ``八一三…``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MIN_WORD_DIGITS = 7

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f\u20e3"), None)
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f\u20e3]")

# Cyrillic → Latin look-alikes (lower case) and the reverse map.
_CYR_TO_LAT = {
    "а": "a",
    "е": "e",
    "о": "o",
    "р": "p",
    "с": "c",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
}
_LAT_TO_CYR = {v: k for k, v in _CYR_TO_LAT.items()}
_MIXED_WORD_RE = re.compile(
    r"[^\W\d_]*(?:[a-z][^\W\d_]*[\u0400-\u04ff]|[\u0400-\u04ff][^\W\d_]*[a-z])[^\W\d_]*"
)

_DIGIT_LOOKALIKE = {"o": "0", "о": "0", "l": "1", "i": "1", "і": "1", "|": "1"}
_RUN_BEFORE_RE = re.compile(r"\d[\s.\-]{1,2}$")
_RUN_AFTER_RE = re.compile(r"[\s.\-]{1,2}\d")
_DIGIT_TOKEN_RE = re.compile(r"[0-9oоliі|]*[0-9][0-9oоliі|]*")

NUMBER_WORDS: dict[str, str] = {
    # Indonesian / Malay
    "nol": "0", "kosong": "0", "satu": "1", "dua": "2", "tiga": "3", "empat": "4", "lima": "5",
    "enam": "6", "tujuh": "7", "delapan": "8", "lapan": "8", "sembilan": "9",
    # Russian
    "ноль": "0", "нуль": "0", "один": "1", "одна": "1", "два": "2", "две": "2", "три": "3",
    "четыре": "4", "пять": "5", "шесть": "6", "семь": "7", "восемь": "8", "девять": "9",
    # Kazakh
    "нөл": "0", "бір": "1", "екі": "2", "үш": "3", "төрт": "4", "бес": "5", "алты": "6",
    "жеті": "7", "сегіз": "8", "тоғыз": "9",
    # English
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_ZH_DIGITS = {"零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}  # fmt: skip
_WORD_ALT = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_WORD_RUN_RE = re.compile(
    rf"(?<!\w)(?:{_WORD_ALT})(?:[\s,.\-–/]{{1,3}}(?:{_WORD_ALT})){{{MIN_WORD_DIGITS - 1},}}(?!\w)"
)
_WORD_RE = re.compile(rf"(?<!\w)(?:{_WORD_ALT})(?!\w)")
_ZH_RUN_RE = re.compile(
    rf"[{''.join(_ZH_DIGITS)}](?:[\s\-]?[{''.join(_ZH_DIGITS)}]){{{MIN_WORD_DIGITS - 1},}}"
)


@dataclass(frozen=True)
class NormalizedText:
    """A normalised text with, for each of its characters, the raw span ``[starts[i], ends[i])`` it came from."""

    raw: str
    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw ``[start, end)`` covering normalised characters ``start .. end-1`` (``end > start``)."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(
                f"normalised span [{start}, {end}) is outside the text of length {len(self.text)}"
            )
        return self.starts[start], max(self.ends[start:end])

    def raw_substring(self, start: int, end: int) -> str:
        """The exact raw substring behind normalised characters ``start .. end-1``."""
        a, b = self.raw_span(start, end)
        return self.raw[a:b]


def _apply(text: str, starts: list[int], ends: list[int], edits: list[tuple[int, int, str]]):
    """Replace each non-overlapping, sorted ``(i, j, new)`` span of ``text``; new chars inherit the span's raw range."""
    out, ns, ne = [], [], []
    pos = 0
    for i, j, new in edits:
        out.append(text[pos:i])
        ns.extend(starts[pos:i])
        ne.extend(ends[pos:i])
        if not new and ne and i < j:  # a dropped mark belongs to the character before it
            ne[-1] = max(ne[-1], max(ends[i:j]))
        if new:
            a = starts[i] if i < j else (ends[i - 1] if i > 0 else 0)
            b = max(ends[i:j]) if i < j else a
            out.append(new)
            if len(new) == j - i:  # one-to-one rewrite keeps per-character offsets
                ns.extend(starts[i:j])
                ne.extend(ends[i:j])
            else:
                ns.extend([a] * len(new))
                ne.extend([b] * len(new))
        pos = j
    out.append(text[pos:])
    ns.extend(starts[pos:])
    ne.extend(ends[pos:])
    return "".join(out), ns, ne


def _nfkc_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        group = text[i:j]
        if not group.isascii():
            new = unicodedata.normalize("NFKC", group)
            if new != group:
                edits.append((i, j, new))
        i = j
    return edits


_UNICODE_DIGIT_RE = re.compile(r"(?![0-9])\d")


def _digit_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in _INVISIBLE_RE.finditer(text):
        edits.append((m.start(), m.end(), ""))
    if not text.isascii():
        for m in _UNICODE_DIGIT_RE.finditer(text):
            edits.append((m.start(), m.end(), str(unicodedata.decimal(m.group()))))
    edits.sort()
    return edits


_LATIN_RE = re.compile(r"[a-z]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")


def _homoglyph_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    if not (_LATIN_RE.search(text) and _CYRILLIC_RE.search(text)):
        return edits
    for m in _MIXED_WORD_RE.finditer(text):
        word = m.group()
        cyr = sum(1 for c in word if "\u0400" <= c <= "\u04ff")
        table = _LAT_TO_CYR if cyr * 2 > len(word) else _CYR_TO_LAT
        new = "".join(table.get(c, c) for c in word)
        if new != word:
            edits.append((m.start(), m.end(), new))
    return edits


def _lookalike_digit_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    for m in _DIGIT_TOKEN_RE.finditer(text):
        tok = m.group()
        if tok.isdigit():
            continue
        ndig = sum(c.isdigit() for c in tok)
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        if before.isalpha() or after.isalpha():
            continue
        in_run = _RUN_BEFORE_RE.search(text, max(0, m.start() - 3), m.start()) or _RUN_AFTER_RE.match(
            text, m.end()
        )
        if (ndig >= 2 and ndig * 2 >= len(tok)) or (in_run and len(tok) <= 4):
            edits.append((m.start(), m.end(), "".join(_DIGIT_LOOKALIKE.get(c, c) for c in tok)))
    return edits


def _number_word_edits(text: str) -> list[tuple[int, int, str]]:
    edits = []
    for run in _WORD_RUN_RE.finditer(text):
        for w in _WORD_RE.finditer(text, run.start(), run.end()):
            edits.append((w.start(), w.end(), NUMBER_WORDS[w.group()]))
    for run in _ZH_RUN_RE.finditer(text):
        for k in range(run.start(), run.end()):
            if text[k] in _ZH_DIGITS:
                edits.append((k, k + 1, _ZH_DIGITS[text[k]]))
    edits.sort()
    return edits


def normalize(raw: str) -> NormalizedText:
    """Normalise and de-obfuscate ``raw`` (stages 1–6 of the module docstring), keeping raw offsets."""
    if not isinstance(raw, str):
        raise TypeError(f"post text must be a str, got {type(raw).__name__}")
    text = raw
    starts = list(range(len(raw)))
    ends = list(range(1, len(raw) + 1))
    if not unicodedata.is_normalized("NFKC", text):
        text, starts, ends = _apply(text, starts, ends, _nfkc_edits(text))
    edits = _digit_edits(text)
    if edits:
        text, starts, ends = _apply(text, starts, ends, edits)
    lower = text.lower()
    if len(lower) == len(text):
        text = lower
    else:  # rare: a character whose lower case has another length (e.g. U+0130)
        text, starts, ends = _apply(
            text, starts, ends, [(i, i + 1, c.lower()) for i, c in enumerate(text) if c.lower() != c]
        )
    for stage in (_homoglyph_edits, _lookalike_digit_edits, _number_word_edits):
        edits = stage(text)
        if edits:
            text, starts, ends = _apply(text, starts, ends, edits)
    return NormalizedText(raw=raw, text=text, starts=tuple(starts), ends=tuple(ends))


_SKELETON = str.maketrans({**_CYR_TO_LAT, **_INVISIBLE})


def skeleton(raw: str) -> str:
    """A fast, offset-free key for near-duplicate detection: NFKC, lower case, Cyrillic look-alikes as Latin,
    invisible characters dropped, every digit as ``0`` and whitespace collapsed (cf. UTS #39 skeletons)."""
    text = unicodedata.normalize("NFKC", raw).lower().translate(_SKELETON)
    return " ".join(_DIGITS_RE.sub("0", text).split())


_DIGITS_RE = re.compile(r"\d")
