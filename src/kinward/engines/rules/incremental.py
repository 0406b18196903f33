"""Incremental evaluation: one new record against the current state held in a DuckDB connection.

The state is the dataset's base tables in DuckDB, with indexes on the columns that link records (ref, child,
mother, pregnancy, event, agency, identity document). A new record is appended to its table; then its
*neighbourhood* is copied into a small working database: the children it concerns with their custody events,
reports, certificates and adoption files; the mother's person records under any record sharing her identity
document, with all her births and pregnancies; and the agencies it names with their adoption files and orders
(which agency, on what day). Only the tables that the rules about to run read are copied. The same rule SQL as in
batch runs there, on a few dozen rows, as one statement with DuckDB's optimiser off, with the `$scoped` filter
keeping the subjects the record can affect (its *scope*), so an incremental alert is exactly the batch alert.
Rules with a statistical post step or built on other rules' alerts (facility_anomaly, clinic_ring,
early_adoption) compare a facility with all others and run in batch (`scan_connection`).
"""

from __future__ import annotations

import functools
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
from .records import RecordError, insert_record, json_structure
from .ruleset import RuleSet, load_ruleset
from .scan import (
    _PARAM_RE,
    Alert,
    bind,
    insert_rows,
    make_alert,
    manifest_now,
    prepare_state,
    run_checks,
    run_rule,
    with_placeholders,
)

__all__ = ["IncrementalEvaluator", "RecordError", "insert_record", "json_structure"]

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


# the current state of custody events when none of them is corrected (same columns as DERIVED["custody"])
_PLAIN_CUSTODY = (
    "SELECT ref, child, type, "
    + ", ".join(f'"{name}"' for name in CORRECTABLE)
    + ", CAST([] AS VARCHAR[]) AS correction_refs, CAST(time AS TIMESTAMPTZ) AS at, "
    "CAST(left(time, 10) AS DATE) AS local_date FROM custody_events WHERE type <> 'correction'"
)
# the fields of an agency's adoption files and orders read when the agency, not the file or the child, is in scope
# (unlicensed_agency: which agency, on what day); the rest stay NULL in the work copy
_AGENCY_USE = ("ref", "child", "type", "time", "adoption_agency", "decided_on", "filed_on")
_WORK_TABLES = (
    *(t for t in SCHEMAS if t != "agencies"),
    *DERIVED,
    "scope",
    "alerts",
    "certificate_check",
    "newborn_id_check",
)


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


