"""Pedigree likelihoods at one locus with typed and untyped members, mutation and theta.

The likelihood of a pedigree (Elston & Stewart 1971; Lange 2002, ch. 7) is the sum, over every allele that
untyped members and founders may carry, of founder probabilities times transmission probabilities times the
indicator that typed members show their genotype. Each person carries two allele variables (the allele from
the father and the allele from the mother); the sum is computed by variable elimination (peeling), with
numpy `einsum` on small factors, so cost grows with the pedigree's width rather than its size.

* Founders draw alleles independently with the locus frequencies (Hardy-Weinberg), or, when theta > 0, as
  sequential Balding-Nichols draws shared by all founder alleles: P(next = A | n_A of n seen) =
  (n_A theta + (1 - theta) p_A) / (1 + (n - 1) theta) (Balding & Nichols 1994; NRC II 1996, eq. 4.10).
* A father with genotype (a, b) transmits x with probability (M_m[a, x] + M_m[b, x]) / 2; a mother uses M_f.
  Without mutation M is the identity. An untyped founder mother therefore transmits p^T M_f.
* Without a mutation model, alleles that no typed member carries are pooled into one (exact, and fast).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .errors import PedigreeError
from .mutation import MutationModel

Genotype = tuple[str, str]
MAX_FACTOR_CELLS = 20_000_000


@dataclass(frozen=True)
class Person:
    """One member of a pedigree: `sex` is "M" or "F"; `father` and `mother` are ids or None (founder)."""

    id: str
    sex: str
    father: str | None = None
    mother: str | None = None

    @property
    def is_founder(self) -> bool:
        return self.father is None and self.mother is None


@dataclass(frozen=True)
class Pedigree:
    """A list of persons with both parents given or neither; checked for sexes, unknown parents and cycles."""

    persons: tuple[Person, ...]

    def __post_init__(self) -> None:
        ids = [p.id for p in self.persons]
        if len(set(ids)) != len(ids):
            raise PedigreeError(
                f"pedigree lists a person twice: {sorted(i for i in ids if ids.count(i) > 1)}"
            )
        by_id = {p.id: p for p in self.persons}
        for p in self.persons:
            if p.sex not in ("M", "F"):
                raise PedigreeError(f"person {p.id}: sex must be 'M' or 'F', got {p.sex!r}")
            if (p.father is None) != (p.mother is None):
                raise PedigreeError(f"person {p.id}: give both parents or neither (add an untyped founder)")
            for parent, sex in ((p.father, "M"), (p.mother, "F")):
                if parent is None:
                    continue
                if parent not in by_id:
                    raise PedigreeError(f"person {p.id}: parent {parent!r} is not in the pedigree")
                if by_id[parent].sex != sex:
                    raise PedigreeError(f"person {p.id}: parent {parent!r} has sex {by_id[parent].sex}")
        self.topological_order()

    @classmethod
    def from_dicts(cls, rows: Iterable[Mapping[str, str | None]]) -> Pedigree:
        """Build from dicts {id, sex, father, mother} as in the golden-case format."""
        try:
            return cls(
                tuple(Person(str(r["id"]), str(r["sex"]), r.get("father"), r.get("mother")) for r in rows)
            )
        except KeyError as exc:
            raise PedigreeError(f"pedigree person lacks field {exc}") from None

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.persons]

    def person(self, pid: str) -> Person:
        for p in self.persons:
            if p.id == pid:
                return p
        raise PedigreeError(f"person {pid!r} is not in the pedigree")

    def topological_order(self) -> list[Person]:
        """Persons with parents before children; raises `PedigreeError` on a cycle."""
        done: dict[str, Person] = {}
        pending = list(self.persons)
        while pending:
            ready = [p for p in pending if p.is_founder or (p.father in done and p.mother in done)]
            if not ready:
                raise PedigreeError(f"pedigree has a cycle through {[p.id for p in pending]}")
            for p in ready:
                done[p.id] = p
            pending = [p for p in pending if p.id not in done]
        return list(done.values())


@dataclass
class _Factor:
    vars: tuple[int, ...]
    table: np.ndarray


def polya_log_probability(counts: np.ndarray, p: np.ndarray, theta: float) -> np.ndarray:
    """log P of one ordered sequence of founder alleles with these allele counts under Balding-Nichols.

    P = prod_a prod_{j<c_a} (j theta + (1-theta) p_a) / prod_{k<K} ((1-theta) + k theta); `counts` has shape
    (..., n) and K = counts.sum(-1). theta = 0 gives the product of frequencies.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum(-1)
    if theta == 0:
        with np.errstate(divide="ignore"):
            return (counts * np.log(p)).sum(-1)
    g = (1 - theta) * p / theta
    with np.errstate(divide="ignore", invalid="ignore"):
        num = np.where(counts > 0, counts * np.log(theta) + gammaln(counts + g) - gammaln(g), 0.0).sum(-1)
    g0 = (1 - theta) / theta
    den = total * np.log(theta) + gammaln(total + g0) - gammaln(g0)
    return num - den


