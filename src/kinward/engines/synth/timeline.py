"""The skeleton of the synthetic births: deliveries in time, their facilities, twins, and what befalls each.

Births follow a yearly seasonal cycle; about 1.4 % of deliveries are twins and 0.05 % triplets (WHO/DHS
orders of magnitude for Indonesia). Roles mark the deliveries that take a special path: adoption flows,
abandonments, planted patterns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kinward.engines.synth.rand import Draws
from kinward.engines.synth.world import Agency

DAY = 86_400
TWIN_RATE, TRIPLET_RATE = 0.014, 0.0005
SEASON_AMPLITUDE, SEASON_PEAK_DAY = 0.08, 260  # births peak in September, by ±8 %


@dataclass
class Skeleton:
    """Deliveries in time order: start time (epoch s), number of children, facility, role, mother slot."""

    times: list[int]
    sizes: list[int]
    facilities: list[Agency]
    roles: dict[int, str] = field(default_factory=dict)
    woman_of: dict[int, int] = field(
        default_factory=dict
    )  # delivery -> earlier delivery whose woman it reuses
    serial_groups: list[list[int]] = field(default_factory=list)


def delivery_sizes(births: int, generator: np.random.Generator) -> list[int]:
    """Children per delivery (1, 2 or 3) adding up to exactly `births`."""
    u = generator.random(births)
    sizes = np.where(u < TRIPLET_RATE, 3, np.where(u < TRIPLET_RATE + TWIN_RATE, 2, 1))
    total = np.cumsum(sizes)
    cut = int(np.searchsorted(total, births))
    sizes = sizes[: cut + 1].tolist()
    sizes[-1] -= int(total[cut]) - births
    return [s for s in sizes if s > 0]


def build_skeleton(births: int, start: int, now: int, facilities: list[Agency], draws: Draws) -> Skeleton:
    """Place deliveries over [start, now) with seasonality, at facilities in proportion to their weight."""
    generator = draws.generator
    sizes = delivery_sizes(births, generator)
    span_days = (now - start) // DAY
    days = np.arange(span_days)
    weights = 1 + SEASON_AMPLITUDE * np.cos(2 * math.pi * (days - SEASON_PEAK_DAY) / 365.25)
    chosen = generator.choice(span_days, size=len(sizes), p=weights / weights.sum())
    seconds = generator.integers(0, DAY // 60, size=len(sizes)) * 60
    times = np.sort(start + chosen * DAY + seconds).tolist()
    share = np.array([f.weight for f in facilities])
    picks = generator.choice(len(facilities), size=len(sizes), p=share / share.sum()).tolist()
    return Skeleton(times, sizes, [facilities[i] for i in picks])


@dataclass(frozen=True)
class PlantCounts:
    """How many of each planted pattern and special path a dataset of `births` births gets."""

    vanished: int
    non_guardian: int
    serial: int
    mismatch: int
    revoked_files: int
    missed: int
    late: int
    invalid_certificates: int
    adoptions: int

    @classmethod
    def for_births(cls, births: int) -> PlantCounts:
        """Counts that scale with the dataset, with a floor so that small datasets show every pattern."""

        def scaled(rate: float, floor: int) -> int:
            """births × rate, rounded, at least `floor`."""
            return max(floor, round(births * rate))

        mismatch = scaled(0.0003, 2)
        return cls(
            vanished=scaled(0.0015, 3),
            non_guardian=scaled(0.0008, 2),
            serial=scaled(0.0002, 1),
            mismatch=mismatch,
            revoked_files=scaled(0.0001, 1),
            missed=scaled(0.0002, 1),
            late=scaled(0.0002, 1),
            invalid_certificates=scaled(0.0003, 2),
            adoptions=max(mismatch + 6, round(births * 0.0015)),
        )


def assign_roles(sk: Skeleton, counts: PlantCounts, start: int, now: int, draws: Draws) -> None:
    """Mark deliveries for special paths, each drawn from the deliveries whose timing allows it."""
    n = len(sk.times)
    single = [i for i in range(n) if sk.sizes[i] == 1]
    ring = [
        i
        for i in single
        if sk.facilities[i].role == "ring" and start + 60 * DAY < sk.times[i] < now - 30 * DAY
    ]

    def take(candidates: list[int], k: int, role: str) -> list[int]:
        """Mark k deliveries drawn from the free candidates with `role`; return them."""
        free = [i for i in candidates if i not in sk.roles]
        chosen = []
        for _ in range(min(k, len(free))):
            i = free.pop(draws.below(len(free)))
            sk.roles[i] = role
            chosen.append(i)
        return chosen

    take(ring, max(3, round(len(ring) * 0.10)), "ring")
    early = [i for i in single if sk.times[i] < now - 430 * DAY and sk.facilities[i].role != "ring"]
    adopted = take(early, counts.adoptions, "adopt")
    for k, i in enumerate(adopted):
        if k < counts.mismatch:
            sk.roles[i] = "adopt_mismatch"
        elif k < counts.mismatch + counts.revoked_files:
            sk.roles[i] = "adopt_revoked"
    ordinary = [i for i in single if sk.facilities[i].role != "ring" and sk.times[i] < now - 10 * DAY]
    take(ordinary, counts.non_guardian, "non_guardian")
    take(ordinary, counts.missed, "missed")
    take(ordinary, counts.late, "late")
    take(ordinary, max(2, round(n * 0.0012)), "abandon")  # lawful abandonments reported in time
    take(ordinary, counts.invalid_certificates, "bad_certificate")
    recent = [i for i in single if now - 66 * 3600 < sk.times[i] < now - 12 * 3600]
    take(recent, 1, "recent_abandon")
    _serial_mothers(sk, counts.serial, start, now, draws)
    _repeat_mothers(sk, draws)


def _serial_mothers(sk: Skeleton, groups: int, start: int, now: int, draws: Draws) -> None:
    """One woman recorded as mother of 3-4 babies 2.5-4.5 months apart, at different facilities."""
    first_third = [i for i in range(len(sk.times)) if sk.times[i] < start + 200 * DAY and i not in sk.roles]
    for _ in range(groups):
        if not first_third:
            return
        head = first_third.pop(draws.below(len(first_third)))
        group, t = [head], sk.times[head]
        for _ in range(draws.between(2, 3)):
            t += draws.between(75, 135) * DAY
            j = _first_free_after(sk, t)
            if j is None or sk.times[j] >= now - 5 * DAY:
                break
            group.append(j)
            t = sk.times[j]
        for j in group:
            sk.roles[j] = "serial"
        distinct = list({id(f): f for f in sk.facilities}.values())
        for a, b in zip(group, group[1:], strict=False):
            if sk.facilities[b] is sk.facilities[a]:
                sk.facilities[b] = distinct[(distinct.index(sk.facilities[a]) + 1) % len(distinct)]
        sk.serial_groups.append(group)


def _first_free_after(sk: Skeleton, t: int) -> int | None:
    lo, hi = 0, len(sk.times)
    while lo < hi:
        mid = (lo + hi) // 2
        if sk.times[mid] < t:
            lo = mid + 1
        else:
            hi = mid
    for j in range(lo, min(lo + 200, len(sk.times))):
        if j not in sk.roles and sk.sizes[j] == 1:
            return j
    return None


def _repeat_mothers(sk: Skeleton, draws: Draws) -> None:
    """About 5 % of deliveries are a woman's second within the period, at least 300 days after her first."""
    used: set[int] = set()
    lo = 0
    for j, t in enumerate(sk.times):
        while lo < j and sk.times[lo] <= t - 300 * DAY:
            lo += 1
        if lo == 0 or j in sk.roles or not draws.chance(0.05):
            continue
        i = draws.below(lo)
        if i in sk.roles or i in used or i in sk.woman_of:
            continue
        used.add(i)
        sk.woman_of[j] = i
