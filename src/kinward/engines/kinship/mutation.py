"""Mutation matrices for STR transmission, with the definitions of Familias and pedmut.

M[i, j] is the probability that a parent's allele i is transmitted as allele j. A parent with genotype (a, b)
transmits x with probability (M[a, x] + M[b, x]) / 2 (Egeland, Kling & Mostad 2016, "Relationship inference
with Familias and R", ch. 2; Simonsson & Mostad 2016 for the stepwise family). Male parameters apply to
transmissions from fathers, female parameters to transmissions from mothers. Stationarity is not imposed.

Models (n = number of alleles at the locus, p = allele frequencies):

* `equal`: M[i, j] = rate/(n-1) for i != j, M[i, i] = 1 - rate.
* `proportional`: M = (1-a) I + a 1 p^T with a = rate / sum p(1-p); undefined when
  rate > (1 - sum p^2) / (1 - min p).
* `stepwise` (Familias "extended stepwise"): alleles grouped by microvariant part round((x-round(x))*10);
  within a group M[i, j] proportional to range^|x_i - x_j| (repeat units), each row scaled to sum to `rate`;
  `rate2` spread evenly over alleles outside the group; diagonal 1 - rate - rate2, or 1 - rate when all
  alleles share one group, or 1 - rate2 when an allele is alone in its group.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np

from .errors import AlleleError, MutationModelError
from .loci import allele_value

MODELS = ("equal", "proportional", "stepwise")


@dataclass(frozen=True)
class MutationParameters:
    """Parameters for one sex: `rate` (total, or within-group for stepwise), `range`, `rate2`."""

    rate: float
    range: float = 0.1
    rate2: float = 0.0

    def __post_init__(self) -> None:
        for name in ("rate", "range", "rate2"):
            v = getattr(self, name)
            if not (0.0 <= v <= 1.0):
                raise MutationModelError(f"mutation parameter {name}={v} must lie in [0, 1]")


@dataclass(frozen=True)
class MutationModel:
    """A sex-specific mutation model: `model` in MODELS, `male` and `female` parameters."""

    model: str
    male: MutationParameters
    female: MutationParameters

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise MutationModelError(f"unknown mutation model {self.model!r}; expected one of {MODELS}")

    @classmethod
    def from_dict(cls, spec: dict[str, Any]) -> MutationModel:
        """Build from the case-file form {model, male: {rate, range?, rate2?}, female: {...}}."""
        try:
            return cls(
                model=spec["model"],
                male=MutationParameters(**spec["male"]),
                female=MutationParameters(**spec["female"]),
            )
        except (KeyError, TypeError) as exc:
            raise MutationModelError(f"mutation model {spec!r} is malformed: {exc}") from None

    def matrices(self, alleles: tuple[str, ...], freqs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(M_male, M_female) for the locus with these alleles and frequencies."""
        return (
            mutation_matrix(self.model, alleles, freqs, self.male),
            mutation_matrix(self.model, alleles, freqs, self.female),
        )


def mutation_matrix(
    model: str, alleles: tuple[str, ...], freqs: np.ndarray, params: MutationParameters
) -> np.ndarray:
    """The n x n transmission matrix of `model` for one sex (see the module docstring for the definitions)."""
    if model == "equal":
        return equal_matrix(len(alleles), params.rate)
    if model == "proportional":
        return proportional_matrix(np.asarray(freqs, dtype=np.float64), params.rate)
    if model == "stepwise":
        return stepwise_matrix(alleles, params.rate, params.range, params.rate2)
    raise MutationModelError(f"unknown mutation model {model!r}")


def equal_matrix(n: int, rate: float) -> np.ndarray:
    """Equal model: every other allele equally likely, M[i, j] = rate/(n-1), M[i, i] = 1 - rate."""
    if n == 1:
        return np.ones((1, 1))
    m = np.full((n, n), rate / (n - 1))
    np.fill_diagonal(m, 1.0 - rate)
    return m


def proportional_matrix(p: np.ndarray, rate: float) -> np.ndarray:
    """Proportional model: mutate to allele j with probability proportional to p_j; M = (1-a)I + a 1p^T."""
    het = float(np.sum(p * (1 - p)))
    if het <= 0:
        return np.eye(len(p))
    bound = (1 - float(np.sum(p * p))) / (1 - float(p.min()))
    if rate > bound:
        raise MutationModelError(f"proportional model undefined: rate {rate} exceeds the bound {bound:.6g}")
    a = rate / het
    return (1 - a) * np.eye(len(p)) + a * np.outer(np.ones(len(p)), p)


def _microvariant_group(x: Decimal) -> int:
    """The microvariant part round((x - round(x)) * 10): 9 and 10 -> 0, 9.3 and 10.3 -> 3."""
    whole = x.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return int(((x - whole) * 10).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def stepwise_matrix(alleles: tuple[str, ...], rate: float, range_: float, rate2: float) -> np.ndarray:
    """Familias extended stepwise model (code 4) on numeric alleles; distances are in repeat units."""
    try:
        values = [allele_value(a) for a in alleles]
    except AlleleError as exc:
        raise MutationModelError(f"stepwise model needs numeric alleles: {exc}") from None
    n = len(values)
    groups = np.array([_microvariant_group(v) for v in values])
    x = np.array([float(v) for v in values])
    m = np.zeros((n, n))
    single_group = len(set(groups.tolist())) == 1
    for i in range(n):
        same = (groups == groups[i]) & (np.arange(n) != i)
        others = groups != groups[i]
        if same.any():
            w = range_ ** np.abs(x[same] - x[i])
            m[i, same] = rate * w / w.sum()
        if others.any() and not single_group:
            m[i, others] = rate2 / int(others.sum())
        if single_group:
            m[i, i] = 1.0 - rate
        elif not same.any():
            m[i, i] = 1.0 - rate2
        else:
            m[i, i] = 1.0 - rate - rate2
    return m