def _needed_derived(rules: tuple) -> list[str]:
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
    last_scope: list[tuple[str, str]] = field(default_factory=list)
    _plans: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    _reads: frozenset[str] = frozenset(SCHEMAS)
    _read_sets: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

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
        # a certificate's text never changes and its verdict is taken at a fixed now: verify each text once
        # (a signature check costs a fraction of a millisecond, and a child's certificates recur in every event)
        verifier = functools.lru_cache(maxsize=1 << 16)(verifier)
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

    def incremental_rules(self, record_type: str, record: Mapping[str, Any] | None = None) -> list:
        """The per-record rules a record of this type can change (its `triggers`: the record type, or for a
        custody event `custody_events.<type>`), in ruleset order; without `record`, every rule the type can."""
        kinds = {record_type}
        if record_type == "custody_events":
            kinds |= (
                {f"custody_events.{record.get('type')}"}
                if record is not None
                else {t for r in self.ruleset for t in r.triggers if t.startswith("custody_events.")}
            )
        return [r for r in self.ruleset if r.post is None and not r.depends_on and kinds & set(r.triggers)]

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
            self._dirty = set(_WORK_TABLES)  # the rollback brought back what this event had emptied
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
        rules = self.incremental_rules(record_type, record)
        self._read_by(rules)
        scope = self._extract(keys, rules)
        timings["extract"] = time.perf_counter() - start
        rows = sorted({(t, r) for t, refs in scope.items() for r in refs if r is not None})
        self.last_scope = rows
        rules = [r for r in rules if any(t == r.subject for t, _ in rows)]  # nothing to say otherwise
        if not rules:
            return []
        con.execute("USE memory.work")
        try:
            ids = {r.id for r in rules}  # each check table is read by one rule: run a check for its rule only
            if ids & {"invalid_certificate", "invalid_newborn_id"}:
                run_checks(
                    con,
                    verifier=self.verifier if "invalid_certificate" in ids else None,
                    id_validator=self.id_validator if "invalid_newborn_id" in ids else None,
                )
                self._dirty |= {"certificate_check", "newborn_id_check"}
            timings["prepare"] = time.perf_counter() - start - timings["extract"]
            return self._run_rules(rules, rows)
        finally:
            con.execute("USE memory.main")

    def _run_rules(self, rules: list, scope: list[tuple[str, str]]) -> list[Alert]:
        """Run the rules' SQL on the work schema as ONE statement: the scope and the derived relations the rules
        read as common table expressions, then a UNION ALL of the rules, each parameter renamed per rule.
        DuckDB plans every statement afresh (a few milliseconds for a rule, whatever the data's size), so one
        statement instead of a dozen (scope, derived tables, rules) is most of an event's saving. If it fails,
        the relations are materialised and the rules run one by one, so that the error names the rule."""
        key = (tuple(rule.id for rule in rules), self._corrections)
        if key not in self._plans:
            self._plans[key] = _combined_sql(tuple(rules), plain_custody=not self._corrections)
        sql, params = self._plans[key]
        params = {**params, "scope_type": [t for t, _ in scope], "scope_ref": [r for _, r in scope]}
        try:
            # DuckDB's optimiser costs about a third of the statement and gains nothing on a few dozen rows (the
            # rules' joins are written as joins, so no cross product is left to reorder)
            self.con.execute("PRAGMA disable_optimizer")
            try:
                rows = self.con.execute(sql, params).fetchall()
            finally:
                self.con.execute("PRAGMA enable_optimizer")
        except duckdb.Error:
            return self._run_rules_one_by_one(rules, scope)
        rows.sort(key=lambda row: row[0])  # the order of separate runs: rule by rule
        return [
            make_alert(rules[i], subject, evidence, json.loads(facts)) for i, subject, evidence, facts in rows
        ]

    def _run_rules_one_by_one(self, rules: list, scope: list[tuple[str, str]]) -> list[Alert]:
        """The rules run separately over materialised scope and derived tables (the slow path, for errors)."""
        con = self.con
        insert_rows(con, "scope", ["type", "ref"], scope)
        self._dirty.add("scope")
        for name in _needed_derived(tuple(rules)):
            body = _PLAIN_CUSTODY if name == "custody" and not self._corrections else DERIVED[name]
            con.execute(f"INSERT INTO {name} {body}")
            self._dirty.add(name)
        return [a for rule in rules for a in run_rule(con, rule, scoped=True, store=False)]

    def _read_by(self, rules: list) -> None:
        """Copy from now on only the tables these rules read (`_copy` skips the others)."""
        key = tuple(rule.id for rule in rules)
        if key not in self._read_sets:
            self._read_sets[key] = _tables_read(tuple(rules))
        self._reads = self._read_sets[key]

    def _extract(self, keys: dict[str, list[str]], rules: list) -> dict[str, list[str]]:
        """Copy the record's neighbourhood from the main tables into the `work` schema; return its scope (the
        subjects, by record type, whose alerts the record can change).

        Each work table is filled by one INSERT whose parts are plain `column IN (...)` lists, so that DuckDB
        answers each part from the column's ART index (an extra condition on the scan, or an OR of two columns,
        would make it read the whole table); rows found by several parts are kept once (by rowid)."""
        con = self.con
        if self._dirty:
            con.execute("; ".join(f'DELETE FROM work."{table}"' for table in sorted(self._dirty)))
        self._dirty = set()  # a work table is emptied at the next event only if rows were copied into it
        kids, agencies = _unique(keys["children"]), _unique(keys["agencies"])
        mothers, ids, motherless = self._mothers(keys, kids)
        if not any(rule.id == "invalid_newborn_id" for rule in rules):
            ids = []  # the births sharing a child's newborn ID matter to that rule only
        events, people, self._corrections = [], list(mothers), False
        for ref, child, to, kind in self._copy(
            "custody_events",
            [("child", kids), ("adoption_agency", agencies, _AGENCY_USE)],
            'ref, child, "to", type',
        ):
            if child in kids:
                events.append(ref)
                people.append(to)
                self._corrections |= kind == "correction"
        kid_set, kid_files, certificates, stated = set(kids), [], list(keys["certificates"]), []
        new_files = set(keys["files"])
        for ref, child, mother, listed, facility, day in self._copy(
            "adoption_files",
            [("child", kids), ("ref", keys["files"]), ("adoption_agency", agencies, _AGENCY_USE)],
            "ref, child, stated_birth_mother, list_transform(documents, lambda d: d.certificate), "
            "stated_birth_facility, stated_birth_date",
        ):
            if child not in kid_set and ref not in new_files:
                continue  # an agency's other file: read only for the agency's uses (not in scope itself)
            kid_files += [ref] if child in kid_set else []
            people.append(mother)
            certificates += listed or []
            if child is None and facility is not None and day is not None:
                stated.append((facility, day))
        # the adoption files and agencies in scope are known now: rules about neither will not run (see `_add`)
        files_in_scope = bool(kid_files or keys["files"])
        self._read_by(
            [r for r in rules if (r.subject != "adoption_files" or files_in_scope)
             and (r.subject != "agencies" or keys["agencies"])]
        )  # fmt: skip
        self._copy("persons", [("ref", people)])
        births = self._copy(
            "births",
            [("ref", motherless), ("mother", mothers), ("newborn_id", ids)],  # a child with a mother: hers
            "ref, mother",
            stated=stated,
        )
        mother_set = set(mothers)
        pregnancies = _unique(
            keys["pregnancies"]
            + [r[0] for r in self._copy("pregnancies", [("ref", keys["pregnancies"]), ("mother", mothers)])]
        )
        self._copy("pregnancy_events", [("pregnancy", pregnancies)])
        reports = self._copy(
            "abandonment_reports", [("child", kids), ("event", events), ("ref", keys["reports"])]
        )
        copied = self._copy("certificates", [("child", kids), ("ref", certificates)], "ref, child")
        return {
            "births": kids + [ref for ref, mother in births if ref in kid_set or mother in mother_set],
            "persons": mothers,
            "custody_events": events,
            "pregnancies": pregnancies,
            "adoption_files": keys["files"] + kid_files,
            "abandonment_reports": keys["reports"] + [r[0] for r in reports],
            "certificates": keys["certificates"] + [ref for ref, child in copied if child in kid_set],
            "agencies": keys["agencies"],
        }

    def _mothers(self, keys: dict[str, list[str]], kids: list[str]) -> tuple[list[str], list[str], list[str]]:
        """The persons whose births and pregnancies the record can affect (the persons it names, the children's
        and pregnancies' mothers, and every persons record sharing one's identity document), the children's
        newborn IDs, and the children whose births their mothers' do not include (no mother, or none found)."""
        mothers, ids, motherless = list(keys["persons"]), [], set(kids)
        if kids:
            for ref, mother, newborn_id in self._select("births", "ref, mother, newborn_id", [("ref", kids)]):
                mothers, ids = mothers + [mother], ids + [newborn_id]
                if mother is not None:
                    motherless.discard(ref)
        if keys["pregnancies"]:
            mothers += [
                row[0] for row in self._select("pregnancies", "mother", [("ref", keys["pregnancies"])])
            ]
        mothers = _unique(mothers)
        if mothers:  # every record sharing a mother's identity document (two index lookups, not a join)
            docs = [row[0] for row in self._select("person_doc", "doc", [("ref", mothers)])]
            mothers = _unique(
                mothers + [row[0] for row in self._select("person_doc", "ref", [("doc", docs)])]
            )
        return mothers, ids, [kid for kid in kids if kid in motherless]

    def _parts(self, table: str, criteria: list[tuple], params: dict[str, Any]) -> list[str]:
        """One `SELECT *, rowid` per non-empty criterion (column, values[, kept columns]), binding the values in
        `params`. With kept columns the part reads only those (the others NULL, `_narrow` 1): fetching a row's
        every column from the index costs in proportion, and some neighbours are read for a few fields only."""
        parts = []
        for column, values, *kept in criteria:
            values = _unique(values)
            if values:
                names = []
                for value in values:
                    names.append(f"$v{len(params)}")
                    params[names[-1][1:]] = value
                columns = "*, 0" if not kept else _narrow_columns(table, kept[0]) + ", 1"
                parts.append(
                    f'SELECT {columns} AS _narrow, rowid AS _rid FROM main."{table}" '
                    f'WHERE "{column}" IN ({", ".join(names)})'
                )
        return parts

    def _select(self, table: str, columns: str, criteria: list[tuple[str, list[Any]]]) -> list[tuple]:
        """Columns of the main table's rows matching any criterion (an index lookup per criterion)."""
        params: dict[str, Any] = {}
        parts = self._parts(table, criteria, params)
        if not parts:
            return []
        return self.con.execute(f"SELECT {columns} FROM ({' UNION ALL '.join(parts)})", params).fetchall()

    def _copy(
        self,
        table: str,
        criteria: list[tuple[str, list[Any]]],
        returning: str = "ref",
        *,
        stated: list[tuple[Any, Any]] = (),
    ) -> list[tuple]:
        """Copy the main table's rows matching any criterion (column, values) into work, each row once; return
        the `returning` columns of the rows copied. `stated` (births only): (facility, day) pairs whose births
        within 31 days of the day are copied too (for adoption files that name no child)."""
        if table not in self._reads:  # no rule about to run reads the table: nothing to judge there
            return []
        params: dict[str, Any] = {}
        parts = self._parts(table, criteria, params)
        for facility, day in _unique(stated):
            i = len(params)
            params.update({f"v{i}": facility, f"v{i + 1}": day})
            parts.append(
                f'SELECT *, 0 AS _narrow, rowid AS _rid FROM main."{table}" WHERE facility = $v{i} '
                f"AND CAST(left(time, 10) AS DATE)"
                f" BETWEEN CAST($v{i + 1} AS DATE) - 31 AND CAST($v{i + 1} AS DATE) + 31"
            )
        if not parts:
            return []
        rows = f"({' UNION ALL '.join(parts)})"
        if len(parts) > 1:  # a row found by several parts once, whole if a part read it whole
            rows = (
                f"(SELECT * FROM {rows} QUALIFY row_number() OVER (PARTITION BY _rid ORDER BY _narrow) = 1)"
            )
        copied = self.con.execute(
            f'INSERT INTO work."{table}" SELECT * EXCLUDE (_rid, _narrow) FROM {rows} RETURNING {returning}',
            params,
        ).fetchall()
        if copied:
            self._dirty.add(table)
        return copied


