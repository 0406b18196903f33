"""Combining typed relatives of one family (trio, parent + sibling, unsexed parents, theta, de novo mutations),
ranking by relationship class, and the single-pair LR API and CLI, against hand-computed LRs."""

from __future__ import annotations

import csv
import math

import pytest

from kinward.cli import main
from kinward.engines.kinship import simulate as sim
from kinward.engines.kinship.errors import KinshipError
from kinward.engines.kinship.frequencies import FrequencyTable, make_locus
from kinward.engines.kinship.pair import pair_lr, pair_lrs_all_classes, relationship_class
from kinward.engines.kinship.pedigree import Pedigree, locus_likelihood
from kinward.engines.kinship.profiles import Profile
from kinward.engines.kinship.search import DEFAULT_MUTATION, KinshipSearch, SearchSettings

from .conftest import DATA

LOCI = ("TH01", "vWA", "FGA")
FREQS = {"6": 0.2, "7": 0.15, "8": 0.1, "9": 0.25, "9.3": 0.3}


@pytest.fixture(scope="module")
def table() -> FrequencyTable:
    return FrequencyTable({name: make_locus(name, FREQS.items()) for name in LOCI}, source="hand")


def p(allele: str) -> float:
    return FREQS[allele]


def ref(pid: str, g: tuple[str, str], relation: str, sex: str = "", fam: str = "F1") -> Profile:
    return Profile(pid, "reference", dict.fromkeys(LOCI, g), family_id=fam, relation=relation, sex=sex)


def family_lr(table, child_g, members, *, theta=0.0, mutation=None) -> tuple[float, list[str], str]:
    child = Profile("CH", "child", dict.fromkeys(LOCI, child_g))
    settings = SearchSettings(threshold=0.0, min_loci=1, mutation=mutation, theta=theta)
    search = KinshipSearch.from_profiles([child], members, table, settings)
    res = search.run()[0]
    fam = [c for c in res.candidates if c.relationship == "family"]
    return (fam[0].lr if fam else math.nan), search.notes, (fam[0].members if fam else "")


def test_a_trio_gives_one_over_eight_pa_pb_per_locus(table):
    # father (9, 6), mother (8, 7), child (8, 9): P(child | parents) = 1/4, P(child) = 2 p8 p9
    lr, notes, label = family_lr(
        table, ("8", "9"), [ref("FA", ("6", "9"), "father", "M"), ref("MO", ("7", "8"), "mother", "F")]
    )
    assert label == "father+mother" and not notes
    assert lr == pytest.approx((1 / (8 * p("8") * p("9"))) ** 3, rel=1e-12)


def test_two_parents_without_sex_are_combined_as_a_trio(table):
    lr, notes, label = family_lr(
        table, ("8", "9"), [ref("P1", ("6", "9"), "parent"), ref("P2", ("7", "8"), "parent")]
    )
    assert label == "father+mother" and not notes
    assert lr == pytest.approx((1 / (8 * p("8") * p("9"))) ** 3, rel=1e-12)


@pytest.mark.parametrize(("relation", "sex"), [("father", "M"), ("mother", "F"), ("parent", "")])
def test_a_parent_and_a_sibling_give_one_over_four_pa(table, relation, sex):
    # parent (6, 6), sibling (6, 7), child (6, 9), other parent untyped: the sibling shows that the other parent
    # carries 7, so the child's 9 came from its other allele: P = p7 p9 / 2 against p7 * 2 p6 p9 -> 1/(4 p6)
    lr, notes, label = family_lr(
        table, ("6", "9"), [ref("PA", ("6", "6"), relation, sex), ref("SIB", ("6", "7"), "full_sibling")]
    )
    assert label.endswith("+full_sibling") and not notes
    assert lr == pytest.approx((1 / (4 * p("6"))) ** 3, rel=1e-12)


def test_theta_trio_matches_the_balding_nichols_draws(table):
    # father (6, 6), mother (9, 9), child (6, 9): H1 probability 1; under H2 the child's alleles are drawn
    # after the four parental alleles: 2 (2t + (1-t) p6)/(1+3t) * (2t + (1-t) p9)/(1+4t)
    t = 0.03
    lr, notes, _ = family_lr(
        table,
        ("6", "9"),
        [ref("FA", ("6", "6"), "father", "M"), ref("MO", ("9", "9"), "mother", "F")],
        theta=t,
    )
    h2 = 2 * (2 * t + (1 - t) * p("6")) / (1 + 3 * t) * (2 * t + (1 - t) * p("9")) / (1 + 4 * t)
    assert not notes
    assert lr == pytest.approx((1 / h2) ** 3, rel=1e-12)


