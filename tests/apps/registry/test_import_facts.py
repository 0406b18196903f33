"""`kinward import` of certificates, abandonment reports and adoption files: certificates verified against the
manifest's issuer keys (the outcome kept on the row and handed to the rules), the three record types written as
ledger facts in the import's batches, and refs into another dataset rejected with a reason that says so."""

from __future__ import annotations

import json
import shutil

import pytest
from django.db import IntegrityError

from kinward.apps.registry import importer
from kinward.apps.registry.import_facts import imported_certificate_verifier
from kinward.apps.registry.importer import dataset_import
from kinward.apps.registry.ledger_audit import ledger_audit
from kinward.apps.registry.models import AbandonmentReport, AdoptionFile, Birth, Certificate, LedgerLeaf
from kinward.engines.interchange import DatasetWriter, parse_time
from kinward.engines.synth.generate import SynthOptions, generate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth-facts") / "country"
    generate_dataset(folder, SynthOptions(births=300, seed=13))
    return folder


def read(folder, name: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{name}.jsonl").read_text().splitlines()]


def write(folder, name: str, records: list[dict]) -> None:
    (folder / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def manifest_of(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def copy(dataset, tmp_path, name: str):
    target = tmp_path / name
    shutil.copytree(dataset, target)
    return target


def forged(folder) -> set[str]:
    truth = json.loads((folder / "truth.json").read_text())
    return {p["subject"]["ref"] for p in truth["patterns"] if p["pattern"] == "invalid_certificate"}


def outcomes(source: str) -> dict[str, tuple[str, str]]:
    rows = Certificate.objects.filter(source=source)
    return {
        ref: (v, r) for ref, v, r in rows.values_list("external_ref", "verification", "verification_reason")
    }


def test_genuine_certificates_verify_and_the_planted_forgeries_are_invalid(world, dataset):
    report = dataset_import(dataset)
    assert report.total_rejected == 0, report.problems[:3]
    found = outcomes(report.source)
    assert len(found) == manifest_of(dataset)["counts"]["certificates"]
    invalid = {ref for ref, (verdict, _) in found.items() if verdict == "invalid"}
    assert invalid == forged(dataset) and len(invalid) >= 2
    assert all(found[ref][1].startswith("bad_signature") for ref in invalid)
    assert {verdict for ref, (verdict, _) in found.items() if ref not in invalid} == {"valid"}


def test_a_large_certificates_file_is_verified_in_a_second_process_with_the_same_outcomes(
    world, dataset, monkeypatch
):
    monkeypatch.setattr(importer, "PARALLEL_VERIFY_BYTES", 0)
    calls = []
    real = importer.DatasetImport._start_verifying

    def spy(self):
        real(self)
        calls.append(self.verifying is not None)

    monkeypatch.setattr(importer.DatasetImport, "_start_verifying", spy)
    report = dataset_import(dataset)
    assert calls == [True] and report.total_rejected == 0
    found = outcomes(report.source)
    assert {ref for ref, (verdict, _) in found.items() if verdict != "valid"} == forged(dataset)
    assert all(
        found[ref][0] == "invalid" and found[ref][1].startswith("bad_signature") for ref in forged(dataset)
    )


def test_a_certificate_whose_issuer_is_not_listed_is_unverified_not_invalid(world, dataset, tmp_path):
    folder = copy(dataset, tmp_path, "unlisted")
    manifest = manifest_of(folder)
    certificates = read(folder, "certificates")
    office = certificates[0]["issued_by"]
    office_name = next(a["name"] for a in read(folder, "agencies") if a["ref"] == office)
    manifest["issuer_keys"] = [k for k in manifest["issuer_keys"] if k["issuer"] != office_name]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = dataset_import(folder)
    found = outcomes(report.source)
    for certificate in certificates:
        verdict, reason = found[certificate["ref"]]
        if certificate["issued_by"] == office:
            assert verdict == "unverified" and reason.startswith("unknown_key"), certificate["ref"]
        elif certificate["ref"] in forged(folder):
            assert verdict == "invalid"
        else:
            assert verdict == "valid"


def test_without_issuer_keys_sound_certificates_are_unverified_and_placeholders_too(world, dataset, tmp_path):
    folder = copy(dataset, tmp_path, "nokeys")
    manifest = manifest_of(folder)
    del manifest["issuer_keys"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    certificates = read(folder, "certificates")
    certificates[0]["text"] = "KW-DUMMY:C-1:B-1:2025-01-01:0000000000000000"
    certificates[1]["text"] = "KW1:not base45 at all"
    write(folder, "certificates", certificates)
    report = dataset_import(folder)
    found = outcomes(report.source)
    assert found[certificates[0]["ref"]] == ("unverified", "placeholder text (KW-DUMMY:), not a credential")
    assert found[certificates[1]["ref"]][0] == "invalid"
    assert found[certificates[1]["ref"]][1].startswith("bad_base45")
    assert {v for ref, (v, _) in found.items() if ref not in {c["ref"] for c in certificates[:2]}} == {
        "unverified"
    }


def test_a_genuine_certificate_shown_for_another_child_is_invalid(world, dataset, tmp_path):
    folder = copy(dataset, tmp_path, "swapped")
    certificates = read(folder, "certificates")
    genuine = next(c for c in certificates if c["ref"] not in forged(folder))
    other = next(c for c in certificates if c["child"] != genuine["child"])
    genuine["text"] = other["text"]
    write(folder, "certificates", certificates)
    report = dataset_import(folder)
    verdict, reason = outcomes(report.source)[genuine["ref"]]
    child = Birth.objects.get(source=report.source, external_ref=genuine["child"])
    assert verdict == "invalid" and reason.endswith(f"not the child's {child.newborn_id}")


def test_an_unreadable_issuer_key_refuses_the_dataset_naming_the_entry(world, dataset, tmp_path):
    folder = copy(dataset, tmp_path, "badkey")
    manifest = manifest_of(folder)
    manifest["issuer_keys"][1]["kid"] = manifest["issuer_keys"][0]["kid"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = dataset_import(folder)
    assert report.refused and Birth.objects.count() == 0
    problem = report.problems[0]
    assert (problem.file, problem.field) == ("manifest.json", "issuer_keys")
    assert "issuer_keys[1]" in problem.reason and "kid" in problem.reason


def test_the_rules_read_the_outcome_the_import_stored(world, dataset):
    from kinward.engines.rules import default_verifier

    report = dataset_import(dataset)
    manifest = manifest_of(dataset)
    stored = imported_certificate_verifier(report.source)
    rules_own = default_verifier(manifest["issuer_keys"], parse_time(manifest["created"]))
    for certificate in read(dataset, "certificates"):
        assert stored(certificate["text"]).status == rules_own(certificate["text"]).status
    assert stored("KW1:never imported").status == "unverified"


def test_certificates_reports_and_files_are_ledger_facts_without_personal_values(world, dataset):
    report = dataset_import(dataset, batch_size=50)
    assert ledger_audit().ok
    certificate = Certificate.objects.filter(source=report.source).first()
    leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=certificate.ledger_index).data))
    assert leaf["kind"] == "certificate" and leaf["event_id"] == str(certificate.public_id)
    assert leaf["newborn_id"] == certificate.child.newborn_id and leaf["facility"] == certificate.issued_by_id
    assert set(leaf["commitments"]) == {"text", "external_ref"}
    assert certificate.text not in json.dumps(leaf) and certificate.external_ref not in json.dumps(leaf)

    abandonment = AbandonmentReport.objects.filter(source=report.source).exclude(event=None).first()
    leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=abandonment.ledger_index).data))
    assert leaf["kind"] == "abandonment_report" and leaf["ids"]["event"] == str(abandonment.event.event_id)
    assert {"reported_by", "found_at", "place", "condition"} <= set(leaf["commitments"])
    assert abandonment.place not in json.dumps(leaf)

    adoption = AdoptionFile.objects.filter(source=report.source).first()
    leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=adoption.ledger_index).data))
    assert leaf["kind"] == "adoption_file" and leaf["facility"] == adoption.adoption_agency_id
    assert {"adoptive_parents", "stated_birth_date", "documents"} <= set(leaf["commitments"])
    assert adoption.stated_birth_date.isoformat() not in json.dumps(leaf)
    again = dataset_import(dataset)
    assert sum(again.accepted.values()) == 0 and again.unchanged == manifest_of(dataset)["counts"]


