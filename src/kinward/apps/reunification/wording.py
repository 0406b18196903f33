"""DNA results in plain words for families and caseworkers: never genotypes, always the likelihood ratio.

The verbal scale is the ENFSI Guideline for Evaluative Reporting in Forensic Science (2015), table of verbal
equivalents: LR 2-10 weak, 10-100 moderate, 100-1,000 moderately strong, 1,000-10,000 strong,
10,000-1,000,000 very strong, above 1,000,000 extremely strong support. An LR below 1 supports the other
proposition (not related) on the same scale of 1/LR.
"""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

_SCALE = (
    (1e6, "extremely strong support"),
    (1e4, "very strong support"),
    (1e3, "strong support"),
    (1e2, "moderately strong support"),
    (10, "moderate support"),
    (2, "weak support"),
)
_WORDS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def verbal_support(lr: float) -> str:
    """The ENFSI verbal equivalent of a likelihood ratio of at least 1 (below 2: "no real support")."""
    for bound, words in _SCALE:
        if lr >= bound:
            return words
    return "no real support either way"


def about(lr: float) -> str:
    """A likelihood ratio in plain figures: "about 2 million", "about 30,000", "1 in about 500"."""
    if math.isinf(lr) or lr > 1e15:
        return "more than a thousand trillion"
    if lr <= 0:
        return "zero (an exclusion)"
    if lr < 1:
        return f"1 in {about(1 / lr).removeprefix('about ')}"
    keep = 1 if lr >= 1e6 else 2  # significant figures: "about 2 million", "about 12,000"
    step = 10.0 ** (int(math.floor(math.log10(lr))) - keep + 1)
    rounded = math.floor(lr / step + 0.5) * step
    for bound, word in _WORDS:
        if rounded >= bound:
            return f"about {rounded / bound:.3g} {word}"
    return f"about {int(rounded):,}" if lr >= 10 else f"about {lr:.1f}"


def _sibling(sex: str) -> str:
    return {"F": "sister", "M": "brother"}.get(sex, "sibling")


def relation_words(relation: str, sex: str) -> str:
    """The stated relation of a family member to the child, in words ("the mother", "a full brother")."""
    if relation in ("father", "mother"):
        return f"the {relation}"
    if relation == "parent":
        return {"F": "the mother", "M": "the father"}.get(sex, "a parent")
    if relation == "full_sibling":
        return f"a full {_sibling(sex)}"
    return "a relative"


def match_sentence(*, child: str, members: list[tuple[str, str, str]], relationship: str, lr: float) -> str:
    """One sentence for a family: what the DNA says about the child and the family member(s) compared.

    `members` holds (name, relation, sex) of the relatives whose samples were compared; `lr` is the LR for the
    stated relation (or the family's combined LR).
    """
    if len(members) == 1:
        name, relation, sex = members[0]
        claim = f"{name} is {relation_words(relation, sex)} of {child}"
    else:
        described = ", ".join(f"{n} ({relation_words(r, s).removeprefix('the ')})" for n, r, s in members)
        claim = f"{child} is the missing child of this family ({described}, compared together)"
    if lr >= 1:
        return _(
            "The DNA results give %(support)s to the view that %(claim)s (likelihood ratio %(about)s)."
        ) % {"support": verbal_support(lr), "claim": claim, "about": about(lr)}
    return _(
        "The DNA results give %(support)s to the view that it is NOT true that %(claim)s "
        "(likelihood ratio %(about)s)."
    ) % {"support": verbal_support(1 / lr), "claim": claim, "about": about(lr)}


def lr_meaning(lr: float) -> str:
    """What a likelihood ratio means, in one sentence a family can follow."""
    return _(
        "This means the DNA results are %(about)s times more likely if they are related this way than if "
        "they are not related. It is a lead for people to check, not a decision."
    ) % {"about": about(lr).removeprefix("about ")}


def no_candidate_sentence(*, who: str, threshold: float) -> str:
    return _(
        "No searching family gave a DNA result above the threshold (likelihood ratio %(t)s) for %(who)s. "
        "This is a normal outcome: the family may not have come forward yet, or a relative who could be "
        "compared has not given a sample."
    ) % {"t": about(threshold).removeprefix("about "), "who": who}
