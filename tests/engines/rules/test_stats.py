"""Significance tests: mid-p values, Benjamini-Hochberg, overdispersion, and the facility peer test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from kinward.engines.rules.stats import (
    benjamini_hochberg,
    concentration_test,
    mid_p_upper,
    peer_rate_test,
    poisson_mid_p_upper,
    robust_overdispersion,
)


def test_benjamini_hochberg_matches_a_worked_example():
    # Benjamini & Hochberg (1995) step-up: q_(i) = min_{j>=i} p_(j) m / j
    p = [0.01, 0.04, 0.03, 0.005]
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([0.01], total=10) == pytest.approx([0.1])


@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_bh_q_values_are_at_least_p_and_at_most_one(p):
    q = benjamini_hochberg(p)
    assert np.all(q >= np.asarray(p) - 1e-12) and np.all(q <= 1.0)


def test_binomial_mid_p_is_the_exact_tail_plus_half_the_point_mass():
    expected = stats.binom.sf(5, 100, 0.02) + 0.5 * stats.binom.pmf(5, 100, 0.02)
    assert mid_p_upper(5, 100, 0.02) == pytest.approx(expected)
    assert mid_p_upper(0, 100, 0.02) == pytest.approx(1 - 0.5 * stats.binom.pmf(0, 100, 0.02))
    assert poisson_mid_p_upper(3, 1.0) == pytest.approx(
        stats.poisson.sf(3, 1) + 0.5 * stats.poisson.pmf(3, 1)
    )


def test_beta_binomial_mid_p_is_larger_than_binomial_for_the_same_excess():
    assert mid_p_upper(12, 400, 0.01, rho=0.01) > mid_p_upper(12, 400, 0.01)


def test_robust_overdispersion_recovers_spread_and_ignores_one_outlier():
    rng = np.random.default_rng(4)
    n = np.full(60, 2000)
    rates = rng.beta(10, 990, size=60)  # rho = 1 / (10 + 990 + 1)
    k = rng.binomial(n, rates)
    rho = robust_overdispersion(k.astype(float), n.astype(float))
    assert 0.0002 < rho < 0.004
    k_out = k.copy()
    k_out[0] = 400
    assert robust_overdispersion(k_out.astype(float), n.astype(float)) < 2 * rho + 0.001
    assert robust_overdispersion(np.array([1.0, 2.0]), np.array([100.0, 100.0])) == 0.0


def rows(counts, kind="public_hospital", measure="abandonment"):
    return [
        {
            "subject_ref": f"F{i}",
            "peer_group": kind,
            "measure": measure,
            "events": k,
            "trials": n,
            "ref_type": "births",
            "refs": f"B{i}a\x1fB{i}b",
        }
        for i, (k, n) in enumerate(counts)
    ]


VALUES = {"fdr": 0.001, "min_rate_ratio": 3.0, "min_events": 5, "test": "binomial", "min_peers": 2}


def test_the_peer_test_flags_an_outlier_facility_and_not_its_peers():
    counts = [(60, 1500)] + [(10 + i % 4, 1500) for i in range(11)]
    found = peer_rate_test(rows(counts), VALUES)
    assert [f["subject_ref"] for f in found] == ["F0"]
    assert "abandonment 60/1500" in found[0]["facts"]["measures"]
    assert found[0]["evidence"] == [
        {"type": "agencies", "ref": "F0"},
        {"type": "births", "ref": "B0a"},
        {"type": "births", "ref": "B0b"},
    ]
    assert peer_rate_test(rows(counts), {**VALUES, "test": "beta_binomial"})[0]["subject_ref"] == "F0"


def test_two_outliers_do_not_hide_each_other():
    counts = [(60, 1500), (55, 1400)] + [(10 + i % 4, 1500) for i in range(10)]
    assert {f["subject_ref"] for f in peer_rate_test(rows(counts), VALUES)} == {"F0", "F1"}


def test_small_counts_and_small_ratios_are_not_flagged():
    assert peer_rate_test(rows([(3, 40)] + [(1, 1500)] * 8), VALUES) == []  # 3 events < min_events
    assert peer_rate_test(rows([(30, 1500)] + [(12, 1500)] * 8), VALUES) == []  # ratio 2.5 < 3


def test_a_lonely_kind_is_compared_with_all_facilities():
    data = rows([(60, 1500)], kind="maternity_home") + rows([(10, 1500)] * 6)
    data[0]["subject_ref"] = "MH"
    (found,) = peer_rate_test(data, VALUES)
    assert found["subject_ref"] == "MH" and found["facts"]["compared_with"] == "all facilities"


def test_the_concentration_test_needs_excess_volume_and_kinds():
    base = {"facilities": 20, "evidence": [], "rules": ["a", "b"]}
    ring = {**base, "subject_ref": "F1", "events": 12, "kinds": 3, "expected": 2.0}
    busy = {**base, "subject_ref": "F2", "events": 12, "kinds": 3, "expected": 11.0}
    single = {**base, "subject_ref": "F3", "events": 12, "kinds": 1, "expected": 2.0}
    values = {"min_alerts": 3, "min_kinds": 2, "fdr": 0.01}
    assert [f["subject_ref"] for f in concentration_test([ring, busy, single], values)] == ["F1"]


def test_a_gross_outlier_does_not_hide_a_lesser_one_among_few_peers():
    # F1's 40 % would lift F0's leave-one-out peer rate to about 10 %, above F0's own 4 %; once F1 is found and
    # left out of the pool, F0 stands at six times its remaining peers
    counts = [(60, 1500), (600, 1500), (10, 1500), (10, 1500), (10, 1500)]
    assert {f["subject_ref"] for f in peer_rate_test(rows(counts), VALUES)} == {"F0", "F1"}


def test_under_the_null_small_facilities_give_calibrated_p_values_and_no_findings():
    rng = np.random.default_rng(11)
    data = []
    for measure in ("abandonment", "stillbirth", "late_registration"):
        n = rng.integers(20, 400, size=80)
        data += rows([(int(rng.binomial(m, 0.02)), int(m)) for m in n], measure=measure)
    assert peer_rate_test(data, VALUES) == []  # 240 tests, mostly a handful of events each
    assert peer_rate_test(data, {**VALUES, "fdr": 0.05, "min_rate_ratio": 1.0, "min_events": 1}) == []
    p = np.array([mid_p_upper(r["events"], r["trials"], 0.02) for r in data])
    assert (
        0.02 < (p < 0.05).mean() < 0.08
    )  # mid-p keeps near nominal size where the exact test is conservative
