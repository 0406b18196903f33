"""Incremental evaluation: one new record against the current state held in a DuckDB connection.

The state is the dataset's base tables in DuckDB, with indexes on the columns that link records (ref, child,
mother, pregnancy, event, agency, identity document). A new record is appended to its table; then its
*neighbourhood* is copied into a small working database: the children it concerns with their custody events,
reports, certificates and adoption files; the mother's person records under any record sharing her identity
document, with all her births and pregnancies; and the agencies it names with their adoption files and orders.
The same rule SQL as in batch runs there, on a few dozen rows, with the `$scoped` filter keeping the subjects
the record can affect (its *scope*), so an incremental alert is exactly the batch alert. Rules with a
statistical post step or built on other rules' alerts (facility_anomaly, clinic_ring, early_adoption) compare a
facility with all others and run in batch (`scan_connection`).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .checks import CertificateVerifier, NewbornIdValidator, default_id_validator, default_verifier
from .dataset import CORRECTABLE, DERIVED, SCHEMAS, Manifest, create_derived, open_dataset
from .ruleset import RuleSet, load_ruleset
from .scan import Alert, insert_rows, manifest_now, prepare_state, run_checks, run_rule, with_placeholders

_INDEXES = (
    ("persons", "ref"),
    ("person_doc", "ref"),
    ("person_doc", "doc"),
    ("births", "ref"),
    ("births", "mother"),
    ("births", "newborn_id"),
    ("births", "facility"),
    ("pregnancies", "ref"),
    ("pregnancies", "mother"),
    ("pregnancy_events", "pregnancy"),
    ("custody_events", "ref"),
    ("custody_events", "child"),
    ("custody_events", "adoption_agency"),
    ("abandonment_reports", "child"),
    ("abandonment_reports", "event"),
    ("certificates", "ref"),
    ("certificates", "child"),
    ("adoption_files", "child"),
    ("adoption_files", "adoption_agency"),
)
_DOC_KEY = (
    "CASE WHEN id_document.number IS NOT NULL THEN coalesce(id_document.type, '') || '|' || id_document.number"
    " || '|' || coalesce(id_document.country, '') END"
)


class RecordError(ValueError):
    """A record handed to the incremental evaluator is malformed (message names record type, ref and field)."""


# the current state of custody events when none of them is corrected (same columns as DERIVED["custody"])
_PLAIN_CUSTODY = (
    "SELECT ref, child, type, "
    + ", ".join(f'"{name}"' for name in CORRECTABLE)
    + ", CAST([] AS VARCHAR[]) AS correction_refs, CAST(time AS TIMESTAMPTZ) AS at, "
    "CAST(left(time, 10) AS DATE) AS local_date FROM custody_events WHERE type <> 'correction'"
)
_WORK_TABLES = (
    *(t for t in SCHEMAS if t != "agencies"),
    *DERIVED,
    "scope",
    "alerts",
    "certificate_check",
    "newborn_id_check",
)


def _check_record(record_type: str, record: Mapping[str, Any]) -> None:
    if record_type not in SCHEMAS:
        raise RecordError(f"unknown record type {record_type!r}; expected one of {sorted(SCHEMAS)}")
    if not isinstance(record, Mapping) or not isinstance(record.get("ref"), str) or not record["ref"]:
        raise RecordError(f"{record_type} record: field 'ref' must be a non-empty string")
    unknown = sorted(set(record) - set(SCHEMAS[record_type]))
    if unknown:
        raise RecordError(
            f"{record_type} record {record['ref']!r}: field {unknown[0]!r} is not in the format"
        )


def json_structure(sqltype: str) -> Any:
    """The json_transform structure for a declared column type: 'STRUCT(a VARCHAR, b DATE)[]' ->
    [{"a": "VARCHAR", "b": "DATE"}] (json_transform fills absent keys with NULL, unlike a CAST)."""
    sqltype = sqltype.strip()
    if sqltype.endswith("[]"):
        return [json_structure(sqltype[:-2])]
    if not sqltype.startswith("STRUCT("):
        return sqltype
    fields, depth, current = {}, 0, ""
    for ch in sqltype[len("STRUCT(") : -1] + ",":
        if ch == "," and depth == 0:
            name, _, inner = current.strip().partition(" ")
            fields[name] = json_structure(inner)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    return fields


def insert_record(con: duckdb.DuckDBPyConnection, record_type: str, record: Mapping[str, Any]) -> None:
    """Append one interchange record to its base table (fields cast from JSON to the declared types)."""
    _check_record(record_type, record)
    selects = []
    for name, sqltype in SCHEMAS[record_type].items():
        path = f"'$.\"{name}\"'"
        if sqltype == "VARCHAR":
            selects.append(f"json_extract_string(j, {path})")
        elif sqltype == "JSON":
            selects.append(f"json_extract(j, {path})")
        elif sqltype.startswith("STRUCT") or sqltype.endswith("[]"):
            structure = json.dumps(json_structure(sqltype)).replace("'", "''")
            selects.append(f"CAST(json_transform(json_extract(j, {path}), '{structure}') AS {sqltype})")
        else:
            selects.append(f"CAST(json_extract(j, {path}) AS {sqltype})")
    try:
        con.execute(
            f'INSERT INTO "{record_type}" SELECT {", ".join(selects)} FROM (SELECT CAST(? AS JSON) AS j)',
            [json.dumps(dict(record))],
        )
    except duckdb.Error as exc:
        raise RecordError(f"{record_type} record {record['ref']!r}: {exc}") from exc


def _keys(
    con: duckdb.DuckDBPyConnection, record_type: str, record: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The refs a record directly names, by role: children, persons, pregnancies, files, reports, ..."""
    ref = record["ref"]
    keys: dict[str, list[Any]] = {k: [] for k in ("children", "persons", "pregnancies", "files", "reports")}
    keys.update(certificates=[], agencies=[])
    child = record.get("child")
    if record_type == "births":
        keys["children"].append(ref)
        keys["pregnancies"].append(record.get("pregnancy"))
    elif record_type in ("custody_events", "certificates", "adoption_files", "abandonment_reports"):
        keys["children"].append(child)
    if record_type == "custody_events":
        keys["persons"].append(record.get("to"))
        keys["agencies"].append(record.get("adoption_agency"))
    elif record_type == "abandonment_reports":
        keys["reports"].append(ref)
        if record.get("event"):
            row = con.execute("SELECT child FROM custody_events WHERE ref = ?", [record["event"]]).fetchone()
            keys["children"].append(row[0] if row else None)
    elif record_type == "certificates":
        keys["certificates"].append(ref)
    elif record_type == "adoption_files":
        keys["files"].append(ref)
        keys["persons"].append(record.get("stated_birth_mother"))
        keys["agencies"].append(record.get("adoption_agency"))
    elif record_type == "persons":
        keys["persons"].append(ref)
    elif record_type in ("pregnancies", "pregnancy_events"):
        keys["pregnancies"].append(ref if record_type == "pregnancies" else record.get("pregnancy"))
    elif record_type == "agencies":
        keys["agencies"].append(ref)
    return {k: [v for v in values if v is not None] for k, values in keys.items()}


