"""An interchange dataset (INTERCHANGE.md, version 1) opened in DuckDB, with the format's semantics as views.

Base tables hold the records as written (one table per record type, empty when the file is absent). Derived
relations apply the format's rules once, so that every rule reads the same meaning:

- `meta`: the dataset's "now" (`created`) as an instant and as its local calendar date, and `coverage_from`.
- `person_identity`: each person's *woman key*: the identity document (type, number, country) when present,
  else the person ref. Two persons records with the same document are the same person (INTERCHANGE.md,
  "Rules for every record").
- `birth`: births with `at` (instant) and `local_date` (the calendar date in the time's own offset).
- `custody`: the current state of each custody event: the original with its corrections applied in time
  order (the last correction of a field wins), with `at` and `local_date`.
- `pregnancy_end`: each pregnancy's ending records: births linked by `pregnancy`, births without pregnancy of
  the same woman between 16 weeks before and 6 weeks after the expected date, and pregnancy events.
- `report`: abandonment reports with `found` and `reported` instants.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

_DOC = "STRUCT(type VARCHAR, number VARCHAR, country VARCHAR)"
SCHEMAS: dict[str, dict[str, str]] = {
    "regions": {"ref": "VARCHAR", "name": "VARCHAR", "level": "VARCHAR", "parent": "VARCHAR"},
    "agencies": {
        "ref": "VARCHAR",
        "name": "VARCHAR",
        "kind": "VARCHAR",
        "region": "VARCHAR",
        "licence": "STRUCT(number VARCHAR, valid_from DATE, valid_to DATE, status VARCHAR, status_since DATE)",
    },
    "staff": {"ref": "VARCHAR", "agency": "VARCHAR", "role": "VARCHAR", "name": "VARCHAR"},
    "persons": {
        "ref": "VARCHAR",
        "given_name": "VARCHAR",
        "family_name": "VARCHAR",
        "birth_date": "DATE",
        "sex": "VARCHAR",
        "id_document": _DOC,
        "phone": "VARCHAR",
        "region": "VARCHAR",
    },
    "pregnancies": {
        "ref": "VARCHAR",
        "mother": "VARCHAR",
        "facility": "VARCHAR",
        "enrolled_on": "DATE",
        "expected_date": "DATE",
        "visits": "DATE[]",
    },
    "pregnancy_events": {
        "ref": "VARCHAR",
        "pregnancy": "VARCHAR",
        "type": "VARCHAR",
        "date": "DATE",
        "facility": "VARCHAR",
        "recorded_by": "VARCHAR",
    },
    "births": {
        "ref": "VARCHAR",
        "delivery": "VARCHAR",
        "pregnancy": "VARCHAR",
        "facility": "VARCHAR",
        "time": "VARCHAR",
        "attendant": "VARCHAR",
        "mother": "VARCHAR",
        "mother_absent_reason": "VARCHAR",
        "sex": "VARCHAR",
        "weight_g": "INTEGER",
        "outcome": "VARCHAR",
        "newborn_id": "VARCHAR",
    },
    "custody_events": {
        "ref": "VARCHAR",
        "child": "VARCHAR",
        "type": "VARCHAR",
        "time": "VARCHAR",
        "facility": "VARCHAR",
        "recorded_by": "VARCHAR",
        "to": "VARCHAR",
        "relationship": "VARCHAR",
        "relationship_detail": "VARCHAR",
        "id_document_checked": "BOOLEAN",
        "guardianship_document": "STRUCT(number VARCHAR, issued_by VARCHAR, issued_on DATE)",
        "to_facility": "VARCHAR",
        "place": "VARCHAR",
        "found_by": "VARCHAR",
        "condition": "VARCHAR",
        "authority": "VARCHAR",
        "decision_number": "VARCHAR",
        "decided_on": "DATE",
        "adoptive_parents": "VARCHAR[]",
        "adoption_agency": "VARCHAR",
        "cause": "VARCHAR",
        "corrects": "VARCHAR",
        "field": "VARCHAR",
        "new_value": "JSON",
        "reason": "VARCHAR",
    },
    "abandonment_reports": {
        "ref": "VARCHAR",
        "child": "VARCHAR",
        "event": "VARCHAR",
        "facility": "VARCHAR",
        "reported_by": "VARCHAR",
        "found_at": "VARCHAR",
        "reported_at": "VARCHAR",
        "place": "VARCHAR",
        "condition": "VARCHAR",
    },
    "certificates": {
        "ref": "VARCHAR",
        "child": "VARCHAR",
        "issued_on": "DATE",
        "issued_by": "VARCHAR",
        "text": "VARCHAR",
    },
    "adoption_files": {
        "ref": "VARCHAR",
        "child": "VARCHAR",
        "adoption_agency": "VARCHAR",
        "adoptive_parents": "VARCHAR[]",
        "stated_birth_mother": "VARCHAR",
        "stated_birth_facility": "VARCHAR",
        "stated_birth_date": "DATE",
        "filed_on": "DATE",
        "documents": "STRUCT(type VARCHAR, number VARCHAR, issued_by VARCHAR, issued_on DATE, certificate VARCHAR)[]",
    },
}

# Custody-event fields a correction may change (all but ref, child, type, and the correction's own fields).
CORRECTABLE = [
    f
    for f in SCHEMAS["custody_events"]
    if f not in {"ref", "child", "type", "corrects", "field", "new_value"}
]


class DatasetError(ValueError):
    """The folder is not a readable interchange dataset (message names the file and the problem)."""


@dataclass(frozen=True)
class Manifest:
    """The parts of manifest.json the rules use."""

    created: str
    coverage_from: str
    country: str
    source: str
    issuer_keys: tuple[Any, ...]


def read_manifest(folder: Path) -> Manifest:
    """Read and check `manifest.json` of an interchange dataset (INTERCHANGE.md, "A dataset")."""
    path = folder / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path}: cannot read the manifest ({exc})")
    if doc.get("format") != "kinward-interchange":
        raise DatasetError(f"{path}: field 'format' is {doc.get('format')!r}, expected 'kinward-interchange'")
    if str(doc.get("version", "")).split(".")[0] != "1":
        raise DatasetError(f"{path}: field 'version' is {doc.get('version')!r}; these rules read version 1")
    for key in ("created", "coverage_from"):
        if not isinstance(doc.get(key), str):
            raise DatasetError(f"{path}: field {key!r} is missing or not an RFC 3339 time")
    return Manifest(
        created=doc["created"],
        coverage_from=doc["coverage_from"],
        country=str(doc.get("country", "")),
        source=str(doc.get("source", "")),
        issuer_keys=tuple(doc.get("issuer_keys") or ()),
    )


def _columns_sql(schema: dict[str, str]) -> str:
    return ", ".join(f'"{name}" {sqltype}' for name, sqltype in schema.items())


def load_tables(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Create one table per record type from `<type>.jsonl` (DuckDB read_json with the declared schema)."""
    for rtype, schema in SCHEMAS.items():
        path = folder / f"{rtype}.jsonl"
        con.execute(f'DROP TABLE IF EXISTS "{rtype}"')
        if path.is_file() and path.stat().st_size > 0:
            columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in schema.items()) + "}"
            select = ", ".join(f'"{k}"' for k in schema)
            try:
                con.execute(
                    f'CREATE TABLE "{rtype}" AS SELECT {select} FROM read_json(?, '
                    f"format='newline_delimited', columns={columns}, maximum_object_size=16777216)",
                    [str(path)],
                )
            except duckdb.Error as exc:
                raise DatasetError(f"{path}: cannot read as {rtype} records ({exc})")
        else:
            con.execute(f'CREATE TABLE "{rtype}" ({_columns_sql(schema)})')


