"""Database search on simulated profiles: ranking, classes, exact LRs, prior, limits, families, reverse, CLI."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from kinward.cli import main
from kinward.engines.kinship import simulate as sim
from kinward.engines.kinship.errors import KinshipError
from kinward.engines.kinship.pairwise import kinship_lr, paternity_index
from kinward.engines.kinship.pedigree import Pedigree, locus_likelihood
from kinward.engines.kinship.profiles import Profile
from kinward.engines.kinship.search import DEFAULT_MUTATION, KinshipSearch, SearchSettings

from .conftest import DATA

PANEL = ["CSF1PO", "D10S1248", "D12S391", "D13S317", "D16S539", "D18S51", "D19S433", "D1S1656", "D21S11",
         "D22S1045", "D2S1338", "D2S441", "D3S1358", "D5S818", "D7S820", "D8S1179", "FGA", "Penta D", "Penta E",
         "SE33", "TH01", "TPOX", "vWA"]  # fmt: skip


@pytest.fixture(scope="module")
def world(norway):
    loci = [norway[n] for n in PANEL]
    fam = sim.family_alleles(loci, 6, seed=11, mutation=None)
    refs = sim.to_profiles(
        sim.unrelated_alleles(loci, 3000, 12), loci, [f"U{i}" for i in range(3000)], "reference"
    )
    for rel in ("father", "full_sibling", "half_sibling"):
        refs += sim.to_profiles(fam[rel], loci, [f"{rel}{i}" for i in range(6)], "reference")
    children = sim.to_profiles(fam["child"], loci, [f"C{i}" for i in range(6)], "child")
    return loci, children, refs


def test_simulation_is_deterministic_by_seed(norway):
    loci = [norway[n] for n in PANEL[:5]]
    a = sim.family_alleles(loci, 4, seed=3, mutation=DEFAULT_MUTATION)
    b = sim.family_alleles(loci, 4, seed=3, mutation=DEFAULT_MUTATION)
    c = sim.family_alleles(loci, 4, seed=4, mutation=DEFAULT_MUTATION)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["child"], c["child"])
    # every child carries one allele of each parent (no mutation) at almost every locus
    kid, fa = a["child"], a["father"]
    assert np.mean([kid[li, i, 0] in fa[li, i] for li in range(5) for i in range(4)]) > 0.9


def test_it_ranks_the_true_parent_first_with_class_parent_and_exact_lr(world, norway):
    loci, children, refs = world
    search = KinshipSearch.from_profiles(children, refs, norway, SearchSettings(threshold=1.0, top=5))
    results = search.run()
    for i, res in enumerate(results):
        assert res.status == "ok" and res.compared == len(refs)
        best = res.candidates[0]
        assert best.candidate_id in (f"father{i}", f"full_sibling{i}")
        fa = next(c for c in res.candidates if c.candidate_id == f"father{i}")
        assert fa.relationship == "parent" and fa.loci_compared == 23
        child = children[i]
        father = next(r for r in refs if r.profile_id == f"father{i}")
        expected = math.prod(
            paternity_index(
                father.genotypes[lf.locus], child.genotypes[lf.locus], lf, mutation=DEFAULT_MUTATION
            )
            for lf in loci
        )
        assert fa.lr == pytest.approx(expected, rel=1e-9)
        prior = 1 / len(refs)
        assert fa.posterior == pytest.approx(prior * fa.lr / (prior * fa.lr + 1 - prior))


def test_full_siblings_are_reported_with_the_full_sibling_kappa_lr(world, norway):
    loci, children, refs = world
    search = KinshipSearch.from_profiles(children[:2], refs, norway, SearchSettings(threshold=1.0, top=10))
    res = search.run()[0]
    sib = next(c for c in res.candidates if c.candidate_id == "full_sibling0")
    other = next(r for r in refs if r.profile_id == "full_sibling0")
    expected = math.prod(
        kinship_lr(other.genotypes[lf.locus], children[0].genotypes[lf.locus], lf, (0.25, 0.5, 0.25))
        for lf in loci
    )
    assert sib.class_lrs["full_sibling"] == pytest.approx(expected, rel=1e-9)


def test_no_candidate_above_the_threshold_is_a_normal_outcome(world, norway):
    _, children, refs = world
    unrelated_only = [r for r in refs if r.profile_id.startswith("U")]
    res = KinshipSearch.from_profiles(
        children[:1], unrelated_only, norway, SearchSettings(threshold=1e9)
    ).run()
    assert res[0].status == "no_candidate_above_threshold" and res[0].candidates == []


def test_too_few_overlapping_loci_refuses_the_query_and_excludes_references(world, norway):
    _, children, refs = world
    small = Profile("C-small", "child", dict(list(children[0].genotypes.items())[:10]))
    res = KinshipSearch.from_profiles([small], refs, norway, SearchSettings()).run()[0]
    assert res.status == "too_few_loci" and "10 typed loci" in res.message
    partial = Profile("R-partial", "reference", dict(list(refs[0].genotypes.items())[:12]))
    res = KinshipSearch.from_profiles(
        children[:1], [partial, *refs[1:50]], norway, SearchSettings(threshold=0)
    ).run()[0]
    assert res.excluded_min_loci == 1 and all(c.candidate_id != "R-partial" for c in res.candidates)


def test_loci_absent_from_the_frequency_table_are_an_error_or_reported(world, norway):
    _, children, refs = world
    child = Profile("C-x", "child", {**children[0].genotypes, "D6S1043": ("11", "12")})
    with pytest.raises(KinshipError, match="D6S1043"):
        KinshipSearch.from_profiles([child], refs[:20], norway, SearchSettings())
    search = KinshipSearch.from_profiles([child], refs[:20], norway, SearchSettings(allow_missing_loci=True))
    assert any("D6S1043" in n for n in search.notes)


def test_unseen_alleles_are_added_at_the_minimum_frequency_and_reported(world, norway):
    _, children, refs = world
    child = Profile("C-y", "child", {**children[0].genotypes, "TH01": ("9.3", "13.3")})
    search = KinshipSearch.from_profiles([child], refs[:20], norway, SearchSettings(min_frequency=0.001))
    assert any("TH01" in n and "13.3" in n for n in search.notes)
    th01 = next(t for t in search.tables if t.lf.locus == "TH01").lf
    assert th01.freqs.sum() == pytest.approx(1.0)


def test_inconsistent_loci_count_alleles_not_shared_with_a_parent(norway):
    loci = [norway[n] for n in PANEL]
    child = {lf.locus: (lf.alleles[0], lf.alleles[1]) for lf in loci}
    parent = dict(child)
    parent["TH01"] = (loci[20].alleles[4], loci[20].alleles[5])
    search = KinshipSearch.from_profiles(
        [Profile("C", "child", child)],
        [Profile("P", "reference", parent)],
        norway,
        SearchSettings(threshold=0),
    )
    cand = search.run()[0].candidates[0]
    assert cand.class_lrs["parent"] > 0
    if cand.relationship == "parent":
        assert cand.inconsistent_loci == 1


def test_a_trio_family_is_combined_into_one_candidate_with_the_trio_lr(norway):
    loci = [norway[n] for n in PANEL]
    fam = sim.family_alleles(loci, 1, seed=21)
    fa = sim.to_profiles(fam["father"], loci, ["FA"], "reference", family_id="F1", relation="father", sex="M")
    mo = sim.to_profiles(fam["mother"], loci, ["MO"], "reference", family_id="F1", relation="mother", sex="F")
    child = sim.to_profiles(fam["child"], loci, ["CH"], "child")
    settings = SearchSettings(threshold=1.0, mutation=None)
    res = KinshipSearch.from_profiles(child, [*fa, *mo], norway, settings).run()[0]
    family = next(c for c in res.candidates if c.candidate_id == "F1")
    assert family.relationship == "family" and family.members == "father+mother"
    h1 = Pedigree.from_dicts(
        [
            {"id": "FA", "sex": "M"},
            {"id": "MO", "sex": "F"},
            {"id": "CH", "sex": "M", "father": "FA", "mother": "MO"},
        ]
    )
    h2 = Pedigree.from_dicts([{"id": "FA", "sex": "M"}, {"id": "MO", "sex": "F"}, {"id": "CH", "sex": "M"}])
    expected = 1.0
    for lf in loci:
        g = {
            "FA": fa[0].genotypes[lf.locus],
            "MO": mo[0].genotypes[lf.locus],
            "CH": child[0].genotypes[lf.locus],
        }
        expected *= locus_likelihood(h1, g, lf.alleles, lf.freqs) / locus_likelihood(
            h2, g, lf.alleles, lf.freqs
        )
    assert family.lr == pytest.approx(expected, rel=1e-9)
    assert family.lr > max(c.lr for c in res.candidates if c.candidate_id != "F1")


def test_reverse_search_finds_the_child_of_a_parent(world, norway):
    _, children, refs = world
    fathers = [r for r in refs if r.profile_id.startswith("father")][:2]
    res = KinshipSearch.from_profiles(
        fathers, children, norway, SearchSettings(threshold=1.0, reverse=True)
    ).run()
    assert [r.candidates[0].candidate_id for r in res] == ["C0", "C1"]
    assert res[0].candidates[0].relationship == "parent"


def test_search_command_writes_the_documented_columns(tmp_path, capsys):
    out = tmp_path / "profiles.csv"
    assert main(["kinship", "simulate", "--frequencies", str(DATA / "NorskDB_v2023.txt"), "--families", "2",
                 "--unrelated", "40", "--seed", "5", "--out", str(out)]) == 0  # fmt: skip
    results = tmp_path / "results.csv"
    code = main(["kinship", "search", "--profiles", str(out), "--frequencies", str(DATA / "NorskDB_v2023.txt"),
                 "--out", str(results), "--top", "3", "--threshold", "1e6"])  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(results.open()))
    assert list(rows[0])[:6] == [
        "child_id",
        "candidate_id",
        "lr",
        "relationship",
        "loci_compared",
        "inconsistent_loci",
    ]
    top = [r for r in rows if r["child_id"] == "CH0001"]
    assert top[0]["candidate_id"] == "FAM0001" and top[0]["relationship"] == "family"
    assert {r["candidate_id"] for r in top[1:]} == {"FAM0001-father", "FAM0001-mother"}
    assert "2 with a candidate" in capsys.readouterr().out


def test_search_command_reports_bad_input_with_exit_code_2(tmp_path, capsys):
    bad = tmp_path / "p.csv"
    bad.write_text("profile_id,role,locus,allele1,allele2\nC1,child,TH01,6,x\n")
    code = main(["kinship", "search", "--profiles", str(bad), "--frequencies", str(DATA / "NorskDB_v2023.txt"),
                 "--out", str(tmp_path / "r.csv")])  # fmt: skip
    assert code == 2
    assert "profile C1 locus TH01: malformed allele 'x'" in capsys.readouterr().err


def test_two_worker_processes_give_the_same_results_as_one(world, norway):
    _, children, refs = world
    search = KinshipSearch.from_profiles(children, refs[:500], norway, SearchSettings(threshold=1.0, top=3))
    one, two = search.run(), search.run(workers=2)
    assert [(r.query_id, [(c.candidate_id, c.lr) for c in r.candidates]) for r in one] == [
        (r.query_id, [(c.candidate_id, c.lr) for c in r.candidates]) for r in two
    ]


def test_theta_enters_the_search_tables_as_in_the_closed_form(world, norway):
    loci, children, refs = world
    settings = SearchSettings(threshold=0.0, top=3, theta=0.02, mutation=None)
    res = KinshipSearch.from_profiles(children[:1], refs[:200] + [r for r in refs if r.profile_id == "full_sibling0"],
                                      norway, settings).run()[0]  # fmt: skip
    sib = next(c for c in res.candidates if c.candidate_id == "full_sibling0")
    other = next(r for r in refs if r.profile_id == "full_sibling0")
    expected = math.prod(
        kinship_lr(
            other.genotypes[lf.locus], children[0].genotypes[lf.locus], lf, (0.25, 0.5, 0.25), theta=0.02
        )
        for lf in loci
    )
    assert sib.class_lrs["full_sibling"] == pytest.approx(expected, rel=1e-9)


def test_a_sibling_plus_a_parent_are_combined_with_the_mother_untyped(norway):
    loci = [norway[n] for n in PANEL]
    profiles = sim.searching_family_profiles(loci, 1, seed=8, relatives=("father", "full_sibling"))
    again = sim.searching_family_profiles(loci, 1, seed=8, relatives=("father", "full_sibling"))
    assert [p.genotypes for p in profiles] == [p.genotypes for p in again]
    child, fa, sib = profiles
    assert (fa.family_id, fa.relation, sib.relation) == ("FAM0001", "father", "full_sibling")
    res = KinshipSearch.from_profiles(
        [child], [fa, sib], norway, SearchSettings(threshold=0.0, mutation=None)
    ).run()
    family = next(c for c in res[0].candidates if c.relationship == "family")
    assert family.members == "father+full_sibling"
    rows = [
        {"id": "FA", "sex": "M"},
        {"id": "MO", "sex": "F"},
        {"id": "S", "sex": "M", "father": "FA", "mother": "MO"},
    ]
    h1 = Pedigree.from_dicts([*rows, {"id": "CH", "sex": "M", "father": "FA", "mother": "MO"}])
    h2 = Pedigree.from_dicts([*rows, {"id": "CH", "sex": "M"}])
    expected = 1.0
    for lf in loci:
        g = {"FA": fa.genotypes[lf.locus], "S": sib.genotypes[lf.locus], "CH": child.genotypes[lf.locus]}
        expected *= locus_likelihood(h1, g, lf.alleles, lf.freqs) / locus_likelihood(
            h2, g, lf.alleles, lf.freqs
        )
    assert family.lr == pytest.approx(expected, rel=1e-9)


def test_fixed_point_screening_agrees_with_float_sums_within_the_quantisation_step(world, norway):
    _, children, refs = world
    search = KinshipSearch.from_profiles(children[:1], refs, norway, SearchSettings())
    used = list(range(len(search.tables)))
    packed = search._screen([(li, search.tables[li].log_lr[:, search.q_geno[li, 0], :]) for li in used])
    exact = search.class_scores(0)
    assert packed.shape == exact.shape == (3, len(refs))
    finite = np.isfinite(exact) & (exact > -30)
    assert np.max(np.abs(packed[finite] - exact[finite])) <= len(used) * 0.5 / 1024 + 1e-4
