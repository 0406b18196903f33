"""Long-format STR profile CSV parsing and its error messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.kinship.errors import ProfileError
from kinward.engines.kinship.profiles import read_profiles

HEADER = "profile_id,role,locus,allele1,allele2\n"


def write(tmp_path, body, header=HEADER):
    path = tmp_path / "profiles.csv"
    path.write_text(header + body)
    return path


def test_it_reads_profiles_with_aliases_microvariants_and_missing_loci(tmp_path):
    path = write(
        tmp_path, "C1,child,PENTA_D,9.3,9\nC1,child,VWA,17,17\nC1,child,TH01,,\nR1,reference,vWA,16,18\n"
    )
    c1, r1 = read_profiles(path)
    assert c1.genotypes == {"Penta D": ("9", "9.3"), "vWA": ("17", "17")}
    assert r1.role == "reference" and r1.loci == ["vWA"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("C1,child,XYZ99,9,10\n", r"profiles.csv:2: profile C1 locus XYZ99: unknown locus name 'XYZ99'"),
        ("C1,child,TH01,9,ten\n", r"profile C1 locus TH01: malformed allele 'ten'"),
        (
            "C1,child,TH01,9,10\nC1,child,th01,9,10\n",
            r"profile C1 locus TH01: duplicate locus 'th01' \(TH01; first given on line 2\)",
        ),
        ("C1,child,TH01,9,\n", r"profile C1 locus TH01: only one allele"),
    ],
)
def test_it_refuses_bad_rows_naming_profile_locus_and_problem(tmp_path, body, message):
    with pytest.raises(ProfileError, match=message):
        read_profiles(write(tmp_path, body))


def test_it_refuses_a_file_without_the_required_columns(tmp_path):
    with pytest.raises(ProfileError, match="allele2"):
        read_profiles(write(tmp_path, "C1,child,TH01,9\n", header="profile_id,role,locus,allele1\n"))


def test_it_reads_family_relation_and_sex_columns(tmp_path):
    header = "profile_id,role,locus,allele1,allele2,family_id,relation,sex\n"
    path = write(tmp_path, "F1,reference,TH01,6,7,FAM1,father,M\n", header=header)
    (f1,) = read_profiles(path)
    assert (f1.family_id, f1.relation, f1.sex) == ("FAM1", "father", "M")
    with pytest.raises(ProfileError, match="relation 'cousin'"):
        read_profiles(write(tmp_path, "F1,reference,TH01,6,7,FAM1,cousin,M\n", header=header))


def test_it_reports_every_bad_row_of_a_file_and_uses_none_of_it(tmp_path):
    body = (
        "C1,child,TH01,6,7\n"  # line 2: good
        "C1,child,XYZ99,9,10\n"  # line 3: unknown locus
        "C1,child,vWA,16,x\n"  # line 4: malformed allele
        "C1,child,th01,6,7\n"  # line 5: duplicate locus through an alias
        "R1,reference,FGA,21,\n"  # line 6: one allele only
        "R1,reference,D8S1179,12,13\n"  # line 7: good
        "R1,child,D21S11,29,30\n"  # line 8: conflicting role
    )
    with pytest.raises(ProfileError) as info:
        read_profiles(write(tmp_path, body))
    problems = [(p.line, p.profile, p.locus) for p in info.value.problems]
    assert problems == [
        (3, "C1", "XYZ99"),
        (4, "C1", "vWA"),
        (5, "C1", "TH01"),
        (6, "R1", "FGA"),
        (8, "R1", ""),
    ]
    message = str(info.value)
    assert "5 rows refused, nothing used" in message
    assert "profiles.csv:4: profile C1 locus vWA: malformed allele 'x'" in message
    assert "profiles.csv:8: profile R1: role 'child' conflicts with 'reference'" in message


def test_check_profile_rows_returns_the_accepted_profiles_beside_the_problems():
    from kinward.engines.kinship.profiles import check_profile_rows

    rows = [
        {"profile_id": "C1", "role": "child", "locus": "TH01", "allele1": "6", "allele2": "7"},
        {"profile_id": "C1", "role": "child", "locus": "TH01", "allele1": "8", "allele2": "9"},
        {"profile_id": "C2", "role": "child", "locus": "vWA", "allele1": "", "allele2": ""},
    ]
    profiles, problems = check_profile_rows(rows)
    assert [(p.profile_id, p.genotypes) for p in profiles] == [("C1", {"TH01": ("6", "7")}), ("C2", {})]
    assert [(p.line, p.locus, p.problem.split(" (")[0]) for p in problems] == [
        (3, "TH01", "duplicate locus 'TH01'")
    ]


@given(st.lists(st.sampled_from(["6", "7", "9.3", "x", "", "10", "0A"]), min_size=2, max_size=12))
def test_every_refused_row_is_reported_and_nothing_is_returned_when_one_is(alleles):
    from kinward.engines.kinship.profiles import check_profile_rows, parse_profiles

    loci = ["TH01", "vWA", "FGA", "D8S1179", "D21S11", "D18S51"]
    rows = [
        {"profile_id": f"P{k}", "role": "child", "locus": loci[k % 6], "allele1": a, "allele2": "7"}
        for k, a in enumerate(alleles)
    ]
    bad = [k + 2 for k, a in enumerate(alleles) if a in ("x", "", "0A")]
    _, problems = check_profile_rows(rows)
    assert [p.line for p in problems] == bad
    if bad:
        with pytest.raises(ProfileError) as info:
            parse_profiles(rows)
        assert [p.line for p in info.value.problems] == bad
    else:
        assert len(parse_profiles(rows)) == len(rows)
