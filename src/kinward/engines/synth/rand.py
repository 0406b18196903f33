"""Deterministic random draws for the synthetic country, served from numpy blocks for speed.

All randomness of a dataset comes from one `numpy.random.Generator` (PCG64) seeded by the user's seed; values
are drawn in blocks and handed out one by one, so the same seed and options give the same dataset, byte for
byte, and a Python loop can take millions of draws cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")
_BLOCK = 1 << 16


class Draws:
    """A stream of uniform and normal draws from a seeded numpy Generator."""

    def __init__(self, seed: int) -> None:
        self.generator = np.random.default_rng(seed)
        self._u: list[float] = []
        self._n: list[float] = []

    def u(self) -> float:
        """A uniform draw in [0, 1)."""
        if not self._u:
            self._u = self.generator.random(_BLOCK).tolist()
            self._u.reverse()
        return self._u.pop()

    def normal(self, mean: float = 0.0, sd: float = 1.0) -> float:
        """A normal draw with the given mean and standard deviation."""
        if not self._n:
            self._n = self.generator.standard_normal(_BLOCK).tolist()
            self._n.reverse()
        return mean + sd * self._n.pop()

    def chance(self, p: float) -> bool:
        """True with probability p."""
        return self.u() < p

    def below(self, n: int) -> int:
        """A uniform integer in [0, n)."""
        return min(int(self.u() * n), n - 1)

    def between(self, low: int, high: int) -> int:
        """A uniform integer in [low, high] inclusive."""
        return low + self.below(high - low + 1)

    def pick(self, items: Sequence[T]) -> T:
        """One item of a non-empty sequence, uniformly."""
        return items[self.below(len(items))]

    def lognormal(self, median: float, sigma: float) -> float:
        """A log-normal draw with the given median and log-scale spread."""
        return median * math.exp(self.normal(0.0, sigma))

    def weighted(self, cumulative: Sequence[float]) -> int:
        """An index drawn with probabilities given as a cumulative sum ending in the total weight."""
        target = self.u() * cumulative[-1]
        lo, hi = 0, len(cumulative) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cumulative[mid] <= target:
                lo = mid + 1
            else:
                hi = mid
        return lo
