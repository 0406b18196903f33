"""Records checked on their own in a second process (`precheck.RecordPrecheck`): the same answers as in-process."""

from __future__ import annotations

import json
from pathlib import Path

from kinward.engines.interchange import DatasetValidator, read_dataset
from kinward.engines.interchange.precheck import RecordPrecheck


def break_lines(dataset: Path) -> None:
    """A wrong enum, a date not on the calendar, a line that is not JSON and a blank line, in two files."""
    births = (dataset / "births.jsonl").read_text().splitlines()
    record = json.loads(births[0])
    record["sex"] = "girl"
    births[0] = json.dumps(record)
    births.insert(1, "{not json")
    births.insert(2, "")
    (dataset / "births.jsonl").write_text("\n".join(births) + "\n")
    persons = (dataset / "persons.jsonl").read_text().splitlines()
    record = json.loads(persons[-1])
    record["birth_date"] = "1990-02-30"
    persons[-1] = json.dumps(record)
    (dataset / "persons.jsonl").write_text("\n".join(persons) + "\n")


def outcomes(dataset: Path, check_record=None) -> list:
    validator = DatasetValidator(check_record=check_record)
    return [(item.file, item.line, problems) for item, problems in validator.validate(read_dataset(dataset))]


def test_a_second_process_gives_every_record_the_problems_the_validator_finds_itself(dataset: Path) -> None:
    break_lines(dataset)
    precheck = RecordPrecheck(dataset)
    try:
        found = outcomes(dataset, precheck)
        assert precheck.helper is not None  # answered by the helper, not by the fallback
    finally:
        precheck.close()
    assert found == outcomes(dataset)
    rejected = {(file, line) for file, line, problems in found if problems}
    assert {("births.jsonl", 1), ("births.jsonl", 2)} <= rejected
    assert any(file == "persons.jsonl" for file, _line in rejected)


def test_when_the_second_process_fails_the_records_are_checked_here(dataset: Path) -> None:
    break_lines(dataset)
    precheck = RecordPrecheck(dataset)
    precheck.close()  # as if the helper had died before answering
    assert outcomes(dataset, precheck) == outcomes(dataset)
