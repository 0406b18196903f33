"""Synthetic DNA for reunification: deterministic, faithful to its truth file, and searchable with the engine."""

from __future__ import annotations

import json

import pytest

from kinward.engines.kinship import KinshipSearch, PedigreeError, Profile, SearchSettings, read_profiles
from kinward.engines.synth.dna import (
    CORE_PANEL,
    DnaOptions,
    DnaOptionsError,
    default_frequencies,
    generate_dna,
    panel_profiles,
    write_dna,
)


@pytest.fixture(scope="module")
def scenario():
    return generate_dna(
        options=DnaOptions(children=8, absent_families=2, decoy_families=3, sellers=2, seed=5)
    )


def test_it_uses_the_shipped_nist_1036_frequencies():
    table = default_frequencies()
    assert len(table.names()) == 29
    th01 = table["TH01"]
    assert th01.db_size == 1036 and abs(float(th01.freqs.sum()) - 1) < 1e-9


def test_the_same_seed_gives_the_same_profiles_and_truth(tmp_path):
    a = generate_dna(options=DnaOptions(seed=9))
    b = generate_dna(options=DnaOptions(seed=9))
    write_dna(a, tmp_path / "a")
    write_dna(b, tmp_path / "b")
    for name in ("profiles.csv", "truth.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert generate_dna(options=DnaOptions(seed=10)).children[0].genotypes != a.children[0].genotypes


def test_the_truth_names_absent_families_sellers_decoys_and_missing_relatives(scenario):
    truth = scenario.truth
    families = truth["families"]
    assert sum(not f["searching"] for f in families.values() if not f["decoy"]) == 2
    assert sum(f["decoy"] for f in families.values()) == 3
    sellers = [fid for fid, f in families.items() if f["sold_child"]]
    assert len(sellers) == 2 and all(families[fid]["searching"] for fid in sellers)
    assert [c["sold_by_family"] for c in truth["children"].values()].count(True) == 2
    refs_by_family = {}
    for ref in scenario.references:
        refs_by_family.setdefault(ref.family_id, []).append(ref.relation)
    for fid, fam in families.items():
        assert sorted(refs_by_family.get(fid, [])) == sorted(fam["relatives"])
        assert set(fam["relatives"]).isdisjoint(fam["missing_relatives"])


def test_a_planted_mutation_makes_one_locus_inconsistent_with_the_father():
    s = generate_dna(
        options=DnaOptions(
            children=4,
            absent_families=0,
            decoy_families=0,
            sellers=0,
            missing_relative_rate=0.0,
            planted_mutations=4,
            seed=2,
        )
    )
    assert len(s.truth["mutations"]) == 4
    for child_id, mut in s.truth["mutations"].items():
        fid = s.family_of(child_id)
        child = next(c for c in s.children if c.profile_id == child_id)
        father = next(r for r in s.references if r.profile_id == f"{fid}-father")
        mother = next(r for r in s.references if r.profile_id == f"{fid}-mother")
        locus = mut["locus"]
        assert mut["to"] in child.genotypes[locus]
        assert mut["to"] not in father.genotypes[locus] + mother.genotypes[locus]


def test_a_search_finds_every_searching_family_and_nothing_for_absent_ones(scenario):
    children = panel_profiles(scenario.children, CORE_PANEL)
    refs = panel_profiles(scenario.references, CORE_PANEL)
    results = _search_tolerating_impossible_families(children, refs)
    for result in results:
        fid = scenario.family_of(result.query_id)
        searching = scenario.truth["families"][fid]["searching"]
        families_found = {c.candidate_id.split("-")[0] for c in result.candidates}
        if searching:
            assert fid in families_found, result
        else:
            assert result.status == "no_candidate_above_threshold"


def _search_tolerating_impossible_families(children, refs):
    """A family whose own members need a mutation (a sibling's de novo mutation) makes the engine's family
    scoring raise PedigreeError (it also scores families without mutation); search those members one by one."""
    while True:
        try:
            return KinshipSearch.from_profiles(children, refs, default_frequencies(), SearchSettings()).run()
        except PedigreeError as exc:
            fid = str(exc).split()[1]
            refs = [
                Profile(r.profile_id, r.role, r.genotypes, "", r.relation, r.sex) if r.family_id == fid else r
                for r in refs
            ]


def test_written_profiles_read_back_with_the_engine(tmp_path, scenario):
    csv_path, truth_path = write_dna(scenario, tmp_path, panel=CORE_PANEL)
    profiles = read_profiles(csv_path)
    assert len(profiles) == len(scenario.children) + len(scenario.references)
    assert all(set(p.genotypes) == set(CORE_PANEL) for p in profiles)
    assert json.loads(truth_path.read_text())["seed"] == 5


@pytest.mark.parametrize(
    "options, field",
    [
        (DnaOptions(children=0), "children"),
        (DnaOptions(children=3, absent_families=4), "absent_families"),
        (DnaOptions(children=3, absent_families=2, sellers=2), "sellers"),
        (DnaOptions(missing_relative_rate=1.0), "missing_relative_rate"),
    ],
)
def test_it_refuses_options_it_cannot_satisfy_naming_the_option(options, field):
    with pytest.raises(DnaOptionsError, match=field):
        generate_dna(options=options)
