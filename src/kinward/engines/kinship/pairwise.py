"""Closed-form pairwise kinship likelihood ratios, and whole-locus LR tables for database search.

For a person with genotype (a1, a2) and a second person with genotype (c1, c2), all at one locus:

* P0 = P(c | a, unrelated): with theta, the two alleles of c are Balding-Nichols draws after a1, a2:
  f * B(c1) * ((1-theta) p_c2 + theta (#c2 in {a1, a2, c1})) / (1 + 2 theta), f = 2 for heterozygotes, where
  B(x) = ((1-theta) p_x + theta #x in {a1, a2}) / (1 + theta)  (Balding & Nichols 1994; NRC II eq. 4.10).
* P1 = P(c | a, one allele identical by descent): t(c1) B(c2) + t(c2) B(c1) (heterozygous c), t(c) B(c)
  (homozygous), with t(x) = #x in {a1, a2} / 2.
* Parent-child with mutation (Egeland, Kling & Mostad 2016, sec. 2.3): t(x) = (M_p[a1, x] + M_p[a2, x]) / 2
  with the parent's sex-specific matrix, and the other allele comes from an untyped parent of the other sex:
  q(x) = sum_y B(y) M_o[y, x], which is p^T M_o when theta = 0.
* Pairwise kinship LR (Evett & Weir 1998, ch. 7; Buckleton et al. 2016, ch. 11):
  LR = k0 + k1 P1/P0 + k2 P2/P0 with P2 = 1 if the genotypes are equal, else 0; full siblings
  kappa = (1/4, 1/2, 1/4); second degree (half-siblings, grandparent, avuncular) kappa = (1/2, 1/2, 0), which
  give identical LRs for unlinked markers.

Genotypes of a locus with n alleles are indexed in triangular order: {i, j} with i <= j has index j(j+1)/2 + i.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import FrequencyTableError, PedigreeError
from .frequencies import LocusFrequencies
from .mutation import MutationModel

RELATIONSHIPS = ("parent", "full_sibling", "second_degree")
KAPPA = {"parent": (0.0, 1.0, 0.0), "full_sibling": (0.25, 0.5, 0.25), "second_degree": (0.5, 0.5, 0.0)}


def genotype_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Allele indices (lo, hi) of every unordered genotype of n alleles, in triangular index order."""
    hi = np.repeat(np.arange(n), np.arange(1, n + 1))
    lo = np.concatenate([np.arange(k + 1) for k in range(n)]) if n else np.zeros(0, dtype=int)
    return lo.astype(np.int64), hi.astype(np.int64)


@dataclass(frozen=True)
class LocusProbabilities:
    """P0, P1 (no mutation), P1 with mutation (parent), P2 for every (first genotype, second genotype) pair.

    Arrays have shape (G, G): rows index the first person's genotype (the tested relative), columns the
    second person's genotype (the child).
    """

    p0: np.ndarray
    p1: np.ndarray
    p1_parent: np.ndarray
    p2: np.ndarray


def locus_probabilities(
    freqs: np.ndarray,
    *,
    theta: float = 0.0,
    parent_matrix: np.ndarray | None = None,
    other_matrix: np.ndarray | None = None,
) -> LocusProbabilities:
    """Compute P0, P1, P1 with mutation, P2 for all genotype pairs of one locus (see module docstring)."""
    p = np.asarray(freqs, dtype=np.float64)
    n = len(p)
    lo, hi = genotype_pairs(n)
    g = len(lo)
    cnt = np.zeros((g, n))
    np.add.at(cnt, (np.arange(g), lo), 1.0)
    np.add.at(cnt, (np.arange(g), hi), 1.0)
    b = ((1 - theta) * p[None, :] + theta * cnt) / (1 + theta)  # (G, n): next draw after a1, a2
    t = cnt / 2.0
    het = (lo != hi)[None, :]
    c1, c2 = lo[None, :], hi[None, :]
    rows = np.arange(g)[:, None]
    same = (c1 == c2).astype(np.float64)
    second = ((1 - theta) * p[c2] + theta * (cnt[rows, c2] + same)) / (1 + 2 * theta)
    p0 = np.where(het, 2.0, 1.0) * b[rows, c1] * second
    p1 = np.where(het, t[rows, c1] * b[rows, c2] + t[rows, c2] * b[rows, c1], t[rows, c1] * b[rows, c1])
    if parent_matrix is None:
        p1_parent = p1
    else:
        tm = 0.5 * (parent_matrix[lo, :] + parent_matrix[hi, :])
        q = b @ (other_matrix if other_matrix is not None else np.eye(n))
        p1_parent = np.where(
            het, tm[rows, c1] * q[rows, c2] + tm[rows, c2] * q[rows, c1], tm[rows, c1] * q[rows, c1]
        )
    p2 = np.eye(g)
    return LocusProbabilities(p0=p0, p1=p1, p1_parent=p1_parent, p2=p2)


