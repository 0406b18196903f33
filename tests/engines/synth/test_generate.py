"""The synthetic dataset: valid under the interchange format, deterministic by seed, with truth as specified."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kinward.engines.interchange import RECORD_TYPES, read_dataset, read_manifest, validate_dataset
from kinward.engines.synth import PATTERNS, SynthOptions, SynthOptionsError, generate_dataset


@pytest.mark.parametrize("seed", [7, 11])
def test_a_2000_birth_dataset_validates_with_zero_problems(synth_dir, seed: int) -> None:
    result = synth_dir(2000, seed)
    report = validate_dataset(result.path)
    assert report.ok, [str(p) for p in report.problems[:10]]
    assert report.accepted["births"] == 2000
    assert set(report.accepted) == set(RECORD_TYPES)


@pytest.mark.parametrize("country", ["KZ", "CN"])
def test_other_countries_validate_too(synth_dir, country: str) -> None:
    result = synth_dir(600, 3, country)
    assert validate_dataset(result.path).ok
    assert result.manifest["country"] == country


def test_the_same_seed_gives_byte_identical_files(tmp_path: Path, synth_dir) -> None:
    first = synth_dir(2000, 7).path
    generate_dataset(tmp_path / "again", SynthOptions(births=2000, seed=7))
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in (tmp_path / "again").iterdir())
    for name in names:
        assert (first / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name


def test_another_seed_gives_another_dataset(synth_dir) -> None:
    a, b = synth_dir(2000, 7).path, synth_dir(2000, 11).path
    assert (a / "births.jsonl").read_bytes() != (b / "births.jsonl").read_bytes()


def test_the_manifest_now_is_fixed_by_the_options_not_the_clock(synth_dir) -> None:
    manifest = read_manifest(synth_dir(2000, 7).path)
    assert manifest["created"] == "2026-01-01T00:00:00+07:00"
    assert manifest["coverage_from"] == "2024-01-02T00:00:00+07:00"
    assert manifest["counts"]["births"] == 2000


def test_truth_has_exactly_the_interchange_shape_and_every_pattern(synth_dir) -> None:
    result = synth_dir(2000, 7)
    truth = json.loads((result.path / "truth.json").read_text(encoding="utf-8"))
    assert truth == result.truth
    assert set(truth) == {"seed", "patterns"} and truth["seed"] == 7
    subject_types = {
        "vanished_pregnancy": "pregnancies",
        "non_guardian_discharge": "custody_events",
        "serial_mother": "persons",
        "facility_anomaly": "agencies",
        "clinic_ring": "agencies",
        "adoption_mismatch": "adoption_files",
        "unlicensed_agency": "agencies",
        "missed_abandonment_report": "births",
        "late_abandonment_report": "abandonment_reports",
        "invalid_certificate": "certificates",
    }
    assert {p["pattern"] for p in truth["patterns"]} == set(PATTERNS) == set(subject_types)
    refs = {t: set() for t in RECORD_TYPES}
    for item in read_dataset(result.path):
        refs[item.type].add(item.record["ref"])
    for planted in truth["patterns"]:
        assert set(planted) == {"pattern", "subject", "evidence"}
        assert planted["subject"]["type"] == subject_types[planted["pattern"]]
        assert planted["subject"]["ref"] in refs[planted["subject"]["type"]]
        assert planted["evidence"]
        for evidence in planted["evidence"]:
            assert set(evidence) == {"type", "ref"} and evidence["ref"] in refs[evidence["type"]]


def test_it_refuses_too_few_births_or_an_unknown_country(tmp_path: Path) -> None:
    with pytest.raises(SynthOptionsError, match="at least 200"):
        generate_dataset(tmp_path, SynthOptions(births=10, seed=1))
    with pytest.raises(SynthOptionsError, match="'FR' is not modelled"):
        generate_dataset(tmp_path, SynthOptions(births=500, seed=1, country="FR"))


def test_certificate_text_is_pluggable_and_planted_invalid_ones_stay_invalid(tmp_path: Path) -> None:
    seen = []

    def text(claims: dict) -> str:
        seen.append(claims)
        return "KW1:SIGNED-" + claims["certificate"]

    result = generate_dataset(tmp_path, SynthOptions(births=400, seed=5, certificate_text=text))
    texts = {i.record["ref"]: i.record["text"] for i in read_dataset(result.path) if i.type == "certificates"}
    invalid = {p["subject"]["ref"] for p in result.truth["patterns"] if p["pattern"] == "invalid_certificate"}
    assert invalid and all(not texts[ref].startswith("KW1:SIGNED-") for ref in invalid)
    assert all(texts[c["certificate"]] == "KW1:SIGNED-" + c["certificate"] for c in seen)
    assert {"certificate", "child", "issued_on", "issued_by", "birth_time", "facility"} <= set(seen[0])


def test_the_family_hook_hears_of_every_live_born_child(tmp_path: Path) -> None:
    links = []
    generate_dataset(tmp_path, SynthOptions(births=400, seed=5, on_family=links.append))
    births = [i.record for i in read_dataset(tmp_path) if i.type == "births"]
    assert sorted(link.child for link in links) == sorted(b["ref"] for b in births if b["outcome"] == "live")
    assert any(link.father is not None for link in links)
    mothers = {b["ref"]: b["mother"] for b in births}
    assert all(link.mother == mothers[link.child] for link in links)


def test_nothing_happens_after_the_datasets_now(synth_dir) -> None:
    from kinward.engines.interchange import parse_time
    from kinward.engines.interchange.format import DATE_FIELDS, TIME_FIELDS
    from kinward.engines.interchange.validate import _getter

    path = synth_dir(2000, 11).path
    now = parse_time(read_manifest(path)["created"])
    latest_time, latest_day = None, None
    for item in read_dataset(path):
        for get in map(_getter, TIME_FIELDS.get(item.type, ())):
            for _, value in get(item.record):
                latest_time = max(latest_time or parse_time(value), parse_time(value))
        for get in map(_getter, DATE_FIELDS.get(item.type, ())):
            for field, value in get(item.record):
                if field != "expected_date" and "valid_to" not in field:
                    latest_day = max(latest_day or value, value)
    assert latest_time < now
    assert latest_day <= now.date().isoformat()


def test_the_bytes_do_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess

    generate_dataset(tmp_path / "here", SynthOptions(births=400, seed=21))
    code = (
        "from kinward.engines.synth import SynthOptions, generate_dataset;"
        f"generate_dataset({str(tmp_path / 'there')!r}, SynthOptions(births=400, seed=21))"
    )
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    for name in sorted(p.name for p in (tmp_path / "here").iterdir()):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes(), name