def _founder_joint_factor(
    vars_: list[int], p: np.ndarray, theta: float, seen: np.ndarray | None = None
) -> _Factor:
    """Balding-Nichols joint probability of the founder alleles `vars_`, drawn after the alleles counted in
    `seen` (typed founders' alleles, whose own probability is a separate constant factor).

    Built draw by draw: P(next = A | n_A of n seen) = (n_A theta + (1 - theta) p_A) / (1 + (n - 1) theta), so
    the table costs n^k cells (k = len(vars_)) and no per-cell count vectors.
    """
    n, k = len(p), len(vars_)
    if n**k > MAX_FACTOR_CELLS:
        raise PedigreeError(
            f"theta correction over {k // 2} untyped founders with {n} alleles needs {n}^{k} cells: too large; "
            "type more founders, drop the mutation model (alleles are then pooled) or use theta = 0"
        )
    base = np.zeros(n) if seen is None else np.asarray(seen, dtype=np.float64)
    total = float(base.sum())
    eye = np.eye(n)
    table = np.ones(())
    for j in range(k):
        count = np.broadcast_to(base, (n,) * (j + 1)).copy()
        for i in range(j):
            shape = [1] * (j + 1)
            shape[i], shape[j] = n, n
            count = count + eye.reshape(shape)
        term = (theta * count + (1 - theta) * p) / (1 + (total + j - 1) * theta)
        table = table[..., None] * term
    return _Factor(tuple(vars_), table)


def _theta_founder_factors(
    pedigree: Pedigree,
    genotypes: Mapping[str, Genotype],
    index: Mapping[str, int],
    slot: Mapping[str, int],
    freqs: np.ndarray,
    theta: float,
) -> list[_Factor]:
    """Founder factors under theta: the typed founders' alleles are one constant Polya sequence probability
    (the same for either phase), the untyped founders' alleles one joint table conditioned on them."""
    n = len(freqs)
    seen = np.zeros(n)
    untyped: list[int] = []
    for p in pedigree.persons:
        if not p.is_founder:
            continue
        if p.id in genotypes:
            for a in genotypes[p.id]:
                seen[index[a]] += 1
        else:
            untyped += [slot[p.id], slot[p.id] + 1]
    const = float(np.exp(polya_log_probability(seen, freqs, theta))) if seen.any() else 1.0
    factors = [_Factor((), np.asarray(const))]
    if untyped:
        factors.append(_founder_joint_factor(untyped, freqs, theta, seen))
    return factors


def _contract(factors: list[_Factor], out: tuple[int, ...]) -> np.ndarray:
    """einsum over the factors' tables, keeping `out`; labels are renumbered locally (einsum allows 52)."""
    labels = {v: k for k, v in enumerate(dict.fromkeys([*out, *(u for f in factors for u in f.vars)]))}
    args: list[object] = []
    for f in factors:
        args += [f.table, [labels[u] for u in f.vars]]
    if not args:
        return np.ones(())
    return np.einsum(*args, [labels[u] for u in out], optimize=len(factors) > 2)


def _eliminate(factors: list[_Factor], keep: tuple[int, ...]) -> np.ndarray:
    """Sum out every variable not in `keep` (greedy smallest-result order) and return the product table."""
    sizes: dict[int, int] = {}
    for f in factors:
        sizes.update(zip(f.vars, f.table.shape, strict=True))
    remaining = [v for v in sizes if v not in keep]

    def cost(v: int) -> int:
        union = {u for f in factors if v in f.vars for u in f.vars}
        return int(np.prod([sizes[u] for u in union], dtype=np.float64))

    while remaining:
        v = min(remaining, key=cost)
        remaining.remove(v)
        touching = [f for f in factors if v in f.vars]
        factors = [f for f in factors if v not in f.vars]
        out_vars = tuple(sorted({u for f in touching for u in f.vars} - {v}))
        if int(np.prod([sizes[u] for u in out_vars], dtype=np.float64)) > MAX_FACTOR_CELLS:
            raise PedigreeError("pedigree too wide to peel: an intermediate table exceeds 20 million cells")
        factors.append(_Factor(out_vars, _contract(touching, out_vars)))
    return _contract(factors, keep)


def _pool_alleles(
    alleles: Sequence[str], freqs: np.ndarray, observed: set[str]
) -> tuple[list[str], np.ndarray]:
    keep = [i for i, a in enumerate(alleles) if a in observed]
    if len(keep) >= len(alleles) - 1:
        return list(alleles), freqs
    rest = float(freqs.sum() - freqs[keep].sum())
    return [alleles[i] for i in keep] + ["\x00pooled"], np.append(freqs[keep], max(rest, 0.0))