def lr_tables(probs: LocusProbabilities) -> dict[str, np.ndarray]:
    """Per-locus LR tables (G, G) for parent, full_sibling and second_degree from the four probabilities."""
    with np.errstate(divide="ignore", invalid="ignore"):
        r1 = probs.p1 / probs.p0
        r1_parent = probs.p1_parent / probs.p0
        r2 = probs.p2 / probs.p0
    out = {}
    for rel in RELATIONSHIPS:
        k0, k1, k2 = KAPPA[rel]
        out[rel] = r1_parent if rel == "parent" else k0 + k1 * r1 + k2 * r2
    return out


def _locus_index(lf: LocusFrequencies, genotype: Sequence[str]) -> int:
    idx = lf.index
    try:
        i, j = idx[genotype[0]], idx[genotype[1]]
    except KeyError as exc:
        raise FrequencyTableError(f"locus {lf.locus}: allele {exc} is not in the frequency table") from None
    lo, hi = min(i, j), max(i, j)
    return hi * (hi + 1) // 2 + lo


def kinship_lr(
    relative: Sequence[str],
    child: Sequence[str],
    lf: LocusFrequencies,
    kappa: Sequence[float],
    *,
    theta: float = 0.0,
) -> float:
    """Pairwise kinship LR at one locus, k0 + k1 P1/P0 + k2 P2/P0, with the Balding-Nichols theta.

    `kappa` = (k0, k1, k2) are the IBD probabilities of the relationship (full siblings (1/4, 1/2, 1/4),
    second degree (1/2, 1/2, 0), parent-child (0, 1, 0)) against unrelated (1, 0, 0).
    """
    pr = locus_probabilities(lf.freqs, theta=theta)
    r, c = _locus_index(lf, relative), _locus_index(lf, child)
    k0, k1, k2 = kappa
    return float(k0 + k1 * pr.p1[r, c] / pr.p0[r, c] + k2 * pr.p2[r, c] / pr.p0[r, c])


def paternity_index(
    parent: Sequence[str],
    child: Sequence[str],
    lf: LocusFrequencies,
    *,
    mutation: MutationModel | None = None,
    parent_sex: str = "M",
    theta: float = 0.0,
) -> float:
    """Duo parentage index at one locus: P(child | parent, untyped other parent) / P(child | unrelated).

    With a mutation model the tested parent transmits through its own sex's matrix and the untyped other
    parent contributes p^T M_other (theta = 0); for a homozygous pair without mutation this is 1/p.
    """
    mats = None if mutation is None else mutation.matrices(lf.alleles, lf.freqs)
    pm, om = (None, None) if mats is None else (mats if parent_sex == "M" else (mats[1], mats[0]))
    pr = locus_probabilities(lf.freqs, theta=theta, parent_matrix=pm, other_matrix=om)
    r, c = _locus_index(lf, parent), _locus_index(lf, child)
    return float(pr.p1_parent[r, c] / pr.p0[r, c])


def trio_paternity_index(
    alleged_father: Sequence[str],
    mother: Sequence[str],
    child: Sequence[str],
    lf: LocusFrequencies,
    *,
    mutation: MutationModel | None = None,
    theta: float = 0.0,
) -> float:
    """Trio paternity index at one locus with a typed mother (Evett & Weir 1998, ch. 7):

    PI = P(child | mother, alleged father) / P(child | mother, an untyped unrelated man), computed as the ratio of
    the two pedigree likelihoods (so mutation and theta follow the pedigree conventions). Without mutation and
    theta, a child (a, b) with mother (a, c) and a heterozygous father carrying b gives 1/(2 p_b).
    """
    from .pedigree import Pedigree, Person, locus_likelihood

    h1 = Pedigree((Person("AF", "M"), Person("MO", "F"), Person("CH", "M", "AF", "MO")))
    h2 = Pedigree((Person("AF", "M"), Person("X", "M"), Person("MO", "F"), Person("CH", "M", "X", "MO")))
    g = {"AF": tuple(alleged_father), "MO": tuple(mother), "CH": tuple(child)}
    kw = {"mutation": mutation, "theta": theta, "locus": lf.locus}
    l1 = locus_likelihood(h1, g, lf.alleles, lf.freqs, **kw)  # type: ignore[arg-type]
    l2 = locus_likelihood(h2, g, lf.alleles, lf.freqs, **kw)  # type: ignore[arg-type]
    if l2 == 0:
        raise PedigreeError(
            f"locus {lf.locus}: the mother cannot be the mother of the child under this model"
        )
    return l1 / l2
