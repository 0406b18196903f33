"""Small disaster-victim-identification (DVI) computations: pairwise and joint assignment LRs.

Follows the definitions of Vigeland & Egeland (2021, "DVI using pairwise and joint likelihood", dvir):

* A victim may only be assigned to a missing person of the same sex; an assignment is one-to-one, and `*`
  marks a victim left unassigned.
* Pairwise LR(V = M) = L(family with M := V) / (L(family) L(V)).
* Joint LR(a) = L(a) / L(all `*`), where L(a) is the likelihood of all post-mortem and ante-mortem data:
  every family pedigree with its assigned victims placed, times each unassigned victim alone.
* Marginal posterior P(V = M) under a flat prior over all assignments = sum of L(a) over assignments with
  V = M, divided by the sum over all assignments.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from .errors import PedigreeError
from .mutation import MutationModel
from .pedigree import Genotype, Pedigree, locus_likelihood

UNASSIGNED = "*"


@dataclass(frozen=True)
class Family:
    """One searching family: its pedigree, the typed references and the missing persons in it."""

    id: str
    pedigree: Pedigree
    references: tuple[str, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class DviLocus:
    """One locus of a DVI problem: genotypes of victims and references, alleles and frequencies."""

    name: str
    genotypes: Mapping[str, Genotype]
    alleles: tuple[str, ...]
    freqs: Sequence[float]


@dataclass(frozen=True)
class DviProblem:
    """Victims (id -> sex), families, loci and the model; see the module docstring for the definitions."""

    victims: Mapping[str, str]
    families: tuple[Family, ...]
    loci: tuple[DviLocus, ...]
    mutation: MutationModel | None = None
    theta: float = 0.0

    def _sex_of_missing(self, mid: str) -> str:
        for fam in self.families:
            if mid in fam.missing:
                return fam.pedigree.person(mid).sex
        raise PedigreeError(f"missing person {mid!r} is in no family")

    @property
    def missing(self) -> list[str]:
        return [m for fam in self.families for m in fam.missing]

    def _family_loglik(self, fam: Family, placed: Mapping[str, str]) -> float:
        total = 0.0
        for loc in self.loci:
            g = {r: loc.genotypes[r] for r in fam.references if r in loc.genotypes}
            g.update({m: loc.genotypes[v] for m, v in placed.items() if v in loc.genotypes})
            lik = locus_likelihood(
                fam.pedigree,
                g,
                loc.alleles,
                loc.freqs,
                mutation=self.mutation,
                theta=self.theta,
                locus=loc.name,
            )
            total += math.log(lik) if lik > 0 else -math.inf
        return total

    def _victim_loglik(self, victim: str) -> float:
        single = Pedigree.from_dicts([{"id": victim, "sex": self.victims[victim]}])
        total = 0.0
        for loc in self.loci:
            if victim in loc.genotypes:
                g = {victim: loc.genotypes[victim]}
                total += math.log(locus_likelihood(single, g, loc.alleles, loc.freqs, theta=self.theta))
        return total

    def assignments(self) -> Iterator[dict[str, str]]:
        """Every sex-consistent one-to-one assignment of victims to missing persons (or `*`)."""
        victims = list(self.victims)
        options = [
            [UNASSIGNED] + [m for m in self.missing if self._sex_of_missing(m) == self.victims[v]]
            for v in victims
        ]

        def rec(k: int, used: frozenset[str]) -> Iterator[dict[str, str]]:
            if k == len(victims):
                yield {}
                return
            for opt in options[k]:
                if opt != UNASSIGNED and opt in used:
                    continue
                for rest in rec(k + 1, used | {opt} if opt != UNASSIGNED else used):
                    yield {victims[k]: opt, **rest}

        yield from rec(0, frozenset())

    def loglik(self, assignment: Mapping[str, str]) -> float:
        """Natural log of L(assignment): all families with victims placed, times unassigned victims alone."""
        total = 0.0
        for fam in self.families:
            placed = {m: v for v, m in assignment.items() if m in fam.missing}
            total += self._family_loglik(fam, placed)
        for v, m in assignment.items():
            if m == UNASSIGNED:
                total += self._victim_loglik(v)
        return total

    def pairwise_lr(self, victim: str, missing: str) -> float | None:
        """LR(victim = missing) = L(family with missing := victim) / (L(family) L(victim)); None if sexes differ."""
        if self._sex_of_missing(missing) != self.victims[victim]:
            return None
        fam = next(f for f in self.families if missing in f.missing)
        log_lr = self._family_loglik(fam, {missing: victim}) - self._family_loglik(fam, {})
        return math.exp(log_lr - self._victim_loglik(victim))

    def joint_table(self) -> list[dict[str, object]]:
        """All assignments with `LR` (against all `*`) and `loglik`, sorted by decreasing LR."""
        null = dict.fromkeys(self.victims, UNASSIGNED)
        base = self.loglik(null)
        rows: list[dict[str, object]] = []
        for a in self.assignments():
            ll = self.loglik(a)
            rows.append({**a, "LR": math.exp(ll - base) if ll > -math.inf else 0.0, "loglik": ll})
        rows.sort(key=lambda r: -float(r["LR"]))  # type: ignore[arg-type]
        return rows

    def marginal_posteriors(self) -> dict[str, dict[str, float]]:
        """P(victim = m) for each victim and each missing person or `*`, under a flat prior on assignments."""
        table = self.joint_table()
        total = sum(float(r["LR"]) for r in table)  # type: ignore[arg-type]
        out = {v: dict.fromkeys([*self.missing, UNASSIGNED], 0.0) for v in self.victims}
        for r in table:
            for v in self.victims:
                out[v][str(r[v])] += float(r["LR"]) / total  # type: ignore[arg-type]
        return out