def _custody_sql() -> str:
    types = SCHEMAS["custody_events"]
    pivots, picks = [], []
    for i, name in enumerate(CORRECTABLE):
        pivots.append(
            f"bool_or(field = '{name}') AS h{i}, any_value(v) FILTER (WHERE field = '{name}') AS v{i}"
        )
        if types[name] == "VARCHAR":
            value = f"json_extract_string(c.v{i}, '$')"
        else:
            value = f"CAST(c.v{i} AS {types[name]})"
        picks.append(f'CASE WHEN c.h{i} THEN {value} ELSE e."{name}" END AS "{name}"')
    return f"""
    WITH last AS (
        SELECT corrects, field, arg_max(new_value, (CAST(time AS TIMESTAMPTZ), ref)) AS v,
               list(ref ORDER BY CAST(time AS TIMESTAMPTZ), ref) AS refs
        FROM custody_events WHERE type = 'correction' GROUP BY corrects, field
    ), c AS (
        SELECT corrects, {", ".join(pivots)}, flatten(list(refs)) AS correction_refs
        FROM last GROUP BY corrects
    ), cur AS (
        SELECT e.ref, e.child, e.type, {", ".join(picks)}, coalesce(c.correction_refs, []) AS correction_refs
        FROM custody_events e LEFT JOIN c ON c.corrects = e.ref
        WHERE e.type <> 'correction'
    )
    SELECT *, CAST(time AS TIMESTAMPTZ) AS at, CAST(left(time, 10) AS DATE) AS local_date FROM cur
    """


