"""The general pedigree likelihood and the closed-form pairwise LRs agree, with mutation and theta."""

from __future__ import annotations

import numpy as np
import pytest

from kinward.engines.kinship.errors import PedigreeError
from kinward.engines.kinship.frequencies import make_locus
from kinward.engines.kinship.mutation import MutationModel, MutationParameters
from kinward.engines.kinship.pairwise import kinship_lr, paternity_index, trio_paternity_index
from kinward.engines.kinship.pedigree import Pedigree, joint_with_target, locus_likelihood


def ped(*rows):
    return Pedigree.from_dicts([dict(zip(("id", "sex", "father", "mother"), r, strict=False)) for r in rows])


DUO = ped(("F", "M"), ("Mo", "F"), ("C", "M", "F", "Mo"))
UNREL = ped(("F", "M"), ("C", "M"))
FULL_SIBS = ped(("F0", "M"), ("M0", "F"), ("A", "M", "F0", "M0"), ("C", "M", "F0", "M0"))
HALF_SIBS = ped(("F0", "M"), ("M0", "F"), ("M1", "F"), ("A", "M", "F0", "M0"), ("C", "M", "F0", "M1"))
GRANDPARENT = ped(("A", "M"), ("G", "F"), ("P", "M", "A", "G"), ("Q", "F"), ("C", "M", "P", "Q"))
UNCLE = ped(
    ("F0", "M"), ("M0", "F"), ("A", "M", "F0", "M0"), ("P", "M", "F0", "M0"), ("Q", "F"), ("C", "M", "P", "Q")
)
PAIR = ped(("A", "M"), ("C", "M"))
STEPWISE = MutationModel(
    "stepwise", MutationParameters(0.003, 0.1, 1e-5), MutationParameters(0.001, 0.1, 1e-5)
)


@pytest.fixture(scope="module")
def locus():
    alleles = [str(x) for x in range(8, 16)] + ["9.3", "10.3"]
    p = np.random.default_rng(3).dirichlet(np.ones(len(alleles)))
    return make_locus("TH01", list(zip(alleles, p, strict=True)))


def pairs(locus, k=12, seed=5):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(k):
        a = tuple(sorted(rng.choice(locus.alleles, 2)))
        b = tuple(sorted((a[rng.integers(2)], rng.choice(locus.alleles))))
        out.append((a, b))
    return out


def lr(h1, h2, g, locus, **kw):
    return locus_likelihood(h1, g, locus.alleles, locus.freqs, **kw) / locus_likelihood(
        h2, g, locus.alleles, locus.freqs, **kw
    )


@pytest.mark.parametrize("theta", [0.0, 0.02])
def test_closed_form_paternity_index_equals_the_pedigree_likelihood_ratio(locus, theta):
    for a, c in pairs(locus):
        g = {"F": a, "C": c}
        assert paternity_index(a, c, locus, theta=theta) == pytest.approx(
            lr(DUO, UNREL, g, locus, theta=theta)
        )
        with_mut = paternity_index(a, c, locus, mutation=STEPWISE)
        assert with_mut == pytest.approx(lr(DUO, UNREL, g, locus, mutation=STEPWISE), rel=1e-10)


@pytest.mark.parametrize("theta", [0.0, 0.03])
def test_kappa_formula_equals_pedigrees_for_siblings_and_second_degree(locus, theta):
    for a, c in pairs(locus):
        g = {"A": a, "C": c}
        fs = kinship_lr(a, c, locus, (0.25, 0.5, 0.25), theta=theta)
        assert fs == pytest.approx(lr(FULL_SIBS, PAIR, g, locus, theta=theta), rel=1e-10)
        second = kinship_lr(a, c, locus, (0.5, 0.5, 0.0), theta=theta)
        for pedigree in (HALF_SIBS, GRANDPARENT, UNCLE):
            assert second == pytest.approx(lr(pedigree, PAIR, g, locus, theta=theta), rel=1e-10)


