"""validate_record: one record against its schema and the calendar, with file, line, ref, field and reason."""

from __future__ import annotations

from typing import Any

import pytest

from kinward.engines.interchange import validate_record

DISCHARGE = {
    "ref": "E-1",
    "child": "B-1",
    "type": "discharge",
    "time": "2025-03-10T10:00:00+07:00",
    "recorded_by": "S-2",
    "to": "X-1",
    "relationship": "father",
    "id_document_checked": True,
}
BIRTH = {
    "ref": "B-1",
    "delivery": "D-1",
    "facility": "F-1",
    "time": "2025-03-08T23:40:00+07:00",
    "attendant": "S-1",
    "mother": "M-1",
    "sex": "female",
    "weight_g": 3100,
    "outcome": "live",
}


def fields(problems: list[Any]) -> dict[str | None, str]:
    return {p.field: p.reason for p in problems}


def test_a_valid_record_has_no_problems() -> None:
    assert validate_record("custody_events", DISCHARGE) == []
    assert validate_record("births", BIRTH) == []


def test_it_rejects_a_field_the_format_does_not_list() -> None:
    problems = validate_record("births", BIRTH | {"colour": "red"}, file="births.jsonl", line=4)
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.line, p.ref, p.field) == ("births.jsonl", 4, "B-1", "colour")
    assert "not a field" in p.reason
    assert str(p).startswith("births.jsonl:4 ref=B-1 field=colour:")


def test_it_requires_a_reason_when_the_mother_is_null() -> None:
    assert fields(validate_record("births", BIRTH | {"mother": None})) == {
        "mother_absent_reason": "is required when mother is null"
    }
    assert validate_record("births", BIRTH | {"mother": None, "mother_absent_reason": "foundling"}) == []


def test_it_requires_relationship_detail_exactly_when_relationship_is_other() -> None:
    other = DISCHARGE | {"relationship": "other"}
    assert "relationship_detail" in fields(validate_record("custody_events", other))
    assert validate_record("custody_events", other | {"relationship_detail": "grandmother"}) == []
    detail_for_father = DISCHARGE | {"relationship_detail": "stepfather"}
    assert fields(validate_record("custody_events", detail_for_father))["relationship_detail"].startswith(
        "is not allowed"
    )


def test_custody_event_fields_follow_the_event_type() -> None:
    transfer = {k: v for k, v in DISCHARGE.items() if k not in ("to", "relationship", "id_document_checked")}
    transfer |= {"type": "transfer"}
    assert fields(validate_record("custody_events", transfer)) == {
        "to_facility": "is required when type is transfer"
    }
    problems = fields(validate_record("custody_events", transfer | {"to_facility": "G-1", "cause": "sepsis"}))
    assert problems == {"cause": "is not allowed when type is transfer"}


def test_a_guardianship_document_belongs_to_legal_guardian_discharges_only() -> None:
    document = {"number": "GD-1", "issued_by": "G-1", "issued_on": "2025-03-01"}
    guardian = DISCHARGE | {"relationship": "legal_guardian", "guardianship_document": document}
    assert validate_record("custody_events", guardian) == []
    assert "guardianship_document" in fields(
        validate_record("custody_events", guardian | {"relationship": "father"})
    )


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("id_document_checked", True, True),
        ("id_document_checked", "yes", False),
        ("time", "2025-03-10T11:00:00+07:00", True),
        ("time", "2025-03-10 11:00", False),
        ("adoptive_parents", ["AP-1"], True),
        ("adoptive_parents", "AP-1", False),
        ("relationship", "mother", True),
        ("relationship", "aunt", False),
        ("decided_on", "2025-02-30", False),
    ],
)
def test_a_corrections_new_value_has_the_json_type_of_the_corrected_field(
    field: str, value: Any, ok: bool
) -> None:
    correction = {
        "ref": "E-9",
        "child": "B-1",
        "type": "correction",
        "time": "2025-03-11T09:00:00+07:00",
        "recorded_by": "S-2",
        "corrects": "E-1",
        "field": field,
        "new_value": value,
        "reason": "typo",
    }
    problems = validate_record("custody_events", correction)
    assert (problems == []) is ok, problems
    if not ok:
        assert {p.field for p in problems} == {"new_value"}


def test_a_suspended_or_revoked_licence_needs_its_status_since_date() -> None:
    licence = {"number": "L", "valid_from": "2021-01-01", "valid_to": "2030-01-01", "status": "revoked"}
    agency = {"ref": "G-3", "name": "n", "kind": "adoption_agency", "region": "R-1", "licence": licence}
    assert fields(validate_record("agencies", agency)) == {
        "licence.status_since": "is required when status is one of suspended, revoked"
    }
    assert validate_record("agencies", agency | {"licence": licence | {"status_since": "2025-01-01"}}) == []
    assert validate_record("agencies", agency | {"licence": licence | {"status": "active"}}) == []


@pytest.mark.parametrize(
    "time",
    [
        "2025-03-08T23:40:00",
        "2025-03-08",
        "2025-03-08T23:40:00+0700",
        "2025-13-08T23:40:00Z",
        "2025-02-30T10:00:00Z",
    ],
)
def test_times_need_an_offset_and_must_exist(time: str) -> None:
    problems = validate_record("births", BIRTH | {"time": time})
    assert [p.field for p in problems] == ["time"]


def test_z_and_fractional_seconds_are_rfc_3339_times() -> None:
    assert validate_record("births", BIRTH | {"time": "2025-03-08T16:40:00.250Z"}) == []


def test_dates_must_be_calendar_days() -> None:
    pregnancy = {
        "ref": "P-1",
        "mother": "M-1",
        "facility": "F-1",
        "enrolled_on": "2024-10-01",
        "expected_date": "2025-02-29",
        "visits": ["2024-10-01", "2024-10-32"],
    }
    assert {p.field for p in validate_record("pregnancies", pregnancy)} == {"expected_date", "visits[1]"}


def test_the_country_region_has_a_null_parent_and_others_a_parent() -> None:
    assert validate_record("regions", {"ref": "R", "name": "n", "level": "country", "parent": None}) == []
    assert [
        p.field
        for p in validate_record("regions", {"ref": "R", "name": "n", "level": "country", "parent": "X"})
    ] == ["parent"]
    assert [
        p.field
        for p in validate_record("regions", {"ref": "R", "name": "n", "level": "district", "parent": None})
    ] == ["parent"]


def test_a_phone_must_be_e164_and_a_country_two_capitals() -> None:
    person = {
        "ref": "M",
        "given_name": "Sri",
        "sex": "female",
        "phone": "0812345",
        "id_document": {"type": "national_id", "number": "1", "country": "idn"},
    }
    assert {p.field for p in validate_record("persons", person)} == {"phone", "id_document.country"}


def test_a_certificate_ref_is_allowed_on_birth_certificates_only() -> None:
    document = {"type": "court_order", "number": "1", "issued_on": "2025-01-01", "certificate": "C-1"}
    adoption = {
        "ref": "AF",
        "adoption_agency": "G",
        "adoptive_parents": ["AP"],
        "stated_birth_date": "2025-01-01",
        "filed_on": "2025-02-01",
        "documents": [document],
    }
    assert [p.field for p in validate_record("adoption_files", adoption)] == ["documents[0].certificate"]


def test_a_record_that_is_not_an_object_is_one_problem() -> None:
    problems = validate_record("births", ["B-1"])
    assert len(problems) == 1 and problems[0].ref is None