def test_a_batch_the_database_refuses_leaves_no_leaf_and_only_the_refused_record_is_rejected(
    world, dataset, monkeypatch
):
    certificates = read(dataset, "certificates")
    refused = certificates[3]["ref"]
    real = importer.FACT_WRITERS["certificates"]

    def writer(rows):
        written = real(rows)  # rows and leaves are in the batch's transaction: the error rolls both back
        if any(row.external_ref == refused for row in rows):
            raise IntegrityError("simulated refusal")
        return written

    monkeypatch.setitem(importer.FACT_WRITERS, "certificates", writer)
    report = dataset_import(dataset, batch_size=10)
    assert report.rejected["certificates"] == 1
    problem = next(p for p in report.problems if p.file == "certificates.jsonl")
    assert (problem.ref, problem.line) == (refused, 4) and "simulated refusal" in problem.reason
    assert report.accepted["certificates"] == len(certificates) - 1
    assert ledger_audit().ok  # no leaf without its row


def test_a_ref_into_another_dataset_is_rejected_naming_record_field_and_where_it_came_from(
    world, dataset, tmp_path
):
    first = dataset_import(dataset)
    births = read(dataset, "births")
    child = next(b for b in births if b["outcome"] == "live")
    staff = next(s for s in read(dataset, "staff") if s["agency"] == child["facility"])
    agency = next(a for a in read(dataset, "agencies") if a["ref"] == child["facility"])
    region = next(r for r in read(dataset, "regions") if r["level"] == "country")
    day = {k: v for k, v in manifest_of(dataset).items() if k not in ("counts", "issuer_keys")}
    for source in ("a hospital system, day 2", first.source):
        folder = tmp_path / f"day-{len(source)}"
        with DatasetWriter(folder, {**day, "source": source}) as writer:
            writer.write("regions", region)
            writer.write("agencies", {**agency, "region": region["ref"]})
            writer.write("staff", staff)
            writer.write(
                "custody_events",
                {
                    "ref": "E-DAY2-1",
                    "child": child["ref"],
                    "type": "death",
                    "time": "2025-12-30T10:00:00+07:00",
                    "facility": agency["ref"],
                    "recorded_by": staff["ref"],
                    "cause": "prematurity",
                },
            )
        report = dataset_import(folder)
        assert report.rejected["custody_events"] == 1
        problem = next(p for p in report.problems if p.file == "custody_events.jsonl")
        assert (problem.line, problem.ref, problem.field) == (1, "E-DAY2-1", "child")
        assert f"points at births record {child['ref']!r}, which is not in this dataset" in problem.reason
        assert f"imported earlier from source {first.source!r}" in problem.reason
        assert ("this dataset's own source" in problem.reason) == (source == first.source)
        assert "format version 1 resolves a ref only within its own dataset" in problem.reason
    unknown = tmp_path / "unknown"
    with DatasetWriter(unknown, {**day, "source": "elsewhere"}) as writer:
        writer.write("regions", {**region, "ref": "R-X"})
        writer.write("agencies", {**agency, "ref": "A-X", "region": "R-X"})
        writer.write("staff", {**staff, "ref": "S-X", "agency": "A-X"})
        writer.write(
            "certificates",
            {
                "ref": "C-X",
                "child": "B-NOWHERE",
                "issued_on": "2025-01-02",
                "issued_by": "A-X",
                "text": "KW1:X",
            },
        )
    report = dataset_import(unknown)
    problem = next(p for p in report.problems if p.file == "certificates.jsonl")
    assert (problem.ref, problem.field) == ("C-X", "child")
    assert problem.reason == "points at births record 'B-NOWHERE', which does not exist"


def test_when_the_verifying_process_fails_the_import_verifies_in_its_own(world, dataset, monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_VERIFY_BYTES", 0)
    monkeypatch.setattr(importer.sys, "executable", "/bin/false")
    report = dataset_import(dataset)
    assert report.total_rejected == 0
    found = outcomes(report.source)
    assert {ref for ref, (verdict, _) in found.items() if verdict != "valid"} == forged(dataset)


def test_the_same_children_under_another_source_are_refused_naming_the_newborn_id(world, dataset, tmp_path):
    dataset_import(dataset)
    folder = copy(dataset, tmp_path, "again-elsewhere")
    manifest = manifest_of(folder)
    manifest["source"] = "the same country, sent again by someone else"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    report = dataset_import(folder)
    assert report.accepted["births"] == 0 and report.rejected["births"] == manifest["counts"]["births"]
    problem = next(p for p in report.problems if p.file == "births.jsonl")
    assert (problem.line, problem.field) == (1, "newborn_id")
    assert problem.reason == "refused by the database: newborn_id is already held by another child"
