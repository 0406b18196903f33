"""Long-format STR profile CSV parsing and its error messages."""

from __future__ import annotations

import pytest

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
        ("C1,child,XYZ99,9,10\n", r"profile C1: unknown locus name 'XYZ99'"),
        ("C1,child,TH01,9,ten\n", r"profile C1 locus TH01: malformed allele 'ten'"),
        ("C1,child,TH01,9,10\nC1,child,th01,9,10\n", r"profile C1: duplicate locus 'th01' \(TH01\)"),
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
