"""The shipped JSON Schemas: identical to the docs copy, valid draft 2020-12, closed, enumerations as listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from kinward.engines.interchange import SCHEMA_NAMES, load_schema, schema_text
from kinward.engines.interchange.schemas import UnknownRecordTypeError, _precise_validator, fast_validator

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs" / "interchange" / "schemas"
PACKAGE = ROOT / "src" / "kinward" / "engines" / "interchange" / "schemas"

# The enumerations exactly as INTERCHANGE.md lists them.
ENUMS = {
    ("regions", "level"): ["country", "province", "district"],
    ("agencies", "kind"): [
        "public_hospital",
        "private_clinic",
        "maternity_home",
        "registry_office",
        "adoption_authority",
        "adoption_agency",
        "police_unit",
        "child_protection",
        "ngo",
        "dna_lab",
        "statistics_office",
    ],
    ("staff", "role"): ["doctor", "midwife", "nurse", "clerk", "registrar", "social_worker", "other"],
    ("persons", "sex"): ["female", "male", "unknown"],
    ("pregnancy_events", "type"): ["loss", "transfer_out", "moved_away"],
    ("births", "outcome"): ["live", "still"],
    ("births", "mother_absent_reason"): ["foundling", "maternal_death", "withheld", "other"],
    ("custody_events", "type"): [
        "discharge",
        "transfer",
        "abandonment_found",
        "adoption_order",
        "death",
        "correction",
    ],
    ("custody_events", "relationship"): ["mother", "father", "legal_guardian", "other"],
}


def test_the_docs_copy_of_every_schema_is_identical_to_the_package_copy() -> None:
    package = sorted(p.name for p in PACKAGE.glob("*.schema.json"))
    assert package == sorted(p.name for p in DOCS.glob("*.schema.json"))
    assert len(package) == 12
    for name in package:
        assert (DOCS / name).read_bytes() == (PACKAGE / name).read_bytes(), f"{name} differs: copy it to docs"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_each_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = load_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    assert json.loads(schema_text(name)) == schema


def _objects(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        if "properties" in node and node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_object_in_every_schema_rejects_unlisted_fields(name: str) -> None:
    objects = _objects(load_schema(name))
    assert objects
    assert all(o.get("additionalProperties") is False for o in objects)


@pytest.mark.parametrize(("record_type", "field"), list(ENUMS))
def test_enumerations_are_exactly_those_of_the_format(record_type: str, field: str) -> None:
    assert load_schema(record_type)["properties"][field]["enum"] == ENUMS[(record_type, field)]


def test_it_refuses_a_record_type_the_format_does_not_have() -> None:
    with pytest.raises(UnknownRecordTypeError, match="unknown record type 'babies'"):
        load_schema("babies")


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.sampled_from(
        [
            "",
            "x",
            "mother",
            "other",
            "discharge",
            "transfer",
            "correction",
            "2025-03-01",
            "2025-03-01T04:12:00+07:00",
            "time",
            "id_document_checked",
            "suspended",
            "country",
            "still",
            "B-1",
        ]
    ),
    st.lists(st.just("P-1"), max_size=2),
)


BASES = [
    (
        "births",
        {
            "ref": "B-1",
            "delivery": "D-1",
            "facility": "F-1",
            "time": "2025-03-08T23:40:00+07:00",
            "attendant": "S-1",
            "mother": "M-1",
            "sex": "female",
            "weight_g": 3100,
            "outcome": "live",
        },
    ),
    (
        "custody_events",
        {
            "ref": "E-1",
            "child": "B-1",
            "type": "discharge",
            "time": "2025-03-10T10:00:00+07:00",
            "recorded_by": "S-2",
            "to": "X-1",
            "relationship": "father",
            "id_document_checked": False,
        },
    ),
    (
        "custody_events",
        {
            "ref": "E-4",
            "child": "B-1",
            "type": "correction",
            "time": "2025-03-11T09:00:00Z",
            "recorded_by": "S-2",
            "corrects": "E-1",
            "field": "time",
            "new_value": "2025-03-10T11:00:00+07:00",
            "reason": "late",
        },
    ),
    (
        "agencies",
        {
            "ref": "G-3",
            "name": "n",
            "kind": "adoption_agency",
            "region": "R-1",
            "licence": {
                "number": "1",
                "valid_from": "2021-03-01",
                "valid_to": "2030-02-28",
                "status": "active",
            },
        },
    ),
    ("regions", {"ref": "R-2", "name": "n", "level": "province", "parent": "R-1"}),
]


@settings(max_examples=600, deadline=None)
@given(
    base=st.sampled_from(BASES),
    update=st.dictionaries(
        st.sampled_from(
            [
                "ref",
                "child",
                "type",
                "time",
                "recorded_by",
                "to",
                "relationship",
                "relationship_detail",
                "id_document_checked",
                "mother",
                "mother_absent_reason",
                "delivery",
                "facility",
                "sex",
                "weight_g",
                "outcome",
                "field",
                "new_value",
                "corrects",
                "reason",
                "level",
                "parent",
                "kind",
                "to_facility",
                "guardianship_document",
            ]
        ),
        _value,
        max_size=3,
    ),
    drop=st.sets(
        st.sampled_from(["ref", "time", "mother", "to", "relationship", "parent", "licence"]), max_size=1
    ),
)
def test_the_compiled_and_the_reference_validator_agree(
    base: tuple[str, dict[str, Any]], update: dict[str, Any], drop: set[str]
) -> None:
    import fastjsonschema

    name, record = base[0], {k: v for k, v in base[1].items() if k not in drop} | update
    try:
        fast_validator(name)(record)
        fast_ok = True
    except fastjsonschema.JsonSchemaException:
        fast_ok = False
    assert fast_ok == _precise_validator(name).is_valid(record)


@pytest.mark.parametrize(("name", "record"), BASES)
def test_the_example_records_are_valid(name: str, record: dict[str, Any]) -> None:
    assert _precise_validator(name).is_valid(record)
