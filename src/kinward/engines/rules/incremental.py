"""Incremental evaluation: one new record against the current state held in a DuckDB connection.

The state is the dataset's base tables in DuckDB, with indexes on the columns that link records (ref, child,
mother, pregnancy, event, agency, identity document). A new record is appended to its table; then its
*neighbourhood* is copied into a small working database: the children it concerns with their custody events,
reports, certificates and adoption files; the mother's person records under any record sharing her identity
document, with all her births and pregnancies; and the agencies it names with their adoption files and orders
(which agency, on what day). Only the tables that the rules about to run read are copied, and a rule whose
`needs` (rule file) the copied rows do not meet is dropped before it is built. The same rule SQL as in
batch runs there, on a few dozen rows, as two statements of about equal cost run at once on two cursors (two
cores: DuckDB's time here is parsing and planning, with the GIL released) with DuckDB's optimiser off, with the
`$scoped` filter keeping the subjects the record can affect (its *scope*), so an incremental alert is exactly
the batch alert.
Rules with a statistical post step or built on other rules' alerts (facility_anomaly, clinic_ring,
early_adoption) compare a facility with all others and run in batch (`scan_connection`).
"""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .checks import CertificateVerifier, NewbornIdValidator, default_id_validator, default_verifier
from .dataset import DERIVED, SCHEMAS, Manifest, create_derived, open_dataset
from .records import RecordError, insert_record, json_structure
from .ruleset import RuleSet, load_ruleset, needs_met
from .scan import (
    Alert,
    insert_rows,
    make_alert,
    manifest_now,
    prepare_state,
    run_checks,
    run_rule,
    with_placeholders,
)
from .statements import PLAIN_CUSTODY, WORK_TABLES, balanced_groups, combined_sql, needed_derived

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


# the fields of an agency's adoption files and orders read when the agency, not the file or the child, is in scope
# (unlicensed_agency: which agency, on what day); the rest stay NULL in the work copy
_AGENCY_USE = ("ref", "child", "type", "time", "adoption_agency", "decided_on", "filed_on")