def pedigree_lr(
    table, genotypes: dict[str, tuple[str, str]], typed_parents: dict[str, str], sibs, **kw
) -> float:
    fa = typed_parents.get("M", "UF")
    mo = typed_parents.get("F", "UM")
    base = [{"id": fa, "sex": "M"}, {"id": mo, "sex": "F"}]
    base += [{"id": s, "sex": "M", "father": fa, "mother": mo} for s in sibs]
    h1 = Pedigree.from_dicts([*base, {"id": "CH", "sex": "M", "father": fa, "mother": mo}])
    h2 = Pedigree.from_dicts([*base, {"id": "CH", "sex": "M"}])
    out = 1.0
    for name in LOCI:
        lf = table[name]
        out *= locus_likelihood(h1, genotypes, lf.alleles, lf.freqs, **kw) / locus_likelihood(
            h2, genotypes, lf.alleles, lf.freqs, **kw
        )
    return out


def test_theta_parent_and_sibling_agree_with_the_pedigree_likelihoods(table):
    members = [ref("FA", ("6", "8"), "father", "M"), ref("SIB", ("6", "7"), "full_sibling")]
    lr, notes, _ = family_lr(table, ("6", "9"), members, theta=0.02, mutation=DEFAULT_MUTATION)
    g = {"FA": ("6", "8"), "SIB": ("6", "7"), "CH": ("6", "9")}
    expected = pedigree_lr(table, g, {"M": "FA"}, ["SIB"], theta=0.02, mutation=DEFAULT_MUTATION)
    assert not notes
    assert lr == pytest.approx(expected, rel=1e-9)


def test_a_sibling_with_a_de_novo_mutation_no_longer_breaks_the_family(table):
    # the sibling's 9.3 is in neither parent: impossible without mutation, possible with the stepwise model
    members = [
        ref("FA", ("6", "8"), "father", "M"),
        ref("MO", ("7", "9"), "mother", "F"),
        ref("SIB", ("6", "9.3"), "full_sibling"),
    ]
    lr, notes, label = family_lr(table, ("8", "9"), members, mutation=DEFAULT_MUTATION)
    g = {"FA": ("6", "8"), "MO": ("7", "9"), "SIB": ("6", "9.3"), "CH": ("8", "9")}
    assert label == "father+mother+full_sibling"
    assert lr == pytest.approx(
        pedigree_lr(table, g, {"M": "FA", "F": "MO"}, ["SIB"], mutation=DEFAULT_MUTATION)
    )
    assert any("family F1 locus TH01: the family's own genotypes need a mutation" in n for n in notes)


def test_a_family_that_cannot_be_combined_is_named_and_its_members_still_searched(table):
    child = Profile("CH", "child", dict.fromkeys(LOCI, ("6", "9")))
    members = [
        ref("FA", ("6", "8"), "father", "M"),
        ref("MO", ("7", "9"), "mother", "F"),
        ref("SIB", ("6", "9.3"), "full_sibling"),
    ]
    search = KinshipSearch.from_profiles(
        [child], members, table, SearchSettings(threshold=0, min_loci=1, mutation=None)
    )
    res = search.run()[0]
    assert any(n.startswith("family F1 not combined") and "impossible" in n for n in search.notes)
    assert {c.candidate_id for c in res.candidates} == {"FA", "MO", "SIB"}


def test_candidates_are_ranked_under_each_relationship_class(norway):
    from .test_search import PANEL

    loci = [norway[n] for n in PANEL]
    fam = sim.family_alleles(loci, 1, seed=31)
    refs = sim.to_profiles(
        sim.unrelated_alleles(loci, 300, 32), loci, [f"U{i}" for i in range(300)], "reference"
    )
    for rel in ("father", "full_sibling", "half_sibling"):
        refs += sim.to_profiles(fam[rel], loci, [rel], "reference")
    child = sim.to_profiles(fam["child"], loci, ["C"], "child")
    res = KinshipSearch.from_profiles(
        child, refs, norway, SearchSettings(threshold=1.0, top=3, per_class=True)
    ).run()[0]
    assert set(res.by_class) == {"parent", "full_sibling", "second_degree", "family"}
    top = {cls: cands[0] for cls, cands in res.by_class.items() if cands}
    assert top["full_sibling"].candidate_id == "full_sibling"
    father = next(c for c in res.by_class["parent"] if c.candidate_id == "father")
    assert father.best_relationship == "parent" and father.lr == father.class_lrs["parent"]
    for cls, cands in res.by_class.items():
        if cls == "family":
            continue
        assert [c.lr for c in cands] == sorted((c.lr for c in cands), reverse=True)
        for c in cands:
            assert c.relationship == cls and c.lr == c.class_lrs[cls]
            assert c.best_relationship == max(c.class_lrs, key=c.class_lrs.get)
    # this seed's full sibling shares an allele with the child at every locus: it also ranks under `parent`,
    # with its best class still `full_sibling` (a reviewer sees both)
    assert top["parent"].best_relationship in ("parent", "full_sibling")


