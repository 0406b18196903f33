"""The likelihood ratio of one pair of profiles under a stated relationship: the public single-pair API.

`pair_lr(child, candidate, relationship, frequencies)` multiplies, over the loci typed in both profiles, the
per-locus LR of "the candidate is the child's <relationship>" against "they are unrelated":

* parent/child (`parent`; also `father`, `mother`, `child`): the duo paternity index with the candidate's
  sex-specific mutation matrix and the untyped other parent q = B M_other (Egeland, Kling & Mostad 2016,
  sec. 2.3; without mutation and theta a shared allele a gives 1/(4 p_a) for heterozygous pairs);
* full siblings and second-degree relatives (half-sibling, grandparent/grandchild, avuncular, which give
  identical LRs for unlinked markers): LR = k0 + k1 P1/P0 + k2 P2/P0 with kappa (1/4, 1/2, 1/4) and
  (1/2, 1/2, 0) (Evett & Weir 1998, ch. 7; Buckleton, Bright & Taylor 2016, ch. 11);
* theta enters P0, P1 and B as Balding-Nichols draws (NRC II 1996, eq. 4.10).

No locus is dropped silently: a locus typed in both but absent from the frequency table raises
`KinshipError`; loci typed in one profile only are listed in `not_compared`; alleles absent from the table are
added at the minimum frequency and named in `notes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import KinshipError
from .frequencies import FrequencyTable, with_unseen_alleles
from .mutation import MutationModel
from .pairwise import KAPPA, kinship_lr, paternity_index
from .profiles import Profile
from .search import DEFAULT_MUTATION

RELATIONSHIP_CLASSES = {
    "parent": "parent", "parent_child": "parent", "father": "parent", "mother": "parent", "child": "parent",
    "full_sibling": "full_sibling", "sibling": "full_sibling",
    "second_degree": "second_degree", "half_sibling": "second_degree", "grandparent": "second_degree",
    "grandchild": "second_degree", "avuncular": "second_degree", "uncle": "second_degree",
    "aunt": "second_degree", "niece": "second_degree", "nephew": "second_degree",
}  # fmt: skip

Genotypes = Mapping[str, tuple[str, str]]


@dataclass(frozen=True)
class LocusLR:
    """One locus of a pair: the two genotypes and the LR there; `shares_allele` is False on an exclusion."""

    locus: str
    child: tuple[str, str]
    candidate: tuple[str, str]
    lr: float
    shares_allele: bool


@dataclass(frozen=True)
class PairResult:
    """The LR of a pair under one relationship class, locus by locus."""

    relationship: str
    lr: float
    loci: tuple[LocusLR, ...]
    not_compared: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def loci_compared(self) -> int:
        return len(self.loci)

    @property
    def inconsistent_loci(self) -> list[str]:
        """Loci where the two share no allele (a parent-child exclusion unless a mutation explains it)."""
        return [x.locus for x in self.loci if not x.shares_allele]

    @property
    def log10_lr(self) -> float:
        return math.log10(self.lr) if self.lr > 0 else -math.inf


def relationship_class(name: str) -> str:
    """The relationship class (`parent`, `full_sibling`, `second_degree`) of a name or alias."""
    cls = RELATIONSHIP_CLASSES.get(name.strip().lower().replace("-", "_").replace(" ", "_"))
    if cls is None:
        raise KinshipError(f"relationship {name!r} unknown; use one of {sorted(RELATIONSHIP_CLASSES)}")
    return cls


def _genotypes(p: Profile | Genotypes) -> Genotypes:
    return p.genotypes if isinstance(p, Profile) else p


def pair_lr(
    child: Profile | Genotypes,
    candidate: Profile | Genotypes,
    relationship: str,
    frequencies: FrequencyTable,
    *,
    mutation: MutationModel | None = DEFAULT_MUTATION,
    theta: float = 0.0,
    candidate_sex: str = "M",
    min_frequency: float | None = None,
) -> PairResult:
    """LR that `candidate` is the `relationship` of `child` rather than unrelated, over the shared loci.

    LR = prod over loci typed in both of LR_locus, with LR_locus the duo paternity index (parent class; the
    candidate transmits through its sex's mutation matrix, Egeland, Kling & Mostad 2016, sec. 2.3) or
    k0 + k1 P1/P0 + k2 P2/P0 (full sibling kappa (1/4, 1/2, 1/4), second degree (1/2, 1/2, 0); Evett & Weir
    1998, ch. 7), with Balding-Nichols theta (NRC II eq. 4.10). Sibling and second-degree classes ignore
    mutation. Genotypes map canonical locus names to allele pairs (a `Profile`'s `genotypes`).
    """
    cls = relationship_class(relationship)
    if candidate_sex not in ("M", "F"):
        raise KinshipError(f"candidate_sex {candidate_sex!r} must be 'M' or 'F'")
    cg, dg = _genotypes(child), _genotypes(candidate)
    shared = [locus for locus in cg if locus in dg]
    absent = [locus for locus in shared if locus not in frequencies]
    if absent:
        raise KinshipError(
            f"loci {absent} are typed in both profiles but absent from the frequency table {frequencies.source}"
        )
    notes: list[str] = []
    rows: list[LocusLR] = []
    for locus in shared:
        lf = frequencies[locus]
        new = sorted((set(cg[locus]) | set(dg[locus])) - set(lf.alleles))
        if new:
            lf = with_unseen_alleles(lf, new, floor=min_frequency)
            notes.append(f"{locus}: alleles {new} not in the table, added at the minimum frequency")
        if cls == "parent":
            value = paternity_index(
                dg[locus], cg[locus], lf, mutation=mutation, parent_sex=candidate_sex, theta=theta
            )
        else:
            value = kinship_lr(dg[locus], cg[locus], lf, KAPPA[cls], theta=theta)
        rows.append(
            LocusLR(locus, tuple(cg[locus]), tuple(dg[locus]), value, bool(set(cg[locus]) & set(dg[locus])))
        )
    if not rows:
        raise KinshipError("the two profiles share no typed locus: nothing to compare")
    total = math.exp(sum(math.log(r.lr) if r.lr > 0 else -math.inf for r in rows))
    not_compared = tuple(sorted(set(cg) ^ set(dg)))
    return PairResult(cls, total, tuple(rows), not_compared, tuple(notes))


def pair_lrs_all_classes(
    child: Profile | Genotypes, candidate: Profile | Genotypes, frequencies: FrequencyTable, **kw: object
) -> dict[str, PairResult]:
    """`pair_lr` under each relationship class (parent, full_sibling, second_degree), best class first."""
    out = {cls: pair_lr(child, candidate, cls, frequencies, **kw) for cls in KAPPA}  # type: ignore[arg-type]
    return dict(sorted(out.items(), key=lambda kv: -kv[1].lr))