_DERIVED_NEEDS = {
    "birth": ("person_identity",),
    "pregnancy": ("person_identity",),
    "pregnancy_end": ("birth", "pregnancy"),
}


def _needed_derived(rules: list) -> list[str]:
    """The derived relations the rules' SQL reads (with what those read), in creation order."""
    needed = {"person_identity"}  # always first: the scope is computed from it
    for rule in rules:
        needed |= {name for name in DERIVED if re.search(rf"\b{name}\b", rule.sql)}
    for name in list(needed):
        needed |= set(_DERIVED_NEEDS.get(name, ()))
    for name in list(needed):
        needed |= set(_DERIVED_NEEDS.get(name, ()))
    return [name for name in DERIVED if name in needed]


def _create_work(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `work` schema with empty copies of every table the rules read (a schema of the same database,
    so that one transaction per event can write to it and to the main tables)."""
    con.execute("DROP SCHEMA IF EXISTS work CASCADE")
    con.execute("CREATE SCHEMA work")
    for table in SCHEMAS:
        con.execute(f'CREATE TABLE work."{table}" AS SELECT * FROM "{table}" LIMIT 0')
    con.execute("CREATE TABLE work.meta AS SELECT * FROM meta")
    con.execute("INSERT INTO work.agencies SELECT * FROM agencies")  # small; kept, extended by new agencies
    con.execute("USE memory.work")
    try:
        create_derived(con, materialize=True)
        prepare_state(con)
    finally:
        con.execute("USE memory.main")


def _lookup(con: duckdb.DuckDBPyConnection, sql: str, values: list[Any]) -> list[Any]:
    values = [v for v in dict.fromkeys(values) if v is not None]
    if not values:
        return []
    return [row[0] for row in con.execute(sql, [values]).fetchall()]


@dataclass
class IncrementalEvaluator:
    """Holds a dataset in DuckDB and evaluates each new record against it (see module docstring)."""

    con: duckdb.DuckDBPyConnection
    manifest: Manifest
    ruleset: RuleSet
    verifier: CertificateVerifier | None = None
    id_validator: NewbornIdValidator | None = None
    last_timings: dict[str, float] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=lambda: set(_WORK_TABLES))
    _corrections: bool = True

    @classmethod
    def open(cls, folder: str | Path, ruleset: RuleSet | None = None, **options: Any) -> IncrementalEvaluator:
        """Load an interchange dataset folder as the current state and index it (one DuckDB thread: an event
        touches a few dozen rows, where more threads only add scheduling)."""
        con, manifest = open_dataset(folder, derived=False)
        con.execute("SET threads = 1")
        return cls.on_connection(con, manifest, ruleset or load_ruleset(), **options)

    @classmethod
    def on_connection(
        cls,
        con: duckdb.DuckDBPyConnection,
        manifest: Manifest,
        ruleset: RuleSet,
        *,
        verifier: CertificateVerifier | None = None,
        id_validator: NewbornIdValidator | None | object = default_id_validator,
    ) -> IncrementalEvaluator:
        """An evaluator over a connection holding the base tables (from `open_dataset`); builds the indexes."""
        con.execute(f"CREATE OR REPLACE TABLE person_doc AS SELECT ref, {_DOC_KEY} AS doc FROM persons")
        for table, column in _INDEXES:
            con.execute(f'CREATE INDEX IF NOT EXISTS "ix_{table}_{column}" ON "{table}" ("{column}")')
        _create_work(con)
        verifier = with_placeholders(
            verifier or default_verifier(manifest.issuer_keys, manifest_now(manifest)), ruleset
        )
        validator = id_validator() if id_validator is default_id_validator else id_validator
        return cls(con, manifest, ruleset, verifier, validator)

    def set_now(self, now: str) -> None:
        """Move the evaluation's "now" (an RFC 3339 time; the dataset's `created` at first) that deadlines and
        grace periods are measured from, as a live system does as time passes."""
        for table in ("meta", "work.meta"):
            self.con.execute(
                f"UPDATE {table} SET now = CAST($t AS TIMESTAMPTZ), today = CAST(left($t, 10) AS DATE)",
                {"t": now},
            )

    def incremental_rules(self, record_type: str) -> list:
        """The per-record rules a record of this type can change (its `triggers`), in ruleset order."""
        return [r for r in self.ruleset if r.post is None and not r.depends_on and record_type in r.triggers]

    def add(self, record_type: str, record: Mapping[str, Any]) -> list[Alert]:
        """Append `record` (an interchange record of `record_type`) and return the alerts now standing on the
        records it affects, from the rules it triggers. Alert ids are stable, so a caller deduplicates by id."""
        con, timings = self.con, {}
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")  # one transaction per event: cheaper than a commit per statement
        try:
            alerts = self._add(record_type, record, timings, start)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        timings["total"] = time.perf_counter() - start
        self.last_timings = timings
        return alerts

    def _add(
        self, record_type: str, record: Mapping[str, Any], timings: dict[str, float], start: float
    ) -> list:
        con = self.con
        insert_record(con, record_type, record)
        if record_type == "agencies":
            con.execute("INSERT INTO work.agencies SELECT * FROM agencies WHERE ref = ?", [record["ref"]])
        if record_type == "persons":
            con.execute(
                f"INSERT INTO person_doc SELECT ref, {_DOC_KEY} FROM persons WHERE ref = ?", [record["ref"]]
            )
        keys = _keys(con, record_type, record)
        rules = self.incremental_rules(record_type)
        scope = self._extract(keys)
        timings["extract"] = time.perf_counter() - start
        alerts: list[Alert] = []
        con.execute("USE memory.work")
        try:
            rows = sorted({(t, r) for t, refs in scope.items() for r in refs if r is not None})
            insert_rows(con, "scope", ["type", "ref"], rows)
            rules = [r for r in rules if any(t == r.subject for t, _ in rows)]  # nothing to say otherwise
            for name in _needed_derived(rules):
                sql = _PLAIN_CUSTODY if name == "custody" and not self._corrections else DERIVED[name]
                con.execute(f"INSERT INTO {name} {sql}")
                self._dirty.add(name)
            if any(r.id in ("invalid_certificate", "invalid_newborn_id") for r in rules):
                run_checks(con, verifier=self.verifier, id_validator=self.id_validator)
                self._dirty |= {"certificate_check", "newborn_id_check"}
            timings["prepare"] = time.perf_counter() - start - timings["extract"]
            for rule in rules:
                alerts.extend(run_rule(con, rule, scoped=True, store=False))
        finally:
            con.execute("USE memory.main")
        return alerts

    def _extract(self, keys: dict[str, list[str]]) -> dict[str, list[str]]:
        """Copy the record's neighbourhood from the main tables into the `work` schema; return its scope (the
        subjects, by record type, whose alerts the record can change)."""
        con = self.con
        for table in self._dirty:
            con.execute(f'DELETE FROM work."{table}"')
        self._dirty = {"person_identity", "scope"}
        kids, mothers, ids, events, people, kid_files, files, certificates = self._neighbours(keys)
        copy = self._copy
        copy("persons", "ref", people)
        scope = {
            "births": kids + copy("births", "ref", kids) + copy("births", "mother", mothers),
            "persons": mothers,
            "custody_events": events,
            "pregnancies": keys["pregnancies"]
            + copy("pregnancies", "mother", mothers)
            + copy("pregnancies", "ref", keys["pregnancies"]),
            "adoption_files": keys["files"] + kid_files,
            "abandonment_reports": keys["reports"]
            + copy("abandonment_reports", "child", kids)
            + copy("abandonment_reports", "event", events)
            + copy("abandonment_reports", "ref", keys["reports"]),
            "certificates": keys["certificates"] + copy("certificates", "child", kids),
            "agencies": keys["agencies"],
        }
        copy("births", "newborn_id", ids)
        copy("custody_events", "child", kids)
        copy("custody_events", "adoption_agency", keys["agencies"])
        copy("certificates", "ref", certificates)
        copy("adoption_files", "ref", files)
        copy("pregnancy_events", "pregnancy", scope["pregnancies"], dedupe=False)
        self._extract_stated_births(files)
        return scope

    def _neighbours(self, keys: dict[str, list[str]]) -> tuple[list[Any], ...]:
        """Refs around the record: children, mothers (with every record sharing their identity document),
        newborn IDs, custody events, people named, adoption files (of the children; of the agencies) and
        certificates the files list."""
        con = self.con
        q = "SELECT {col} FROM {table} WHERE {key} IN (SELECT unnest(?))"
        kids = list(keys["children"])
        mothers, ids = keys["persons"], []
        if kids:
            found = con.execute(
                "SELECT mother, newborn_id FROM births WHERE ref IN (SELECT unnest(?))", [kids]
            )
            for mother, newborn_id in found.fetchall():
                mothers, ids = mothers + [mother], ids + [newborn_id]
        mothers += _lookup(con, q.format(col="mother", table="pregnancies", key="ref"), keys["pregnancies"])
        mothers += _lookup(
            con,
            "SELECT ref FROM person_doc WHERE doc IN (SELECT doc FROM person_doc WHERE ref IN (SELECT unnest(?)))",
            mothers,
        )
        events, people, self._corrections = [], list(mothers), False
        if kids:
            found = con.execute(
                'SELECT ref, "to", type FROM custody_events WHERE child IN (SELECT unnest(?))', [kids]
            )
            for ref, to, kind in found.fetchall():
                events.append(ref)
                people.append(to)
                self._corrections |= kind == "correction"
        kid_files = _lookup(con, q.format(col="ref", table="adoption_files", key="child"), kids)
        files = keys["files"] + kid_files
        files += _lookup(
            con, q.format(col="ref", table="adoption_files", key="adoption_agency"), keys["agencies"]
        )
        people += _lookup(con, q.format(col="stated_birth_mother", table="adoption_files", key="ref"), files)
        certificates = keys["certificates"] + _lookup(
            con,
            "SELECT unnest(documents).certificate FROM adoption_files WHERE ref IN (SELECT unnest(?))",
            files,
        )
        return kids, mothers, ids, events, people, kid_files, files, certificates

    def _copy(self, table: str, column: str, values: list[Any], *, dedupe: bool = True) -> list[str]:
        """Copy rows of a main table whose `column` is one of `values` into work (once); return their refs."""
        values = [v for v in dict.fromkeys(values) if v is not None]
        if not values:
            return []
        self._dirty.add(table)
        unique = f' AND ref NOT IN (SELECT ref FROM work."{table}")' if dedupe else ""
        rows = self.con.execute(
            f'INSERT INTO work."{table}" SELECT * FROM "{table}" WHERE "{column}" IN (SELECT unnest(?)){unique} '
            "RETURNING ref",
            [values],
        ).fetchall()
        return [row[0] for row in rows]

    def _extract_stated_births(self, files: list[str]) -> None:
        """Births at the stated facility around the stated date of adoption files that name no child."""
        for facility, day in self.con.execute(
            "SELECT stated_birth_facility, stated_birth_date FROM work.adoption_files "
            "WHERE child IS NULL AND stated_birth_facility IS NOT NULL AND stated_birth_date IS NOT NULL"
        ).fetchall():
            self.con.execute(
                "INSERT INTO work.births SELECT * FROM births WHERE facility = ? "
                "AND CAST(left(time, 10) AS DATE) BETWEEN CAST(? AS DATE) - 31 AND CAST(? AS DATE) + 31 "
                "AND ref NOT IN (SELECT ref FROM work.births)",
                [facility, day, day],
            )