def _tables_read(rules: tuple) -> frozenset[str]:
    """The base tables the rules' SQL reads, directly or through the derived relations (a name in a string
    literal counts too: a table too many is only copied for nothing); the certificate and newborn ID checks
    read certificates and births."""
    texts = [rule.sql for rule in rules] + [DERIVED[name] for name in _needed_derived(rules)]
    names = {name for name in SCHEMAS if any(re.search(rf"\b{name}\b", text) for text in texts)}
    if any(rule.id in ("invalid_certificate", "invalid_newborn_id") for rule in rules):
        names |= {"certificates", "births"}
    return frozenset(names)


def _combined_sql(rules: tuple, *, plain_custody: bool) -> tuple[str, dict[str, Any]]:
    """One statement returning (rule index, subject_ref, evidence, facts) for several per-record rules: `scope`
    (from the parameters $scope_type and $scope_ref) and the derived relations the rules read as materialised
    common table expressions, then each rule's SQL unchanged but for its parameters, renamed
    `$r<index>_<name>` (values from `bind`), the rules joined by UNION ALL. Rules sharing one SQL file
    (non_guardian_discharge, discharge_needs_review) share its leading common table expressions that read no
    parameter valued differently between them: hoisted into the statement's, they are bound once."""
    ctes = ["scope AS (SELECT unnest($scope_type) AS type, unnest($scope_ref) AS ref)"]
    for name in _needed_derived(rules):
        body = _PLAIN_CUSTODY if name == "custody" and plain_custody else DERIVED[name]
        ctes.append(f"{name} AS MATERIALIZED (\n{body}\n)")
    names = {*_WORK_TABLES, "agencies", "meta"}  # a hoisted name must hide no table another rule reads
    parts, params, shared = [], {}, {}
    for i, rule in enumerate(rules):
        values, sql = bind(rule, scoped=True), rule.sql
        if rule.sql not in shared:
            shared[rule.sql] = _hoist(
                rule.sql, [bind(r, scoped=True) for r in rules if r.sql == rule.sql], names
            )
            for name, body in shared[rule.sql][0]:
                names.add(name)
                body = _PARAM_RE.sub(lambda m, i=i, v=values: f"$r{i}_{m[1]}" if m[1] in v else m[0], body)
                materialized = "MATERIALIZED " if re.search(rf"\b{name}\b", shared[rule.sql][1]) else ""
                ctes.append(f"{name} AS {materialized}(\n{body}\n)")
        sql = shared[rule.sql][1]
        body = _PARAM_RE.sub(lambda m, i=i, v=values: f"$r{i}_{m[1]}" if m[1] in v else m[0], sql)
        params.update({f"r{i}_{name}": value for name, value in values.items()})
        parts.append(
            f"SELECT {i} AS rule_index, CAST(subject_ref AS VARCHAR), "
            f"CAST(evidence AS STRUCT(type VARCHAR, ref VARCHAR)[]), CAST(facts AS VARCHAR) "
            f"FROM (\n{body.strip().rstrip(';')}\n)"
        )
    statement = "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL\n".join(parts)
    used = set(_PARAM_RE.findall(statement))  # a rule's parameters read only in hoisted parts: not its own
    return statement, {name: value for name, value in params.items() if name in used}


