"""Significance tests for facility-level rules, built for small counts and many simultaneous tests.

- Each facility's count of events is compared with its peers (facilities of the same kind, the facility itself
  excluded) by a one-sided mid-p value (Lancaster 1961; Agresti & Gottard 2007): P(X > k) + P(X = k) / 2, which
  stays close to nominal size for small counts where the exact test is conservative.
- The null distribution is the beta-binomial whose mean is the peers' pooled rate and whose intra-facility
  correlation rho is the peers' method-of-moments estimate (Kleinman 1973; Williams 1982), so that ordinary
  between-facility spread is not mistaken for an anomaly; with no spread (rho = 0) it is the binomial.
- The peers' pooled rate carries a Jeffreys-style half event (k + 1/2) / (n + 1), so that a facility is not
  "infinitely" anomalous against peers that happen to have no events.
- Across all facilities x measures the p-values are adjusted by the Benjamini-Hochberg step-up procedure
  (Benjamini & Hochberg 1995), controlling the false discovery rate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats


def benjamini_hochberg(p_values: Sequence[float], total: int | None = None) -> np.ndarray:
    """BH-adjusted q-values (Benjamini & Hochberg 1995, step-up): q_(i) = min_{j>=i} p_(j) * m / j.

    `total` is the number of hypotheses m when some tests with p = 1 were not listed (defaults to the count).
    """
    p = np.asarray(p_values, dtype=float)
    m = max(total or 0, len(p))
    if len(p) == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, len(p) + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(q_sorted)
    q[order] = np.minimum(q_sorted, 1.0)
    return q


def overdispersion(events: np.ndarray, trials: np.ndarray) -> float:
    """Method-of-moments intra-cluster correlation rho of counts k_i out of n_i (Kleinman 1973).

    With pooled mean mu and S = sum n_i (k_i/n_i - mu)^2, E[S] = mu(1-mu)[(m-1) + rho (N - sum n_i^2 / N - (m-1))];
    rho is solved from the observed S and clipped to [0, 0.99]. Fewer than three clusters give 0.
    """
    keep = trials > 0
    k, n = events[keep].astype(float), trials[keep].astype(float)
    m = len(n)
    total = n.sum()
    if m < 3 or total <= 0:
        return 0.0
    mu = k.sum() / total
    if mu <= 0 or mu >= 1:
        return 0.0
    s = float((n * (k / n - mu) ** 2).sum())
    denom = total - float((n**2).sum()) / total - (m - 1)
    if denom <= 0:
        return 0.0
    return float(np.clip((s / (mu * (1 - mu)) - (m - 1)) / denom, 0.0, 0.99))


_CHI2_1_MEDIAN = float(stats.chi2.median(1))


def robust_overdispersion(events: np.ndarray, trials: np.ndarray, means: np.ndarray | None = None) -> float:
    """Outlier-resistant intra-cluster correlation rho: the rho at which the median of the squared standardised
    deviations z_i^2 / (1 + (n_i - 1) rho) equals the median of chi-square(1), with
    z_i = (k_i - n_i mu_i) / sqrt(n_i mu_i (1 - mu_i)) (a median-based analogue of Williams' 1982 moment
    estimator). `means` gives each cluster's expected rate mu_i (its peer group's); default: the pooled rate.

    One or two anomalous facilities (the very ones the rule looks for) barely move the median, whereas they
    inflate the moment estimator and would hide each other. Fewer than three clusters give 0.
    """
    keep = trials > 0
    k, n = events[keep].astype(float), trials[keep].astype(float)
    if len(n) < 3 or n.sum() <= 0:
        return 0.0
    mu = np.full_like(n, k.sum() / n.sum()) if means is None else np.asarray(means, dtype=float)[keep]
    ok = (mu > 0) & (mu < 1)
    if ok.sum() < 3:
        return 0.0
    k, n, mu = k[ok], n[ok], mu[ok]
    z2 = (k - n * mu) ** 2 / (n * mu * (1 - mu))

    def excess(rho: float) -> float:
        return float(np.median(z2 / (1 + (n - 1) * rho))) - _CHI2_1_MEDIAN

    if excess(0.0) <= 0:
        return 0.0
    low, high = 0.0, 0.99
    if excess(high) > 0:
        return high
    for _ in range(40):
        mid = (low + high) / 2
        low, high = (mid, high) if excess(mid) > 0 else (low, mid)
    return (low + high) / 2


def mid_p_upper(k: int, n: int, rate: float, rho: float = 0.0) -> float:
    """One-sided mid-p P(X > k) + P(X = k)/2 for X ~ BetaBinomial(n, mean rate, correlation rho) (binomial if 0)."""
    if n <= 0:
        return 1.0
    rate = min(max(rate, 1e-12), 1 - 1e-12)
    # the distributions' methods, not frozen distributions: freezing one builds its docstring (most of the cost)
    if rho <= 1e-9:
        return float(stats.binom.sf(k, n, rate) + 0.5 * stats.binom.pmf(k, n, rate))
    scale = (1 - rho) / rho
    shape = (n, rate * scale, (1 - rate) * scale)
    return float(stats.betabinom.sf(k, *shape) + 0.5 * stats.betabinom.pmf(k, *shape))


def poisson_mid_p_upper(k: int, expected: float) -> float:
    """One-sided mid-p P(X > k) + P(X = k)/2 for X ~ Poisson(expected)."""
    if expected <= 0:
        return 0.0 if k > 0 else 1.0
    return float(stats.poisson.sf(k, expected) + 0.5 * stats.poisson.pmf(k, expected))


@dataclass(frozen=True)
class PeerTest:
    """One facility x measure test against its peers."""

    facility: str
    group: str
    measure: str
    events: int
    trials: int
    peer_rate: float
    rho: float
    p_value: float
    q_value: float = 1.0

    @property
    def rate(self) -> float:
        """The facility's own rate events / trials."""
        return self.events / self.trials if self.trials else 0.0