def _keys(
    con: duckdb.DuckDBPyConnection, record_type: str, record: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The refs a record directly names, by role: children, persons, pregnancies, files, reports, ..."""
    ref = record["ref"]
    keys: dict[str, list[Any]] = {k: [] for k in ("children", "persons", "pregnancies", "files", "reports")}
    keys.update(certificates=[], agencies=[], newborn_ids=[])
    child = record.get("child")
    if record_type == "births":
        keys["children"].append(ref)
        keys["pregnancies"].append(record.get("pregnancy"))
        keys["newborn_ids"].append(record.get("newborn_id"))
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
    parallel: bool = True  # an event's rules as two statements on two cores (False: one statement)
    last_timings: dict[str, float] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=lambda: set(WORK_TABLES))
    _corrections: bool = True
    last_scope: list[tuple[str, str]] = field(default_factory=list)
    _plans: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    _reads: frozenset[str] = frozenset(SCHEMAS)
    _read_sets: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    _copied: Counter[str] = field(default_factory=Counter)
    _groups: dict[tuple[str, ...], tuple[tuple[int, ...], ...]] = field(default_factory=dict)
    _cursors: tuple[duckdb.DuckDBPyConnection, ...] = ()
    _pool: futures.ThreadPoolExecutor | None = None
    _statement_times: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Two rule cursors (connections to the same database, reading the work schema with the optimiser off:
        it costs about a third of a statement and gains nothing on a few dozen rows, the rules' joins being
        written as joins) and the worker thread running the second one's statements."""
        self._cursors = tuple(self.con.cursor() for _ in range(2))
        for cursor in self._cursors:
            for setting in ("PRAGMA disable_optimizer", "SET threads = 1", "USE memory.work"):
                cursor.execute(setting)
        if self.parallel:
            self._pool = futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kinward-rules")

    def close(self) -> None:
        """Stop the worker thread and close the rule cursors and the connection."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for cursor in self._cursors:
            cursor.close()
        self._cursors = ()
        self.con.close()

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
        parallel: bool = True,
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
        return cls(con, manifest, ruleset, verifier, validator, parallel)

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
        records it affects, from the rules it triggers. Alert ids are stable, so a caller deduplicates by id.

        The record and its neighbourhood are written in one transaction (cheaper than a commit per statement),
        committed before the rules run, since the rule cursors read committed data only; if the rules fail, the
        record is taken back (`_undo`), so that a failed event leaves no trace."""
        con, timings = self.con, {}
        start = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        try:
            rules, scope = self._add(record_type, record, timings, start)
        except BaseException:
            con.execute("ROLLBACK")
            self._dirty = set(WORK_TABLES)  # the rollback brought back what this event had emptied
            raise
        con.execute("COMMIT")
        self._statement_times = timings  # each rule statement's time, as rules_<cursor>
        try:
            alerts = self._run_rules(rules, scope) if rules else []
        except BaseException:
            self._undo(record_type, record)
            raise
        timings["total"] = time.perf_counter() - start
        self.last_timings = timings
        return alerts

    def _undo(self, record_type: str, record: Mapping[str, Any]) -> None:
        """Take back a record committed for its rules, which failed: its row (the newest with its ref; a row's
        rowid is known only once committed) and its `person_doc` or `work.agencies` row; the work tables are
        emptied at the next event."""
        self._dirty = set(WORK_TABLES)
        tables = [f'"{record_type}"'] + {"persons": ["person_doc"], "agencies": ["work.agencies"]}.get(
            record_type, []
        )
        self.con.execute("BEGIN TRANSACTION")
        try:
            for table in tables:
                self.con.execute(
                    f"DELETE FROM {table} WHERE rowid = (SELECT max(rowid) FROM {table} WHERE ref = ?)",
                    [record["ref"]],
                )
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def _add(
        self, record_type: str, record: Mapping[str, Any], timings: dict[str, float], start: float
    ) -> tuple[list, list[tuple[str, str]]]:
        """Insert the record, copy its neighbourhood and run the checks its rules read (in the caller's
        transaction); return the rules to run and the scope."""
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
        # nothing to say about no subject, nor without what the rule's `needs` lists
        rules = [r for r in rules if any(t == r.subject for t, _ in rows) and needs_met(r, self._copied)]
        ids = {r.id for r in rules}  # each check table is read by one rule: run a check for its rule only
        if ids & {"invalid_certificate", "invalid_newborn_id"}:
            con.execute("USE memory.work")
            try:
                run_checks(
                    con,
                    verifier=self.verifier if "invalid_certificate" in ids else None,
                    id_validator=self.id_validator if "invalid_newborn_id" in ids else None,
                )
            finally:
                con.execute("USE memory.main")
            self._dirty |= {"certificate_check", "newborn_id_check"}
        timings["prepare"] = time.perf_counter() - start - timings["extract"]
        return rules, rows

    def _run_rules(self, rules: list, scope: list[tuple[str, str]]) -> list[Alert]:
        """Run the rules' SQL on the work schema as TWO statements, one per core: the rules are split into two
        groups of about equal cost (`balanced_groups`), each run as one statement (`combined_sql`) on its own
        cursor, one in the calling thread and one in the worker thread (DuckDB releases the GIL while it
        parses, binds and runs a statement, and planning is most of an event's time: a few milliseconds a
        rule, whatever the data's size). The rows are merged in rule order, as one statement would return them.
        One group only (one rule, or rules sharing one SQL file) runs in the calling thread. If a statement
        fails, the relations are materialised and the rules run one by one, so that the error names the rule."""
        key = tuple(rule.id for rule in rules)
        if key not in self._groups:
            self._groups[key] = (
                balanced_groups(tuple(rules)) if self.parallel else (tuple(range(len(rules))),)
            )
        groups = self._groups[key]
        scope_params = {"scope_type": [t for t, _ in scope], "scope_ref": [r for _, r in scope]}
        try:
            if len(groups) == 1:
                rows = self._run_group(0, rules, groups[0], scope_params)
            else:
                other = self._pool.submit(self._run_group, 1, rules, groups[1], scope_params)
                try:
                    rows = self._run_group(0, rules, groups[0], scope_params)
                finally:
                    futures.wait([other])  # no statement left running behind an error
                rows += other.result()
        except duckdb.Error:
            return self._run_rules_one_by_one(rules, scope)
        rows.sort(key=lambda row: row[0])  # the order of separate runs: rule by rule
        return [
            make_alert(rules[i], subject, evidence, json.loads(facts)) for i, subject, evidence, facts in rows
        ]

    def _run_group(
        self, cursor: int, rules: list, indices: tuple[int, ...], scope: dict[str, list[str]]
    ) -> list[tuple]:
        """The rows of the rules at `indices` run as one statement on rule cursor `cursor`, each row's rule
        index that of `rules`."""
        group = tuple(rules[i] for i in indices)
        key = (tuple(rule.id for rule in group), self._corrections)
        if key not in self._plans:
            self._plans[key] = combined_sql(group, plain_custody=not self._corrections)
        sql, params = self._plans[key]
        start = time.perf_counter()
        rows = self._cursors[cursor].execute(sql, {**params, **scope}).fetchall()
        self._statement_times[f"rules_{cursor}"] = time.perf_counter() - start
        return [(indices[i], *rest) for i, *rest in rows]

    def _run_rules_one_by_one(self, rules: list, scope: list[tuple[str, str]]) -> list[Alert]:
        """The rules run separately over materialised scope and derived tables (the slow path, for errors)."""
        con = self.con
        con.execute("USE memory.work")
        try:
            insert_rows(con, "scope", ["type", "ref"], scope)
            self._dirty.add("scope")
            for name in needed_derived(tuple(rules)):
                body = PLAIN_CUSTODY if name == "custody" and not self._corrections else DERIVED[name]
                con.execute(f"INSERT INTO {name} {body}")
                self._dirty.add(name)
            return [a for rule in rules for a in run_rule(con, rule, scoped=True, store=False)]
        finally:
            con.execute("USE memory.main")

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
        self._copied = Counter()  # rows copied, by table and by custody event type (for the rules' `needs`)
        kids, agencies = _unique(keys["children"]), _unique(keys["agencies"])
        # the births sharing a child's newborn ID matter to invalid_newborn_id only; a new birth concerns those
        # sharing its ID as it concerns its own child (their alerts change with it)
        sharing = any(rule.id == "invalid_newborn_id" for rule in rules)
        mothers, ids, motherless, kids = self._mothers(keys, kids, keys["newborn_ids"] if sharing else [])
        ids = ids if sharing else []
        events, people, self._corrections = [], list(mothers), False
        for ref, child, to, kind in self._copy(
            "custody_events",
            [("child", kids), ("adoption_agency", agencies, _AGENCY_USE)],
            'ref, child, "to", type',
        ):
            self._copied[f"custody_events.{kind}"] += 1
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
             and (r.subject != "agencies" or keys["agencies"])
             and needs_met(r, self._copied, done=("custody_events", "adoption_files"))]
        )  # fmt: skip
        self._copy("persons", [("ref", people)])
        self._copy(
            "births",
            [("ref", motherless), ("mother", mothers), ("newborn_id", ids)],  # a child with a mother: hers
            stated=stated,
        )
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
            # the children only: their other births are copied for the mother's rules, not for rules about
            # births, whose neighbourhood (custody events, reports, files, certificates) is the children's
            "births": kids,
            "persons": mothers,
            "custody_events": events,
            "pregnancies": pregnancies,
            "adoption_files": keys["files"] + kid_files,
            "abandonment_reports": keys["reports"] + [r[0] for r in reports],
            "certificates": keys["certificates"] + [ref for ref, child in copied if child in kid_set],
            "agencies": keys["agencies"],
        }

    def _mothers(
        self, keys: dict[str, list[str]], kids: list[str], sharing: list[str]
    ) -> tuple[list[str], list[str], list[str], list[str]]:
        """The persons whose births and pregnancies the record can affect (the persons it names, the children's
        and pregnancies' mothers, and every persons record sharing one's identity document), the children's
        newborn IDs, the children whose births their mothers' do not include (no mother, or none found), and the
        children: `kids` and the births carrying a newborn ID in `sharing`."""
        found: dict[str, tuple[Any, Any]] = {}
        if kids or sharing:
            criteria = [("ref", kids), ("newborn_id", sharing)]
            found = {
                ref: (mother, nid)
                for ref, mother, nid in self._select("births", "ref, mother, newborn_id", criteria)
            }
        kids = _unique(kids + list(found))
        mothers = list(keys["persons"]) + [mother for mother, _ in found.values()]
        ids = [nid for _, nid in found.values()]
        motherless = {kid for kid in kids if found.get(kid, (None, None))[0] is None}
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
        return mothers, ids, [kid for kid in kids if kid in motherless], kids

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
            self._copied[table] += len(copied)
        return copied


def _tables_read(rules: tuple) -> frozenset[str]:
    """The base tables the rules' SQL reads, directly or through the derived relations (a name in a string
    literal counts too: a table too many is only copied for nothing); the certificate and newborn ID checks
    read certificates and births."""
    texts = [rule.sql for rule in rules] + [DERIVED[name] for name in needed_derived(rules)]
    names = {name for name in SCHEMAS if any(re.search(rf"\b{name}\b", text) for text in texts)}
    names |= {need.table for rule in rules for need in rule.needs}  # counted: copied even if not read
    if any(rule.id in ("invalid_certificate", "invalid_newborn_id") for rule in rules):
        names |= {"certificates", "births"}
    return frozenset(names)


def _narrow_columns(table: str, kept: tuple[str, ...]) -> str:
    """The table's columns in order, those not kept as NULLs (typed by the work table they are inserted into;
    casting each costs a fraction of a millisecond to bind)."""
    return ", ".join(f'"{name}"' if name in kept else f'NULL AS "{name}"' for name in SCHEMAS[table])


def _unique(values: list[Any]) -> list[Any]:
    """The values without None and repeats, in first-seen order."""
    return [v for v in dict.fromkeys(values) if v is not None]
