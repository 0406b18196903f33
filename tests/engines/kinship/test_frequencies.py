"""Allele-frequency tables: norSTR list format, CSV, estimation from genotypes, minimum frequency."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.kinship.errors import AlleleError, FrequencyTableError, LocusNameError
from kinward.engines.kinship.frequencies import (
    apply_minimum_frequency,
    estimate_from_genotypes,
    load_frequencies,
    parse_frequency_csv,
    parse_norstr,
    with_unseen_alleles,
)
from kinward.engines.kinship.loci import canonical_locus, normalise_allele

from .conftest import DATA


def test_it_reads_all_50_norstr_loci_with_microvariants_and_spaced_names(norway):
    assert len(norway.loci) == 50
    assert sum(len(lf.alleles) for lf in norway.loci.values()) == 800
    assert "Penta D" in norway and "Penta E" in norway and "vWA" in norway
    d1 = norway["D1S1656"]
    assert d1.frequency("14.3") == pytest.approx(0.003449)
    assert d1.alleles.index("14.3") == d1.alleles.index("14") + 1  # numeric order, strings kept
    for lf in norway.loci.values():
        assert abs(lf.freqs.sum() - 1) < 1e-12


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("Penta_D", "Penta D"), ("PENTA D", "Penta D"), ("pentad", "Penta D"), ("VWA", "vWA"), ("vWA", "vWA"),
     ("TH01", "TH01"), ("THO1", "TH01"), ("tpox", "TPOX"), ("d21s11", "D21S11"), ("SE33", "SE33"),
     ("D2S441", "D2S441"), ("fga", "FGA"), ("PENTA_E", "Penta E")],
)  # fmt: skip
def test_it_maps_locus_aliases_to_one_canonical_name(spelling, canonical):
    assert canonical_locus(spelling) == canonical


def test_it_rejects_an_unknown_locus_name():
    with pytest.raises(LocusNameError, match="XYZ123"):
        canonical_locus("XYZ123")


def test_it_keeps_alleles_as_normalised_strings():
    assert normalise_allele("09") == "9"
    assert normalise_allele("9.3") == "9.3"
    assert normalise_allele("15.4") == "15.4"
    assert normalise_allele("9.0") == "9"
    for bad in ("9.33", "A", "", "9,3", "-1"):
        with pytest.raises(AlleleError):
            normalise_allele(bad)


def test_it_refuses_a_locus_that_does_not_sum_to_one_and_names_it():
    text = "TH01\n6\t0.5\n7\t0.4\n\nTPOX\n8\t1.0\n"
    with pytest.raises(FrequencyTableError, match="TH01.*sum to 0.9"):
        parse_norstr(text)
    table = parse_norstr(text, renormalise=True)
    assert table["TH01"].frequency("6") == pytest.approx(0.5 / 0.9)


def test_it_parses_the_locus_allele_frequency_csv(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text("locus,allele,frequency,n\nPenta_D,9,0.25,100\nPenta_D,9.3,0.75,100\nvWA,17,1.0,100\n")
    table = load_frequencies(path)
    assert table["Penta D"].alleles == ("9", "9.3")
    assert table["Penta D"].db_size == 100
    with pytest.raises(FrequencyTableError, match="listed twice"):
        parse_frequency_csv("locus,allele,frequency\nTH01,6,0.5\nTH01,6,0.5\n")


def test_it_estimates_frequencies_from_nist_genotypes_and_matches_the_published_afam_th01():
    path = DATA / "nist1036-excerpt.csv"
    with path.open() as fh:
        table = estimate_from_genotypes(csv.DictReader(fh), population="AfAm")
    th01 = table["TH01"]
    expected = {"5": 0.004386, "6": 0.131579, "7": 0.407895, "8": 0.195906, "9": 0.159357, "9.3": 0.096491}
    for allele, p in expected.items():
        assert th01.frequency(allele) == pytest.approx(p, abs=5e-7)
    assert th01.db_size == 342
    assert table["TPOX"].db_size == 341  # one missing genotype (OT05588) is skipped, 2N = 682


def test_it_accepts_rare_nist_microvariants():
    table = load_frequencies(DATA / "nist1036-excerpt.csv")
    assert "43.2" in table["FGA"].alleles
    assert {"2.2", "3.2"} <= set(table["Penta D"].alleles)
    assert table["FGA"].db_size == 1036


def test_minimum_frequency_raises_rare_alleles_to_5_over_2n_and_renormalises():
    table = parse_norstr("TH01\n6\t0.001\n7\t0.999\n", db_size=100)
    floored = apply_minimum_frequency(table)
    f = floored["TH01"].freqs
    assert f.sum() == pytest.approx(1.0)
    assert f[0] == pytest.approx(0.025 / 1.024)


def test_an_unseen_allele_gets_the_minimum_frequency_and_the_locus_is_renormalised():
    lf = parse_norstr("TH01\n6\t0.5\n7\t0.5\n", db_size=50)["TH01"]
    new = with_unseen_alleles(lf, ["9.3"])
    assert new.alleles == ("6", "7", "9.3")
    assert new.freqs.sum() == pytest.approx(1.0)
    assert new.frequency("9.3") == pytest.approx(0.05 / 1.05)


@given(
    st.lists(st.tuples(st.integers(1, 60), st.integers(0, 9), st.floats(0.01, 1.0)), min_size=1, max_size=30)
)
def test_parsed_norstr_text_round_trips_allele_strings_and_frequencies(items):
    pairs = {f"{w}.{f}" if f else str(w): p for w, f, p in items}
    total = sum(pairs.values())
    text = "FGA\n" + "".join(f"{a}\t{p / total!r}\n" for a, p in pairs.items())
    lf = parse_norstr(text)["FGA"]
    assert set(lf.alleles) == set(pairs)
    for a, p in pairs.items():
        assert lf.frequency(a) == pytest.approx(p / total, rel=1e-12)
    assert np.all(np.diff([float(a) for a in lf.alleles]) > 0)
