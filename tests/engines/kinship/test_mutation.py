"""Mutation matrices: equal, proportional and Familias extended stepwise definitions."""

from __future__ import annotations

import numpy as np
import pytest

from kinward.engines.kinship.errors import MutationModelError
from kinward.engines.kinship.mutation import (
    MutationModel,
    equal_matrix,
    proportional_matrix,
    stepwise_matrix,
)


def test_equal_model_spreads_the_rate_over_the_other_alleles():
    m = equal_matrix(5, 0.1)
    assert m[0, 1] == pytest.approx(0.025)
    assert np.allclose(m.sum(axis=1), 1.0)
    assert m[2, 2] == pytest.approx(0.9)


def test_proportional_model_mutates_towards_frequent_alleles_and_refuses_undefined_rates():
    p = np.array([0.9, 0.1])
    m = proportional_matrix(p, 0.1)
    assert m[0, 1] == pytest.approx(0.1 / 0.18 * 0.1)
    assert np.allclose(m.sum(axis=1), 1.0)
    with pytest.raises(MutationModelError, match="undefined"):
        proportional_matrix(p, 0.5)


def test_stepwise_uses_repeat_distance_and_microvariant_groups():
    alleles = ("9", "9.3", "10", "10.3", "12")
    m = stepwise_matrix(alleles, rate=0.002, range_=0.1, rate2=1e-6)
    assert np.allclose(m.sum(axis=1), 1.0)
    # from 9 within group {9, 10, 12}: weights 0.1^1 and 0.1^3, scaled to sum to the rate
    w = np.array([0.1, 0.001])
    assert m[0, 2] == pytest.approx(0.002 * w[0] / w.sum())
    assert m[0, 4] == pytest.approx(0.002 * w[1] / w.sum())
    # rate2 spread evenly over the two alleles outside the group
    assert m[0, 1] == pytest.approx(1e-6 / 2)
    assert m[0, 0] == pytest.approx(1 - 0.002 - 1e-6)


def test_stepwise_diagonal_edge_cases_follow_familias():
    single_group = stepwise_matrix(("9", "10", "11"), 0.01, 0.1, 1e-4)
    assert single_group[0, 0] == pytest.approx(0.99)  # no rate2 when all alleles share a group
    alone = stepwise_matrix(("9", "10", "9.3"), 0.01, 0.1, 1e-4)
    assert alone[2, 2] == pytest.approx(1 - 1e-4)  # alone in its group: only rate2 leaves it


def test_stepwise_refuses_non_numeric_alleles():
    with pytest.raises(MutationModelError, match="numeric"):
        stepwise_matrix(("A", "B"), 0.01, 0.1, 0.0)


def test_sex_specific_parameters_give_two_matrices():
    model = MutationModel.from_dict({"model": "equal", "male": {"rate": 0.2}, "female": {"rate": 0.1}})
    mm, mf = model.matrices(("1", "2"), np.array([0.5, 0.5]))
    assert mm[0, 1] == pytest.approx(0.2) and mf[0, 1] == pytest.approx(0.1)
    with pytest.raises(MutationModelError, match="unknown mutation model"):
        MutationModel.from_dict({"model": "step", "male": {"rate": 0.1}, "female": {"rate": 0.1}})