def test_pair_lr_matches_the_closed_forms(table):
    child, cand = dict.fromkeys(LOCI, ("6", "9")), dict.fromkeys(LOCI, ("6", "7"))
    pa = pair_lr(child, cand, "father", table, mutation=None)
    assert pa.relationship == "parent" and pa.loci_compared == 3 and not pa.inconsistent_loci
    assert pa.lr == pytest.approx((1 / (4 * p("6"))) ** 3, rel=1e-12)
    hs = pair_lr(child, cand, "half_sibling", table)
    assert hs.lr == pytest.approx((0.5 + 0.5 / (4 * p("6"))) ** 3, rel=1e-12)
    homo = dict.fromkeys(LOCI, ("9", "9"))
    fs = pair_lr(homo, homo, "sibling", table)
    assert fs.lr == pytest.approx((0.25 + 0.5 / p("9") + 0.25 / p("9") ** 2) ** 3, rel=1e-12)
    assert relationship_class("grandparent") == relationship_class("avuncular") == "second_degree"


def test_pair_lr_names_exclusions_loci_not_compared_and_unseen_alleles(table):
    child = {"TH01": ("6", "9"), "vWA": ("7", "7"), "FGA": ("12", "13")}
    cand = {"TH01": ("8", "8"), "vWA": ("7", "9"), "FGA": ("12", "12")}
    res = pair_lr(child, cand, "parent", table)
    assert res.inconsistent_loci == ["TH01"]
    assert 0 < res.loci[0].lr < 0.01  # explained by a mutation only
    assert any("FGA: alleles ['12', '13'] not in the table" in n for n in res.notes)
    res2 = pair_lr({**child, "TPOX": ("8", "8")}, cand, "parent", table, mutation=None)
    assert res2.not_compared == ("TPOX",) and res2.lr == 0.0
    with pytest.raises(KinshipError, match=r"\['TPOX'\] are typed in both profiles but absent"):
        pair_lr({"TPOX": ("8", "8")}, {"TPOX": ("8", "9")}, "parent", table)
    with pytest.raises(KinshipError, match="relationship 'cousin' unknown"):
        pair_lr(child, cand, "cousin", table)
    ranked = pair_lrs_all_classes(child, cand, table)
    assert list(ranked)[0] == max(ranked, key=lambda k: ranked[k].lr)


def test_pair_command_prints_each_class_and_the_best(tmp_path, capsys):
    out = tmp_path / "profiles.csv"
    freqs = str(DATA / "NorskDB_v2023.txt")
    assert main(["kinship", "simulate", "--frequencies", freqs, "--families", "1", "--unrelated", "0",
                 "--seed", "3", "--out", str(out)]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["kinship", "pair", "--profiles", str(out), "--child", "CH0001", "--candidate", "FAM0001-father",
                 "--frequencies", freqs]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "best class: parent" in text and "loci compared:" in text
    code = main(["kinship", "pair", "--profiles", str(out), "--child", "CH0001", "--candidate", "NOPE",
                 "--frequencies", freqs])  # fmt: skip
    assert code == 2 and "no profile ['NOPE']" in capsys.readouterr().err


def test_search_command_writes_the_ranking_by_class(tmp_path):
    out = tmp_path / "profiles.csv"
    freqs = str(DATA / "NorskDB_v2023.txt")
    main(
        [
            "kinship",
            "simulate",
            "--frequencies",
            freqs,
            "--families",
            "1",
            "--unrelated",
            "20",
            "--out",
            str(out),
        ]
    )
    by_class = tmp_path / "by_class.csv"
    assert main(["kinship", "search", "--profiles", str(out), "--frequencies", freqs, "--out", str(tmp_path / "r.csv"),
                 "--threshold", "100", "--by-class", str(by_class)]) == 0  # fmt: skip
    rows = list(csv.DictReader(by_class.open()))
    assert {r["ranked_as"] for r in rows} >= {"parent", "family"}
    parent = [r for r in rows if r["ranked_as"] == "parent"]
    assert parent[0]["rank"] == "1" and parent[0]["candidate_id"].startswith("FAM0001-")