def _peer_round(
    groups: Mapping[tuple[str, str], list[Mapping[str, Any]]],
    excluded: set[tuple[str, str]],
    method: str,
    min_peers: int,
) -> list[PeerTest]:
    """One round of tests: peer rates and spread computed without the facility itself and without `excluded`.

    A facility whose kind has fewer than `min_peers` other facilities is compared with all other delivering
    facilities instead (its peer group is then reported as "all facilities").
    """
    arrays = {}
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for key, members in groups.items():
        k = np.array([r["events"] for r in members], dtype=float)
        n = np.array([r["trials"] for r in members], dtype=float)
        out = np.array([(r["subject_ref"], key[1]) in excluded for r in members])
        k_in, n_in = np.where(out, 0, k), np.where(out, 0, n)
        arrays[key] = (k, n, k_in, n_in, out)
        totals[key[1]][0] += k_in.sum()
        totals[key[1]][1] += n_in.sum()
    spread: dict[str, list[tuple[np.ndarray, ...]]] = defaultdict(list)
    rates = {}
    for key, (k, n, k_in, n_in, out) in arrays.items():
        if len(k) - 1 >= min_peers:
            # leave-one-out pooled rate of the peers in good standing, with half an event (Jeffreys-style) so that
            # peers with no events give a finite, small rate
            rate = (k_in.sum() - k_in + 0.5) / (n_in.sum() - n_in + 1.0)
            spread[key[1]].append((k[~out], n[~out], rate[~out]))
        else:
            all_k, all_n = totals[key[1]]
            rate = (all_k - k_in + 0.5) / (all_n - n_in + 1.0)
        rates[key] = rate
    rho = {
        measure: robust_overdispersion(*(np.concatenate(parts) for parts in zip(*chunks, strict=True)))
        if method == "beta_binomial"
        else 0.0
        for measure, chunks in spread.items()
    }
    tests: list[PeerTest] = []
    for (group, measure), members in groups.items():
        k, n = arrays[(group, measure)][:2]
        label = group if len(members) - 1 >= min_peers else "all facilities"
        for i, row in enumerate(members):
            rate = float(rates[(group, measure)][i])
            p = mid_p_upper(int(k[i]), int(n[i]), rate, rho.get(measure, 0.0))
            tests.append(
                PeerTest(
                    row["subject_ref"], label, measure, int(k[i]), int(n[i]), rate, rho.get(measure, 0.0), p
                )
            )
    q = benjamini_hochberg([t.p_value for t in tests])
    return [PeerTest(**{**t.__dict__, "q_value": float(qi)}) for t, qi in zip(tests, q, strict=True)]


def flagged_test(test: PeerTest, values: Mapping[str, Any]) -> bool:
    """Whether a test is a finding: q within the FDR, enough events, and a rate ratio large enough."""
    return (
        test.q_value <= values["fdr"]
        and test.events >= values["min_events"]
        and test.rate >= values["min_rate_ratio"] * test.peer_rate
    )


