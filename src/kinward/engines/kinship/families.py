"""Combining several typed relatives of one searching family into one likelihood ratio.

Reference profiles that share a `family_id` are one family. Each member's `relation` to the missing child
(`father`, `mother`, `parent` with `sex`, `full_sibling`) places it in a pedigree:

    father (typed, or an untyped founder) x mother (typed, or an untyped founder)
        -> the missing child X, and every typed full sibling.

For every locus the engine computes, for every genotype g the child might have,
LR(g) = P(X = g, family data | H1) / P(X = g, family data | H2), where H2 is the same pedigree with X an
unrelated founder. So both parents give the trio LR, a parent plus a sibling a combined LR, and so on. A
`parent` without a sex takes the father's place (male mutation rates) if it is free, else the mother's; this is
documented, not guessed silently. When the family's own genotypes are impossible under the model at a locus
(without mutation, a sibling carrying an allele neither typed parent has), `FamilyDataImpossible` names it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import PedigreeError
from .frequencies import LocusFrequencies
from .mutation import MutationModel
from .pedigree import Pedigree, Person, joint_with_target
from .profiles import Profile

TARGET = "__missing_child__"


class FamilyDataImpossible(PedigreeError):
    """The typed members of a family cannot be related as stated at a locus under the model."""


@dataclass(frozen=True)
class FamilyPedigrees:
    """The H1 and H2 pedigrees of one family and a label such as `father+mother`."""

    family_id: str
    members: tuple[str, ...]
    label: str
    h1: Pedigree
    h2: Pedigree


def _parent_slots(family_id: str, members: Sequence[Profile]) -> tuple[str | None, str | None, list[str]]:
    """Father, mother and siblings of the missing child. A `parent` with a sex takes that sex's place; a
    `parent` without one takes the father's place if it is free, else the mother's (documented)."""
    father = mother = None
    siblings: list[str] = []
    unsexed: list[str] = []
    for m in members:
        rel = m.relation
        if rel == "father" or (rel == "parent" and m.sex == "M"):
            if father is not None:
                raise PedigreeError(f"family {family_id}: two fathers ({father}, {m.profile_id})")
            father = m.profile_id
        elif rel == "mother" or (rel == "parent" and m.sex == "F"):
            if mother is not None:
                raise PedigreeError(f"family {family_id}: two mothers ({mother}, {m.profile_id})")
            mother = m.profile_id
        elif rel == "parent":
            unsexed.append(m.profile_id)
        elif rel == "full_sibling":
            siblings.append(m.profile_id)
        else:
            raise PedigreeError(f"family {family_id}: member {m.profile_id} has no usable relation ({rel!r})")
    for pid in unsexed:
        if father is None:
            father = pid
        elif mother is None:
            mother = pid
        else:
            raise PedigreeError(f"family {family_id}: three parents ({father}, {mother}, {pid})")
    return father, mother, siblings


def family_pedigrees(family_id: str, members: Sequence[Profile]) -> FamilyPedigrees:
    """Place the members around the missing child; raise `PedigreeError` naming the family on conflicts."""
    father, mother, siblings = _parent_slots(family_id, members)
    fa, mo = father or "__untyped_father__", mother or "__untyped_mother__"
    base = [Person(fa, "M"), Person(mo, "F")]
    base += [Person(s, "M", fa, mo) for s in siblings]
    h1 = Pedigree((*base, Person(TARGET, "M", fa, mo)))
    h2 = Pedigree((*base, Person(TARGET, "M")))
    role = {father: "father", mother: "mother"}
    label = "+".join(role.get(m.profile_id, m.relation) for m in members)
    return FamilyPedigrees(family_id, tuple(m.profile_id for m in members), label, h1, h2)


def family_log_lr(
    fam: FamilyPedigrees,
    members: Sequence[Profile],
    lf: LocusFrequencies,
    *,
    mutation: MutationModel | None,
    theta: float,
) -> np.ndarray | None:
    """log LR(X = g) at one locus for every genotype g (triangular order); None if no member is typed there."""
    typed = {m.profile_id: m.genotypes[lf.locus] for m in members if lf.locus in m.genotypes}
    if not typed:
        return None
    kw = {"mutation": mutation, "theta": theta, "locus": lf.locus}
    v1 = joint_with_target(fam.h1, typed, TARGET, lf.alleles, lf.freqs, **kw)
    v2 = joint_with_target(fam.h2, typed, TARGET, lf.alleles, lf.freqs, **kw)
    if not np.any(v2 > 0):
        raise FamilyDataImpossible(
            f"family {fam.family_id} locus {lf.locus}: the family's own genotypes are impossible as stated "
            "under this model (a mutation, a typing error or a wrong relation)"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v2 > 0, np.log(v1) - np.log(v2), -np.inf)