DERIVED: dict[str, str] = {
    "person_identity": """
        SELECT ref,
               CASE WHEN id_document.number IS NOT NULL
                    THEN 'doc:' || coalesce(id_document.type, '') || '|' || id_document.number || '|'
                         || coalesce(id_document.country, '')
                    ELSE 'ref:' || ref END AS woman
        FROM persons""",
    "birth": """
        SELECT b.*, CAST(b.time AS TIMESTAMPTZ) AS at, CAST(left(b.time, 10) AS DATE) AS local_date,
               coalesce(pi.woman, CASE WHEN b.mother IS NOT NULL THEN 'ref:' || b.mother END) AS woman
        FROM births b LEFT JOIN person_identity pi ON pi.ref = b.mother""",
    "custody": _custody_sql(),
    "pregnancy": """
        SELECT p.*, coalesce(pi.woman, 'ref:' || p.mother) AS woman
        FROM pregnancies p LEFT JOIN person_identity pi ON pi.ref = p.mother""",
    "pregnancy_end": """
        SELECT b.pregnancy AS pregnancy, 'births' AS type, b.ref AS ref FROM birth b WHERE b.pregnancy IS NOT NULL
        UNION ALL
        SELECT p.ref, 'births', b.ref FROM pregnancy p JOIN birth b
          ON b.woman = p.woman AND b.pregnancy IS NULL
         AND b.local_date BETWEEN p.expected_date - INTERVAL 16 WEEK AND p.expected_date + INTERVAL 6 WEEK
        UNION ALL
        SELECT pregnancy, 'pregnancy_events', ref FROM pregnancy_events
         WHERE type IN ('loss', 'transfer_out', 'moved_away')""",
    "report": """
        SELECT r.*, CAST(found_at AS TIMESTAMPTZ) AS found, CAST(reported_at AS TIMESTAMPTZ) AS reported
        FROM abandonment_reports r""",
}


def create_meta(con: duckdb.DuckDBPyConnection, manifest: Manifest) -> None:
    """Create the one-row `meta` table: the dataset's now (instant and local date) and coverage start."""
    con.execute("DROP TABLE IF EXISTS meta")
    con.execute(
        "CREATE TABLE meta AS SELECT CAST($c AS TIMESTAMPTZ) AS now, CAST(left($c, 10) AS DATE) AS today, "
        "CAST($f AS TIMESTAMPTZ) AS coverage_from, CAST(left($f, 10) AS DATE) AS coverage_day",
        {"c": manifest.created, "f": manifest.coverage_from},
    )


MACROS: dict[str, str] = {
    # INTERCHANGE.md, agencies: valid from valid_from to valid_to inclusive; a suspended or revoked licence stops
    # being valid on its status_since date.
    "licence_valid_on": """(licence, day) AS licence IS NOT NULL AND day IS NOT NULL
        AND (licence.valid_from IS NULL OR licence.valid_from <= day)
        AND (licence.valid_to IS NULL OR day <= licence.valid_to)
        AND NOT (coalesce(licence.status, 'active') IN ('suspended', 'revoked')
                 AND (licence.status_since IS NULL OR licence.status_since <= day))""",
    "ref_list": """(t, refs) AS list_transform(list_filter(refs, lambda r: r IS NOT NULL),
        lambda r: {'type': t, 'ref': r})""",
}


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the macros the rules' SQL calls (`MACROS`) in the connection's current schema."""
    for name, body in MACROS.items():
        con.execute(f"CREATE OR REPLACE MACRO {name}{body}")


def create_derived(con: duckdb.DuckDBPyConnection, *, materialize: bool) -> None:
    """Create the macros and the derived relations (see module docstring) as tables (batch) or views
    (incremental)."""
    create_macros(con)
    kind = "TABLE" if materialize else "VIEW"
    for name in DERIVED:
        con.execute(f"DROP VIEW IF EXISTS {name}")
        con.execute(f"DROP TABLE IF EXISTS {name}")
    for name, sql in DERIVED.items():
        con.execute(f"CREATE {kind} {name} AS {sql}")


def open_dataset(
    folder: str | Path, *, materialize: bool = True, derived: bool = True, database: str = ":memory:"
):
    """Open an interchange dataset folder in a new DuckDB connection; returns (connection, manifest).

    With `derived` false only the base tables and `meta` are created (the incremental evaluator's main store).

    Times keep their text; the instant is derived with the time's own offset, and the local date is the date
    part as written (INTERCHANGE.md: "a date derived from a time is the calendar date in that time's own
    offset").
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder}: not a folder")
    manifest = read_manifest(folder)
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    load_tables(con, folder)
    create_meta(con, manifest)
    if derived:
        create_derived(con, materialize=materialize)
    return con, manifest