def _build_factors(
    pedigree: Pedigree,
    genotypes: Mapping[str, Genotype],
    alleles: Sequence[str],
    freqs: np.ndarray,
    matrices: tuple[np.ndarray, np.ndarray] | None,
    theta: float,
) -> tuple[list[_Factor], dict[str, int]]:
    index = {a: i for i, a in enumerate(alleles)}
    n = len(alleles)
    slot = {p.id: 2 * k for k, p in enumerate(pedigree.persons)}
    eye = np.eye(n)
    m_male, m_female = matrices if matrices is not None else (eye, eye)
    factors: list[_Factor] = []
    founder_vars: list[int] = []
    for p in pedigree.persons:
        v = slot[p.id]
        if p.is_founder:
            founder_vars += [v, v + 1]
            continue
        for parent, mat, var in ((p.father, m_male, v), (p.mother, m_female, v + 1)):
            pv = slot[parent]  # type: ignore[index]
            trans = 0.5 * (mat[:, None, :] + mat[None, :, :])
            factors.append(_Factor((pv, pv + 1, var), trans))
    if theta == 0:
        factors += [_Factor((fv,), freqs) for fv in founder_vars]
    elif founder_vars:
        factors += _theta_founder_factors(pedigree, genotypes, index, slot, freqs, theta)
    for pid, (a1, a2) in genotypes.items():
        ind = np.zeros((n, n))
        i, j = index[a1], index[a2]
        ind[i, j] = ind[j, i] = 1.0
        factors.append(_Factor((slot[pid], slot[pid] + 1), ind))
    return factors, slot


def _check_inputs(
    pedigree: Pedigree, genotypes: Mapping[str, Genotype], alleles: Sequence[str], locus: str
) -> None:
    known = set(alleles)
    ids = set(pedigree.ids)
    for pid, g in genotypes.items():
        if pid not in ids:
            raise PedigreeError(f"locus {locus}: typed person {pid!r} is not in the pedigree")
        if len(g) != 2:
            raise PedigreeError(f"locus {locus}: person {pid!r} genotype {g!r} is not a pair of alleles")
        for a in g:
            if a not in known:
                raise PedigreeError(
                    f"locus {locus}: person {pid!r} allele {a!r} is not in the frequency table"
                )


def locus_likelihood(
    pedigree: Pedigree,
    genotypes: Mapping[str, Genotype],
    alleles: Sequence[str],
    freqs: np.ndarray,
    *,
    mutation: MutationModel | None = None,
    theta: float = 0.0,
    locus: str = "",
) -> float:
    """P(genotypes of the typed members | pedigree) at one locus, summing over untyped members' alleles.

    `genotypes` maps person id to an unordered allele pair; alleles are strings from `alleles`.
    """
    _check_inputs(pedigree, genotypes, alleles, locus)
    freqs = np.asarray(freqs, dtype=np.float64)
    matrices = mutation.matrices(tuple(alleles), freqs) if mutation is not None else None
    use_alleles: Sequence[str] = alleles
    if mutation is None:
        observed = {a for g in genotypes.values() for a in g}
        use_alleles, freqs = _pool_alleles(alleles, freqs, observed)
    factors, _ = _build_factors(pedigree, genotypes, use_alleles, freqs, matrices, theta)
    return float(_eliminate(factors, ()))


def genotype_index(i: int, j: int) -> int:
    """Index of the unordered genotype {i, j} of allele indices: max*(max+1)/2 + min (triangular order)."""
    lo, hi = (i, j) if i <= j else (j, i)
    return hi * (hi + 1) // 2 + lo


def joint_with_target(
    pedigree: Pedigree,
    genotypes: Mapping[str, Genotype],
    target: str,
    alleles: Sequence[str],
    freqs: np.ndarray,
    *,
    mutation: MutationModel | None = None,
    theta: float = 0.0,
    locus: str = "",
) -> np.ndarray:
    """P(target has genotype g and the typed members show theirs), for every unordered genotype g.

    Returned as a vector in `genotype_index` order (length n(n+1)/2). Dividing by the genotype probability
    of g and by the family's own likelihood gives the LR that a person with genotype g is `target`.
    """
    _check_inputs(pedigree, genotypes, alleles, locus)
    if target in genotypes:
        raise PedigreeError(f"locus {locus}: target {target!r} must be untyped")
    freqs = np.asarray(freqs, dtype=np.float64)
    matrices = mutation.matrices(tuple(alleles), freqs) if mutation is not None else None
    factors, slot = _build_factors(pedigree, genotypes, alleles, freqs, matrices, theta)
    v = slot[pedigree.person(target).id]
    ordered = _eliminate(factors, (v, v + 1))
    n = len(alleles)
    out = np.zeros(n * (n + 1) // 2)
    for i, j in itertools.combinations_with_replacement(range(n), 2):
        out[genotype_index(i, j)] = ordered[i, j] + (ordered[j, i] if i != j else 0.0)
    return out
