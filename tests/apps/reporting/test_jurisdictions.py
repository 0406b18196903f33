"""Jurisdiction rules as data: the shipped file loads, a wrong file is refused naming jurisdiction and field."""

import datetime as dt

import pytest
import yaml

from kinward.apps.reporting import jurisdictions as jmod
from kinward.apps.reporting.jurisdictions import DEFAULT_FILE, JurisdictionError, parse_jurisdictions


def shipped() -> dict:
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def refused(data: dict) -> str:
    with pytest.raises(JurisdictionError) as caught:
        parse_jurisdictions(yaml.safe_dump(data))
    return str(caught.value)


def test_the_shipped_file_has_kazakhstan_indonesia_and_a_default():
    rules = parse_jurisdictions(DEFAULT_FILE.read_text(encoding="utf-8"))
    assert set(rules.by_code) == {"default", "KZ", "ID"}
    kz = rules.by_code["KZ"]
    assert kz.report_within == dt.timedelta(hours=24)
    assert kz.strategy_meeting.within == dt.timedelta(hours=48)
    assert (kz.penalty.currency, str(kz.penalty.amount)) == ("KZT", "73840")
    assert [r.code for r in kz.recipients] == ["police", "child_protection", "safeguarding_nurse"]
    assert rules.version.startswith("1/")


def test_most_specific_jurisdiction_wins():
    data = shipped()
    data["jurisdictions"]["KZ-AST"] = {
        **data["jurisdictions"]["KZ"],
        "name": "Astana pilot",
        "match": {"region_prefix": "KZ/KZ-AST"},
        "report_within": "6h",
    }
    rules = parse_jurisdictions(yaml.safe_dump(data))
    assert rules.for_region(region_path="KZ/KZ-AST/KZ-AST-1", country="KZ").code == "KZ-AST"
    assert rules.for_region(region_path="KZ/KZ-ASTX", country="KZ").code == "KZ"  # a prefix is whole segments
    assert rules.for_region(region_path="KZ/KZ-ALA", country="KZ").code == "KZ"
    assert rules.for_region(region_path="TH/TH-10", country="TH").code == "default"


def test_an_unknown_field_is_refused_naming_the_jurisdiction_and_field():
    data = shipped()
    data["jurisdictions"]["KZ"]["report_whithin"] = "24h"
    assert refused(data) == "jurisdictions.KZ.report_whithin: unknown field"


def test_a_bad_duration_is_refused_naming_the_field():
    data = shipped()
    data["jurisdictions"]["ID"]["recipients"][0]["acknowledge_within"] = "one day"
    message = refused(data)
    assert message.startswith(
        "jurisdictions.ID.recipients[0].acknowledge_within: 'one day' is not a duration"
    )


def test_an_unknown_recipient_kind_is_refused():
    data = shipped()
    data["jurisdictions"]["KZ"]["recipients"][1]["kind"] = "fax"
    assert refused(data).startswith("jurisdictions.KZ.recipients[1].kind: unknown recipient kind 'fax'")


def test_unknown_agency_kinds_roles_and_conveners_are_refused():
    data = shipped()
    data["jurisdictions"]["default"]["recipients"][0]["agency_kind"] = "army"
    assert refused(data).startswith("jurisdictions.default.recipients[0].agency_kind: unknown agency kind")
    data = shipped()
    data["jurisdictions"]["ID"]["strategy_meeting"]["convened_by"] = "mayor"
    assert refused(data).startswith("jurisdictions.ID.strategy_meeting.convened_by")
    data = shipped()
    data["jurisdictions"]["ID"]["penalty"]["currency"] = "rupiah"
    assert refused(data).startswith("jurisdictions.ID.penalty.currency")


def test_a_refused_edit_leaves_the_rules_in_force(tmp_path, monkeypatch):
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv(jmod.ENV_FILE, str(path))
    good = jmod.jurisdictions_or_last()
    broken = shipped()
    broken["jurisdictions"]["KZ"]["report_within"] = "soon"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    import os

    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 10))
    with pytest.raises(JurisdictionError, match="jurisdictions.KZ.report_within"):
        jmod.jurisdictions()
    assert jmod.jurisdictions_or_last() is good