_CTE_RE = re.compile(r"\s*([a-z_][a-z0-9_]*)\s+AS\s+\(", re.IGNORECASE)


def _hoist(sql: str, bound: list[dict[str, Any]], taken: set[str]) -> tuple[list[tuple[str, str]], str]:
    """For the rules sharing `sql` (their bound parameters `bound`): the leading common table expressions of
    `sql` that read no parameter valued differently between them and whose names are not `taken` (name, body),
    and the rest of `sql` (all of it when there is one rule, or nothing to hoist)."""
    varying = {name for name in bound[0] if any(b.get(name) != bound[0][name] for b in bound)}
    split = _split_with(sql) if len(bound) > 1 else None
    if split is None:
        return [], sql
    ctes, final = split
    hoisted = []
    for name, body in ctes:
        if name.lower() in taken or varying & set(_PARAM_RE.findall(body)):
            break
        hoisted.append((name, body))
    rest = ctes[len(hoisted) :]
    if not hoisted:
        return [], sql
    return hoisted, ("WITH " + ", ".join(f"{n} AS ({b})" for n, b in rest) + " " if rest else "") + final


def _split_with(sql: str) -> tuple[list[tuple[str, str]], str] | None:
    """A statement `WITH a AS (...), b AS (...) SELECT ...` as ([(name, body)], final select), comments
    dropped; None if it has another form."""
    text = re.sub(r"""('(?:[^']|'')*'|"[^"]*")|--[^\n]*""", lambda m: m[1] or "", sql).strip()
    if "/*" in text or not re.match(r"WITH\s", text, re.IGNORECASE):
        return None
    pos, ctes = 4, []
    while m := _CTE_RE.match(text, pos):
        depth, j = 1, m.end()
        while depth:
            if j >= len(text):
                return None
            if text[j] in "'\"":
                j = text.index(text[j], j + 1)
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        ctes.append((m[1], text[m.end() : j - 1]))
        pos = j
        if not (m2 := re.match(r"\s*,", text[pos:])):
            return ctes, text[pos:]
        pos += m2.end()
    return None


def _narrow_columns(table: str, kept: tuple[str, ...]) -> str:
    """The table's columns in order, those not kept as NULLs (typed by the work table they are inserted into;
    casting each costs a fraction of a millisecond to bind)."""
    return ", ".join(f'"{name}"' if name in kept else f'NULL AS "{name}"' for name in SCHEMAS[table])


def _unique(values: list[Any]) -> list[Any]:
    """The values without None and repeats, in first-seen order."""
    return [v for v in dict.fromkeys(values) if v is not None]
