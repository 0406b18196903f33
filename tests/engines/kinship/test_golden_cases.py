"""Every golden case (kinship-golden cases.json, 16 cases, 85 checks) must pass within its tolerance."""

from __future__ import annotations

import json

import pytest

from kinward.cli import main
from kinward.engines.kinship.cases import check_case, format_report, load_cases
from kinward.engines.kinship.errors import CaseFileError

from .conftest import DATA

CASES = load_cases(DATA / "golden-cases.json")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_it_reproduces_the_golden_case(case):
    checks = check_case(case)
    assert checks, "a case must produce at least one check"
    failed = [c for c in checks if not c.passed]
    assert not failed, format_report(failed)


def test_all_85_golden_checks_are_computed():
    assert sum(len(check_case(c)) for c in CASES) == 85


def test_check_cases_command_exits_zero_and_prints_every_check(capsys, tmp_path):
    report = tmp_path / "report.txt"
    code = main(["kinship", "check-cases", str(DATA / "golden-cases.json"), "--report", str(report)])
    out = capsys.readouterr().out
    assert code == 0
    assert "85 passed, 0 failed" in out
    assert "760.34448" in out and "FAIL" not in out.replace("PASS/FAIL", "")
    assert report.read_text() == out


def test_check_cases_command_exits_non_zero_when_a_case_is_outside_tolerance(tmp_path, capsys):
    case = json.loads(json.dumps(CASES[0]))
    case["expected"]["value"] = 201.0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([case]))
    assert main(["kinship", "check-cases", str(path)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_the_stepwise_case_rejects_an_untyped_mother_transmitting_p_instead_of_pT_M():
    # README sensitivity table: using p for the untyped mother's gamete gives 762.2956, not 760.3445.
    case = next(c for c in CASES if c["id"].startswith("pedFamilias-paternity-fam-stepwise"))
    lr = check_case(case)[0].computed
    assert lr == pytest.approx(760.3445, rel=1e-6)
    assert abs(lr - 762.2956) > 1


def test_it_refuses_a_case_file_that_is_not_a_list(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"id": 1}')
    with pytest.raises(CaseFileError, match="expected a JSON list"):
        load_cases(path)