def test_an_exclusion_without_mutation_gives_zero_and_with_mutation_a_small_lr(locus):
    a, c = ("8", "8"), ("11", "11")
    assert paternity_index(a, c, locus) == 0.0
    assert 0 < paternity_index(a, c, locus, mutation=STEPWISE) < 0.1


def test_trio_with_typed_mother_gives_the_classical_paternity_index(locus):
    trio = ped(("F", "M"), ("Mo", "F"), ("C", "M", "F", "Mo"))
    alt = ped(("F", "M"), ("X", "M"), ("Mo", "F"), ("C", "M", "X", "Mo"))
    g = {"F": ("9", "12"), "Mo": ("10", "11"), "C": ("10", "12")}
    assert lr(trio, alt, g, locus) == pytest.approx(1 / (2 * locus.frequency("12")))
    pi = trio_paternity_index(g["F"], g["Mo"], g["C"], locus)
    assert pi == pytest.approx(1 / (2 * locus.frequency("12")))
    with pytest.raises(PedigreeError, match="cannot be the mother"):
        trio_paternity_index(g["F"], ("8", "8"), g["C"], locus)


def test_joint_with_target_gives_the_child_distribution_of_a_trio(locus):
    trio = ped(("F", "M"), ("Mo", "F"), ("X", "M", "F", "Mo"))
    g = {"F": ("9", "12"), "Mo": ("10", "10")}
    v = joint_with_target(trio, g, "X", locus.alleles, locus.freqs)
    assert v.sum() == pytest.approx(locus_likelihood(trio, g, locus.alleles, locus.freqs))
    assert np.count_nonzero(v) == 2


def test_it_refuses_malformed_pedigrees():
    with pytest.raises(PedigreeError, match="both parents or neither"):
        ped(("F", "M"), ("C", "M", "F", None))
    with pytest.raises(PedigreeError, match="not in the pedigree"):
        ped(("C", "M", "F", "Mo"))
    with pytest.raises(PedigreeError, match="has sex"):
        ped(("F", "F"), ("Mo", "F"), ("C", "M", "F", "Mo"))
    with pytest.raises(PedigreeError, match="cycle"):
        ped(("A", "M", "B", "C"), ("B", "M", "A", "C"), ("C", "F"))


def test_it_refuses_a_typed_allele_missing_from_the_frequencies(locus):
    with pytest.raises(PedigreeError, match="allele '99'"):
        locus_likelihood(DUO, {"F": ("99", "8")}, locus.alleles, locus.freqs, locus="TH01")


def test_a_disputed_surrogacy_trio_compares_commissioning_mother_against_an_unknown_egg_donor(locus):
    # H1: the commissioning couple are the genetic parents; H2: the father is, the egg came from someone else.
    h1 = ped(("F", "M"), ("Mo", "F"), ("C", "M", "F", "Mo"))
    h2 = ped(("F", "M"), ("Mo", "F"), ("D", "F"), ("C", "M", "F", "D"))
    g = {"F": ("9", "12"), "Mo": ("10", "11"), "C": ("10", "12")}
    assert lr(h1, h2, g, locus) == pytest.approx(1 / (2 * locus.frequency("10")))
    g_excluded = {"F": ("9", "12"), "Mo": ("13", "14"), "C": ("10", "12")}
    assert lr(h1, h2, g_excluded, locus) == 0.0
    assert 0 < lr(h1, h2, g_excluded, locus, mutation=STEPWISE) < 1e-2


def test_theta_with_mutation_over_many_untyped_founders_is_refused_with_a_reason(locus):
    wide = ped(*[(f"F{i}", "M") for i in range(4)], *[(f"M{i}", "F") for i in range(4)],
               ("A", "M", "F0", "M0"), ("B", "F", "F1", "M1"), ("C", "M", "A", "B"))  # fmt: skip
    with pytest.raises(PedigreeError, match="theta correction over"):
        locus_likelihood(wide, {"C": ("9", "10")}, locus.alleles, locus.freqs, mutation=STEPWISE, theta=0.01)
