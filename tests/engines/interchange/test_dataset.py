"""Whole datasets: streaming in load order, references, uniqueness, manifest version and counts, the writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kinward.engines.interchange import (
    RECORD_TYPES,
    DatasetError,
    DatasetValidator,
    DatasetWriter,
    check_manifest,
    read_dataset,
    read_manifest,
    validate_dataset,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "interchange" / "minimal"


def append_line(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(text + "\n")


def test_the_minimal_dataset_is_accepted_whole() -> None:
    report = validate_dataset(DATA)
    assert report.ok, [str(p) for p in report.problems]
    assert sum(report.accepted.values()) == 35
    assert set(report.accepted) == set(RECORD_TYPES)


def test_records_stream_type_by_type_in_load_order_with_line_numbers() -> None:
    lines = list(read_dataset(DATA))
    order = [line.type for line in lines]
    assert order == sorted(order, key=RECORD_TYPES.index)
    first_birth = next(line for line in lines if line.type == "births")
    assert (first_birth.file, first_birth.line, first_birth.record["ref"]) == ("births.jsonl", 1, "B-1")


def test_forward_references_within_a_type_resolve_at_the_end_of_the_file() -> None:
    results = list(DatasetValidator().validate(read_dataset(DATA)))
    regions = [item.record["ref"] for item, problems in results if item.type == "regions" and not problems]
    assert regions == ["R-1", "R-2", "R-3"]  # R-3 waited for its province R-2
    events = [item.record["ref"] for item, _ in results if item.type == "custody_events"]
    assert events.index("E-1") < events.index("E-4")


def test_it_rejects_a_record_pointing_at_a_missing_record_and_keeps_the_others(dataset: Path) -> None:
    append_line(
        dataset / "certificates.jsonl",
        '{"ref":"C-2","child":"B-99","issued_on":"2025-04-01","issued_by":"G-4","text":""}',
    )
    report = validate_dataset(dataset)
    assert report.accepted["certificates"] == 1 and report.rejected["certificates"] == 1
    problem = next(p for p in report.problems if p.ref == "C-2")
    assert (problem.file, problem.line, problem.field) == ("certificates.jsonl", 2, "child")
    assert problem.reason == "points at births record 'B-99', which does not exist"


def test_a_record_pointing_at_a_rejected_record_is_rejected_too(dataset: Path) -> None:
    append_line(dataset / "persons.jsonl", '{"ref":"M-9","given_name":"Ani","sex":"woman"}')
    append_line(
        dataset / "pregnancies.jsonl",
        '{"ref":"P-9","mother":"M-9","facility":"F-1",'
        '"enrolled_on":"2025-01-01","expected_date":"2025-07-01","visits":[]}',
    )
    report = validate_dataset(dataset)
    reasons = {p.ref: p.reason for p in report.problems}
    assert reasons["P-9"] == "points at persons record 'M-9', which was rejected"


def test_refs_are_unique_within_a_type(dataset: Path) -> None:
    append_line(dataset / "staff.jsonl", '{"ref":"S-1","agency":"F-2","role":"nurse","name":"Ani"}')
    report = validate_dataset(dataset)
    assert [(p.line, p.field) for p in report.problems if p.file == "staff.jsonl"] == [(6, "ref")]


def test_the_same_ref_in_another_type_is_fine() -> None:
    validator = DatasetValidator()
    assert validator.refs["births"] == set()
    report = validate_dataset(DATA)
    assert report.ok


def test_a_stillbirth_has_no_custody_events(dataset: Path) -> None:
    append_line(
        dataset / "custody_events.jsonl",
        '{"ref":"E-9","child":"B-3","type":"death",'
        '"time":"2025-04-02T12:00:00Z","recorded_by":"S-1","cause":"x"}',
    )
    problem = next(p for p in validate_dataset(dataset).problems if p.ref == "E-9")
    assert problem.reason == "a stillbirth has no custody events"


def test_a_correction_must_name_a_field_of_the_corrected_event(dataset: Path) -> None:
    append_line(
        dataset / "custody_events.jsonl",
        '{"ref":"E-9","child":"B-2","type":"correction",'
        '"time":"2025-04-02T12:00:00Z","recorded_by":"S-1","corrects":"E-3","field":"cause",'
        '"new_value":"x","reason":"r"}',
    )
    problem = next(p for p in validate_dataset(dataset).problems if p.ref == "E-9")
    assert (problem.field, problem.reason) == ("field", "a transfer event has no field 'cause'")


def test_a_corrected_reference_must_exist(dataset: Path) -> None:
    append_line(
        dataset / "custody_events.jsonl",
        '{"ref":"E-9","child":"B-1","type":"correction",'
        '"time":"2025-04-02T12:00:00Z","recorded_by":"S-1","corrects":"E-1","field":"to",'
        '"new_value":"NOBODY","reason":"r"}',
    )
    problem = next(p for p in validate_dataset(dataset).problems if p.ref == "E-9")
    assert problem.field == "new_value" and "NOBODY" in problem.reason


def test_an_abandonment_report_must_report_an_abandonment_of_the_same_child(dataset: Path) -> None:
    base = (
        '"facility":"F-1","reported_by":"S-2","found_at":"2025-03-20T07:00:00+07:00",'
        '"reported_at":"2025-03-21T10:00:00+07:00","place":"p","condition":"c"}'
    )
    append_line(dataset / "abandonment_reports.jsonl", '{"ref":"AR-2","event":"E-3",' + base)
    append_line(dataset / "abandonment_reports.jsonl", '{"ref":"AR-3","child":"B-1","event":"E-2",' + base)
    problems = {p.ref: p for p in validate_dataset(dataset).problems}
    assert problems["AR-2"].reason == "custody event 'E-3' is a transfer, not an abandonment_found"
    assert problems["AR-3"].field == "child"


def test_a_forward_reference_that_never_resolves_is_rejected(dataset: Path) -> None:
    append_line(dataset / "regions.jsonl", '{"ref":"R-9","name":"n","level":"district","parent":"R-404"}')
    problem = next(p for p in validate_dataset(dataset).problems if p.ref == "R-9")
    assert problem.reason == "points at regions record 'R-404', which does not exist"


def test_a_line_that_is_not_json_is_rejected_alone(dataset: Path) -> None:
    append_line(dataset / "births.jsonl", '{"ref": "B-9",')
    (dataset / "staff.jsonl").write_bytes((dataset / "staff.jsonl").read_bytes() + b'"\xff"\n')
    report = validate_dataset(dataset)
    reasons = {(p.file, p.line): p.reason for p in report.problems}
    assert reasons[("births.jsonl", 4)].startswith("line is not JSON")
    assert reasons[("staff.jsonl", 6)].startswith("line is not UTF-8")
    assert report.accepted["births"] == 3


def test_it_refuses_a_newer_minor_version_naming_both_versions(dataset: Path) -> None:
    manifest = read_manifest(dataset) | {"version": "1.1"}
    (dataset / "manifest.json").write_text(json.dumps(manifest))
    report = validate_dataset(dataset)
    assert report.refused and report.accepted == {}
    assert report.problems[0].reason.startswith(
        "dataset is format version 1.1, newer than the version this reader supports (1.0)"
    )


@pytest.mark.parametrize("version", [1, "1", "1.0", 1.0])
def test_it_accepts_version_1_written_any_usual_way(version: object) -> None:
    manifest = read_manifest(DATA) | {"version": version}
    assert check_manifest(manifest) == []


@pytest.mark.parametrize(
    ("version", "words"), [(2, "format version 2.0, newer"), ("0.9", "format version 0.9, not")]
)
def test_it_refuses_another_major_version(version: object, words: str) -> None:
    problems = check_manifest(read_manifest(DATA) | {"version": version})
    assert words in problems[0].reason


def test_it_refuses_a_manifest_with_an_unlisted_field_or_wrong_format() -> None:
    problems = check_manifest(read_manifest(DATA) | {"format": "csv", "owner": "x"})
    assert {p.field for p in problems} == {"format", "owner"}


def test_manifest_counts_must_match_the_files(dataset: Path) -> None:
    manifest = read_manifest(dataset)
    manifest["counts"]["births"] = 4
    (dataset / "manifest.json").write_text(json.dumps(manifest))
    report = validate_dataset(dataset)
    assert [p.field for p in report.problems] == ["counts.births"]
    assert not report.ok


def test_unknown_files_are_reported(dataset: Path) -> None:
    (dataset / "babies.jsonl").write_text("{}\n")
    assert [p.file for p in validate_dataset(dataset).problems] == ["babies.jsonl"]


def test_a_folder_without_manifest_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="manifest.json: missing"):
        validate_dataset(tmp_path)
    with pytest.raises(DatasetError, match="not a dataset folder"):
        list(read_dataset(tmp_path / "nothing"))


def test_the_writer_round_trips_the_minimal_dataset(tmp_path: Path) -> None:
    manifest = read_manifest(DATA)
    fields = {k: manifest[k] for k in ("country", "coverage_from", "created", "source")}
    with DatasetWriter(tmp_path / "copy", fields) as writer:
        for item in read_dataset(DATA):
            writer.write(item.type, item.record)
    written = read_manifest(tmp_path / "copy")
    assert written["counts"] == manifest["counts"]
    assert written["format"] == "kinward-interchange" and written["version"] == 1
    assert validate_dataset(tmp_path / "copy").ok
    again = [(i.type, i.record) for i in read_dataset(tmp_path / "copy")]
    assert again == [(i.type, i.record) for i in read_dataset(DATA)]


def test_the_writer_refuses_unknown_types_and_missing_manifest_fields(tmp_path: Path) -> None:
    from kinward.engines.interchange import WriterError

    with pytest.raises(WriterError, match="'created' is required"):
        DatasetWriter(tmp_path, {"country": "ID", "coverage_from": "x", "source": "s"})
    writer = DatasetWriter(tmp_path, {"country": "ID", "coverage_from": "x", "created": "y", "source": "s"})
    with pytest.raises(WriterError, match="unknown record type 'babies'"):
        writer.write("babies", {})


def test_an_importer_can_stop_before_reading_records_of_an_unsupported_version(dataset: Path) -> None:
    from kinward.engines.interchange import UnsupportedVersionError, require_supported_manifest

    assert require_supported_manifest(dataset)["country"] == "ID"
    (dataset / "manifest.json").write_text(json.dumps(read_manifest(dataset) | {"version": "1.2"}))
    with pytest.raises(UnsupportedVersionError, match=r"version 1\.2, newer than .* \(1\.0\)"):
        require_supported_manifest(dataset)
    (dataset / "manifest.json").write_text(
        json.dumps(read_manifest(dataset) | {"version": 1, "country": "XYZ"})
    )
    with pytest.raises(DatasetError, match="country"):
        require_supported_manifest(dataset)


def test_issuer_keys_are_entries_of_the_published_key_list_form() -> None:
    entry = {
        "kid": "3so8PGWK6Ww=",
        "alg": "EdDSA",
        "public_key": "ynI921FwDqYt3GmDnTZKpA8lVnZ9j5sQqzqQK3cW4jA=",
        "issuer": "Civil Registry North",
        "valid_from": "2024-01-01T00:00:00Z",
        "valid_to": None,
        "status": "active",
        "revoked_at": None,
    }
    assert check_manifest(read_manifest(DATA) | {"issuer_keys": [entry]}) == []
    problems = check_manifest(read_manifest(DATA) | {"issuer_keys": [entry | {"key": "x"}, {"kid": "AA=="}]})
    assert problems and all(p.field.startswith("issuer_keys") for p in problems)


def test_an_outside_hook_names_where_a_ref_missing_from_the_dataset_came_from(dataset: Path) -> None:
    append_line(
        dataset / "certificates.jsonl",
        '{"ref":"C-2","child":"B-99","issued_on":"2025-04-01","issued_by":"G-4","text":""}',
    )
    asked = []

    def outside(rtype: str, ref: str) -> str | None:
        asked.append((rtype, ref))
        return "imported earlier from source 'day 1'" if ref == "B-99" else None

    found = [p for _, ps in DatasetValidator(outside=outside).validate(read_dataset(dataset)) for p in ps]
    assert asked == [("births", "B-99")]
    assert [(p.ref, p.field, p.reason) for p in found] == [
        (
            "C-2",
            "child",
            "points at births record 'B-99', which is not in this dataset: imported earlier from "
            "source 'day 1'",
        )
    ]