def peer_tests(
    rows: Sequence[Mapping[str, Any]], values: Mapping[str, Any], *, max_rounds: int = 6
) -> list[PeerTest]:
    """Test every (facility, measure) row against the other facilities of its peer group; BH q-values set.

    The expected rate is the peer group's pooled rate without the facility. With test "beta_binomial" the
    spread rho is estimated per measure over the facilities of all peer groups (each against its own group's
    rate), robustly (`robust_overdispersion`), since one peer group is too small to estimate it alone. Facilities
    found anomalous on a measure are then left out of their peers' rates and of the spread, and the tests are
    repeated until the findings no longer change (a facility already found anomalous does not set the
    standard others are held to; cf. iterative outlier exclusion in funnel-plot monitoring, Spiegelhalter 2005).
    The first exclusions are the findings of the plain binomial test; with the binomial test itself the
    rounds repeat the same way (one gross outlier among few peers would otherwise mask a lesser one).
    """
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["trials"]:
            groups[(row["peer_group"], row["measure"])].append(row)
    method = values.get("test", "beta_binomial")
    # start from the binomial findings (the clearest outliers) as the facilities left out of the peer pools
    min_peers = int(values.get("min_peers", 2))
    tests = _peer_round(groups, set(), "binomial", min_peers)
    excluded = {(t.facility, t.measure) for t in tests if flagged_test(t, values)}
    if method == "binomial" and not excluded:
        return tests
    for _ in range(max_rounds):
        tests = _peer_round(groups, excluded, method, min_peers)
        found = {(t.facility, t.measure) for t in tests if flagged_test(t, values)}
        if found == excluded:
            break
        excluded = found
    return tests


def peer_rate_test(rows: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Post step of facility_anomaly: facilities with a measure significant at the FDR, large and frequent enough.

    Returns one candidate per facility: {subject_ref, evidence, facts}.
    """
    tests = peer_tests(rows, values)
    evidence = {(r["subject_ref"], r["measure"]): r for r in rows}
    kinds = {r["subject_ref"]: r["peer_group"] for r in rows}
    peers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for t in tests:
        peers[(t.group, t.measure)].add(t.facility)
    everyone: dict[str, set[str]] = defaultdict(set)
    for t in tests:
        everyone[t.measure].add(t.facility)
    flagged: dict[str, list[PeerTest]] = defaultdict(list)
    for t in tests:
        if flagged_test(t, values):
            flagged[t.facility].append(t)
    out = []
    for facility, hits in sorted(flagged.items()):
        refs = [{"type": "agencies", "ref": facility}]
        for t in hits:
            row = evidence[(facility, t.measure)]
            refs.extend(
                {"type": row["ref_type"], "ref": ref} for ref in (row["refs"] or "").split("\x1f") if ref
            )
        measures = "; ".join(
            f"{t.measure.replace('_', ' ')} {t.events}/{t.trials} ({t.rate:.1%}) vs peers {t.peer_rate:.1%}, "
            f"q = {t.q_value:.2g}"
            for t in hits
        )
        facts = {
            "facility": facility,
            "kind": kinds[facility],
            "compared_with": hits[0].group,
            "peers": len(
                everyone[hits[0].measure]
                if hits[0].group == "all facilities"
                else peers[(hits[0].group, hits[0].measure)]
            )
            - 1,
            "measures": measures,
            "tests": [
                {
                    k: getattr(t, k)
                    for k in ("measure", "events", "trials", "peer_rate", "rho", "p_value", "q_value")
                }
                for t in hits
            ],
        }
        out.append({"subject_ref": facility, "evidence": refs, "facts": facts})
    return out


def concentration_test(rows: Sequence[Mapping[str, Any]], values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Post step of clinic_ring: facilities whose supporting alerts exceed their share of births.

    Expected alerts (computed by the rule's SQL) = sum over supporting rules of the rule's alerts x the
    facility's share of that rule's exposure; the excess is tested by Poisson mid-p, BH across all delivering
    facilities; kept when also at least min_alerts alerts of min_kinds distinct rules.
    """
    if not rows:
        return []
    p = []
    for row in rows:
        expected = float(row["expected"] or 0.0)
        p.append((expected, poisson_mid_p_upper(int(row["events"]), expected)))
    q = benjamini_hochberg([pv for _, pv in p], total=int(rows[0]["facilities"]))
    out = []
    for row, (expected, pv), qv in zip(rows, p, q, strict=True):
        if row["events"] < values["min_alerts"] or row["kinds"] < values["min_kinds"] or qv > values["fdr"]:
            continue
        facts = {
            "facility": row["subject_ref"],
            "alerts": int(row["events"]),
            "kinds": int(row["kinds"]),
            "rules": ", ".join(sorted(row["rules"])),
            "expected": round(expected, 2),
            "p_value": float(f"{pv:.3g}"),
            "q_value": float(f"{qv:.3g}"),
        }
        out.append({"subject_ref": row["subject_ref"], "evidence": row["evidence"], "facts": facts})
    return out


POST_STEPS = {"peer_rate_test": peer_rate_test, "concentration_test": concentration_test}
