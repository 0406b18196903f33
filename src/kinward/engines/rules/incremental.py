"""Incremental evaluation: one new record against the current state held in a DuckDB connection.

The state is the dataset's base tables in DuckDB, with indexes on the columns that link records (ref, child,
mother, pregnancy, event, agency, identity document). A new record is appended to its table; then its
*neighbourhood* is copied into a small working database: the children it concerns with their custody events,
reports, certificates and adoption files; the mother's person records under any record sharing her identity
document, with all her births and pregnancies; and the agencies it names (a correction of an adoption order:
the agencies the order names) with the files and orders their standing alerts name, those orders' corrections
included. Only the tables that the rules about to run read are copied, and a rule whose `needs` (rule file) the
copied rows do not meet is dropped before it is built. The same rule SQL as in batch runs there, on a few dozen
rows, parsed once, with DuckDB's optimiser off and the `$scoped` filter keeping the subjects the record can
affect (its *scope*), so an incremental alert is exactly the batch alert: as one statement, or while a core is
spare as two statements of about equal cost run at once on two cursors (DuckDB's time here is planning, with
the GIL released).

The evaluator keeps beside the tables what an event would otherwise look up each time: which person records
share an identity document, and by agency the files and orders its alerts of the rules about agencies
(unlicensed_agency) name. These rules judge each file or order by itself (its agency's licence on its day), so
an agency's alert after an event follows from the uses it named before and the uses the event's children bring
(whole, with their corrections): they are judged on the whole state at `open` and when an agency record
arrives, and kept from each event's alerts otherwise.
Rules with a statistical post step or built on other rules' alerts (facility_anomaly, clinic_ring,
early_adoption) compare a facility with all others and run in batch (`scan_connection`).
"""

from __future__ import annotations

import functools
import json
import os
import time
from collections import Counter
from collections.abc import Mapping
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .checks import CertificateVerifier, NewbornIdValidator, default_id_validator, default_verifier
from .dataset import DERIVED, SCHEMAS, Manifest, create_macros, open_dataset
from .neighbourhood import (
    AGENCY_TABLES,
    AGENCY_USE,
    DOC_KEY,
    INDEXES,
    create_work,
    narrow_columns,
    record_keys,
    shared_docs,
    tables_read,
    unique,
)
from .records import RecordError, insert_record, json_structure
from .ruleset import RuleSet, load_ruleset, needs_met
from .scan import (
    Alert,
    insert_rows,
    make_alert,
    manifest_now,
    run_checks,
    run_rule,
    with_placeholders,
)
from .statements import PLAIN_CUSTODY, WORK_TABLES, balanced_groups, combined_sql, needed_derived

__all__ = ["IncrementalEvaluator", "RecordError", "insert_record", "json_structure"]

_ABSENT = object()  # a key a resident map did not hold (`_put_back`)
_PARSED_KEPT = 4096  # parsed statement texts kept (`_execute`); more start the cache anew


@dataclass
class IncrementalEvaluator:
    """Holds a dataset in DuckDB and evaluates each new record against it (see module docstring)."""

    con: duckdb.DuckDBPyConnection
    manifest: Manifest
    ruleset: RuleSet
    verifier: CertificateVerifier | None = None
    id_validator: NewbornIdValidator | None = None
    # an event's rules as two statements on two cores: True always, False never (one statement), None while a
    # core is spare (`_spare_core`)
    parallel: bool | None = None
    last_timings: dict[str, float] = field(default_factory=dict)
    _dirty: set[str] = field(default_factory=lambda: set(WORK_TABLES))
    _corrections: bool = True
    last_scope: list[tuple[str, str]] = field(default_factory=list)
    _plans: dict[tuple[Any, ...], tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    _parsed: dict[str, list[Any]] = field(default_factory=dict)  # the neighbourhood's statements, by text
    _reads: frozenset[str] = frozenset(SCHEMAS)
    _read_sets: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    _copied: Counter[str] = field(default_factory=Counter)
    _groups: dict[tuple[str, ...], tuple[tuple[int, ...], ...]] = field(default_factory=dict)
    _cursors: tuple[duckdb.DuckDBPyConnection, ...] = ()
    _pool: futures.ThreadPoolExecutor | None = None
    _statement_times: dict[str, float] = field(default_factory=dict)
    # by persons ref, the persons refs sharing an identity document with it (only where one is shared)
    _sharing_doc: dict[str, frozenset[str]] = field(default_factory=dict)
    # by agency, the files and orders its standing alerts of the rules about agencies name (judged at `open`)
    _agency_evidence: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    _changed: list[tuple[dict[str, Any], str, Any]] = field(default_factory=list)  # `_change`, `_put_back`

    def __post_init__(self) -> None:
        """Two rule cursors (connections to the same database, reading the work schema with the optimiser off:
        it costs about a third of a statement and gains nothing on a few dozen rows, the rules' joins being
        written as joins) and the worker thread running the second one's statements."""
        self._cursors = tuple(self.con.cursor() for _ in range(2))
        for cursor in self._cursors:
            for setting in ("PRAGMA disable_optimizer", "SET threads = 1", "USE memory.work"):
                cursor.execute(setting)
        if self.parallel is not False:
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
        parallel: bool | None = None,
    ) -> IncrementalEvaluator:
        """An evaluator over a connection holding the base tables (from `open_dataset`); builds the indexes."""
        con.execute(f"CREATE OR REPLACE TABLE person_doc AS SELECT ref, {DOC_KEY} AS doc FROM persons")
        for table, column in INDEXES:
            con.execute(f'CREATE INDEX IF NOT EXISTS "ix_{table}_{column}" ON "{table}" ("{column}")')
        create_work(con)
        verifier = with_placeholders(
            verifier or default_verifier(manifest.issuer_keys, manifest_now(manifest)), ruleset
        )
        # a certificate's text never changes and its verdict is taken at a fixed now: verify each text once
        # (a signature check costs a fraction of a millisecond, and a child's certificates recur in every event)
        verifier = functools.lru_cache(maxsize=1 << 16)(verifier)
        validator = id_validator() if id_validator is default_id_validator else id_validator
        create_macros(con)  # in main too: the agencies are judged there (`_judge_agencies`)
        evaluator = cls(con, manifest, ruleset, verifier, validator, parallel)
        evaluator._agency_evidence = evaluator._judge_agencies(None)
        shared = "SELECT list(ref) FROM person_doc WHERE doc IS NOT NULL GROUP BY doc HAVING count(*) > 1"
        evaluator._sharing_doc = shared_docs({}, [refs for (refs,) in con.execute(shared).fetchall()])
        return evaluator

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
        self._changed = []  # what an agency or a person changes in the resident maps before the rules run
        con.execute("BEGIN TRANSACTION")
        try:
            rules, scope = self._add(record_type, record, timings, start)
        except BaseException:
            con.execute("ROLLBACK")
            self._dirty = set(WORK_TABLES)  # the rollback brought back what this event had emptied
            self._put_back()
            raise
        con.execute("COMMIT")
        self._statement_times = timings  # each rule statement's time, as rules_<cursor>
        try:
            alerts = self._run_rules(rules, scope) if rules else []
        except BaseException:
            self._undo(record_type, record)
            self._put_back()
            raise
        self._keep_agency_evidence(rules, scope, alerts)
        timings["total"] = time.perf_counter() - start
        self.last_timings = timings
        return alerts

    def _change(self, resident: dict[str, Any], entries: Mapping[str, Any]) -> None:
        """Update a resident map, remembering what to put back if the event fails."""
        self._changed += [(resident, key, resident.get(key, _ABSENT)) for key in entries]
        resident.update(entries)

    def _put_back(self) -> None:
        """Put back what the failed event changed in the resident maps."""
        for resident, key, value in reversed(self._changed):
            if value is _ABSENT:
                resident.pop(key, None)
            else:
                resident[key] = value
        self._changed = []

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
            self._change(self._agency_evidence, self._judge_agencies([record["ref"]]))
        if record_type == "persons":
            docs = con.execute(
                f"INSERT INTO person_doc SELECT ref, {DOC_KEY} FROM persons WHERE ref = ? RETURNING doc",
                [record["ref"]],
            ).fetchall()
            groups: dict[str, list[str]] = {}  # the records sharing each of its documents (one, usually)
            for doc, ref in self._select("person_doc", "doc, ref", [("doc", [doc for (doc,) in docs])]):
                groups.setdefault(doc, []).append(ref)
            self._change(self._sharing_doc, shared_docs(self._sharing_doc, list(groups.values())))
        keys = record_keys(con, record_type, record)
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
        """Run the rules' SQL on the work schema as one statement (`combined_sql`) or, while a core is spare
        (`parallel`), as TWO statements, one per core: the rules are split into two groups of about equal cost
        (`balanced_groups`), each run as one statement on its own cursor, one in the calling thread and one in
        the worker thread (DuckDB releases the GIL while it binds and plans a statement, and planning is most
        of an event's time: a few milliseconds a rule, whatever the data's size). The rows are merged in rule
        order, as one statement would return them. One group only (one rule, or rules sharing one SQL file)
        runs in the calling thread. If a statement fails, the relations are materialised and the rules run one
        by one, so that the error names the rule."""
        key = tuple(rule.id for rule in rules)
        if key not in self._groups:
            self._groups[key] = balanced_groups(tuple(rules))
        split = self.parallel or (self.parallel is None and _spare_core())
        groups = self._groups[key] if split else (tuple(range(len(rules))),)
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
        if key not in self._plans:  # parsed once: parsing is a fifth of a statement's time, planning the rest
            sql, params = combined_sql(group, plain_custody=not self._corrections)
            self._plans[key] = (self._cursors[cursor].extract_statements(sql)[0], params)
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

    def _agency_rules(self) -> tuple:
        """The per-record rules about agencies (unlicensed_agency)."""
        return tuple(
            r for r in self.ruleset if r.post is None and not r.depends_on and r.subject == "agencies"
        )

    def _judge_agencies(self, agencies: list[str] | None) -> dict[str, frozenset[tuple[str, str]]]:
        """By agency (every one, or those listed), the files and orders its alerts of the rules about agencies
        name, judged on the whole state: the main tables, corrections applied (one statement, as in batch)."""
        rules = self._agency_rules()
        if not rules:
            return {}
        sql, params = combined_sql(rules, plain_custody=False, scoped=agencies is not None)
        scope = {"scope_type": ["agencies"] * len(agencies or [""]), "scope_ref": list(agencies or [""])}
        judged: dict[str, set[tuple[str, str]]] = {agency: set() for agency in agencies or []}
        for _, subject, evidence, _ in self.con.execute(sql, {**params, **scope}).fetchall():
            uses = {(e["type"], e["ref"]) for e in evidence or [] if e["type"] in AGENCY_TABLES}
            judged.setdefault(subject, set()).update(uses)
        return {agency: frozenset(uses) for agency, uses in judged.items()}

    def _keep_agency_evidence(self, rules: list, scope: list[tuple[str, str]], alerts: list[Alert]) -> None:
        """After an event whose rules about agencies ran: for each agency in scope, the files and orders its
        alerts of those rules now name (none without an alert), what the agency's next events copy."""
        ran = {rule.id for rule in rules if rule.subject == "agencies"}
        if not ran:
            return
        judged: dict[str, set[tuple[str, str]]] = {ref: set() for kind, ref in scope if kind == "agencies"}
        for alert in alerts:
            if alert.rule in ran:
                uses = {(e.type, e.ref) for e in alert.evidence if e.type in AGENCY_TABLES}
                judged.setdefault(alert.subject.ref, set()).update(uses)
        self._agency_evidence.update((agency, frozenset(uses)) for agency, uses in judged.items())

    def _read_by(self, rules: list) -> None:
        """Copy from now on only the tables these rules read (`_copy` skips the others)."""
        key = tuple(rule.id for rule in rules)
        if key not in self._read_sets:
            self._read_sets[key] = tables_read(tuple(rules))
        self._reads = self._read_sets[key]

    def _extract(self, keys: dict[str, list[str]], rules: list) -> dict[str, list[str]]:
        """Copy the record's neighbourhood from the main tables into the `work` schema; return its scope (the
        subjects, by record type, whose alerts the record can change).

        Each work table is filled by one INSERT whose parts are plain `column IN (...)` lists, so that DuckDB
        answers each part from the column's ART index (an extra condition on the scan, or an OR of two columns,
        would make it read the whole table); rows found by several parts are kept once (by rowid)."""
        if self._dirty:
            self._execute("; ".join(f'DELETE FROM work."{table}"' for table in sorted(self._dirty)))
        self._dirty = set()  # a work table is emptied at the next event only if rows were copied into it
        self._copied = Counter()  # rows copied, by table and by custody event type (for the rules' `needs`)
        kids, agencies = unique(keys["children"]), unique(keys["agencies"])
        # the births sharing a child's newborn ID matter to invalid_newborn_id only; a new birth concerns those
        # sharing its ID as it concerns its own child (their alerts change with it)
        sharing = any(rule.id == "invalid_newborn_id" for rule in rules)
        mothers, ids, motherless, kids = self._mothers(keys, kids, keys["newborn_ids"] if sharing else [])
        ids = ids if sharing else []
        events, people, self._corrections = [], list(mothers), False
        named = {table: [] for table in AGENCY_TABLES}  # the files and orders the agencies' alerts name
        for table, ref in sorted(
            {use for agency in agencies for use in self._agency_evidence.get(agency, ())}
        ):
            named[table].append(ref)
        orders = named["custody_events"]  # with their corrections, applied as in batch
        for ref, child, to, kind in self._copy(
            "custody_events",
            [("child", kids), ("ref", orders, AGENCY_USE), ("corrects", orders, AGENCY_USE)],
            'ref, child, "to", type',
        ):
            self._copied[f"custody_events.{kind}"] += 1
            self._corrections |= kind == "correction"
            if child in kids:
                events.append(ref)
                people.append(to)
        kid_set, kid_files, certificates, stated = set(kids), [], list(keys["certificates"]), []
        new_files = set(keys["files"])
        for ref, child, mother, listed, facility, day in self._copy(
            "adoption_files",
            [
                ("child", kids),
                ("ref", keys["childless_files"]),
                ("ref", named["adoption_files"], AGENCY_USE),
            ],
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
        pregnancies = unique(
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
        kids = unique(kids + list(found))
        mothers = list(keys["persons"]) + [mother for mother, _ in found.values()]
        ids = [nid for _, nid in found.values()]
        motherless = {kid for kid in kids if found.get(kid, (None, None))[0] is None}
        if keys["pregnancies"]:
            mothers += [
                row[0] for row in self._select("pregnancies", "mother", [("ref", keys["pregnancies"])])
            ]
        # and every record sharing a mother's identity document
        mothers = unique(mothers + [ref for mother in mothers for ref in self._sharing_doc.get(mother, ())])
        return mothers, ids, [kid for kid in kids if kid in motherless], kids

    def _parts(self, table: str, criteria: list[tuple], params: dict[str, Any]) -> list[str]:
        """One `SELECT *, rowid` per non-empty criterion (column, values[, kept columns]), binding the values in
        `params`. With kept columns the part reads only those (the others NULL, `_narrow` 1): fetching a row's
        every column from the index costs in proportion, and some neighbours are read for a few fields only."""
        parts = []
        for column, values, *kept in criteria:
            values = unique(values)
            if values:
                names = []
                for value in values:
                    names.append(f"$v{len(params)}")
                    params[names[-1][1:]] = value
                columns = "*, 0" if not kept else narrow_columns(table, kept[0]) + ", 1"
                parts.append(
                    f'SELECT {columns} AS _narrow, rowid AS _rid FROM main."{table}" '
                    f'WHERE "{column}" IN ({", ".join(names)})'
                )
        return parts

    def _execute(self, sql: str, params: dict[str, Any] | None = None) -> duckdb.DuckDBPyConnection:
        """Run `sql` (one or more statements; `params` for the last) on the main connection, parsed once per
        text: a copy's text recurs with the number of values in its lists, and parsing is a tenth of its cost."""
        parsed = self._parsed.get(sql)
        if parsed is None:
            if len(self._parsed) >= _PARSED_KEPT:
                self._parsed.clear()
            parsed = self._parsed[sql] = self.con.extract_statements(sql)
        for statement in parsed[:-1]:
            self.con.execute(statement)
        return self.con.execute(parsed[-1], params) if params else self.con.execute(parsed[-1])

    def _select(self, table: str, columns: str, criteria: list[tuple[str, list[Any]]]) -> list[tuple]:
        """Columns of the main table's rows matching any criterion (an index lookup per criterion)."""
        params: dict[str, Any] = {}
        parts = self._parts(table, criteria, params)
        if not parts:
            return []
        return self._execute(f"SELECT {columns} FROM ({' UNION ALL '.join(parts)})", params).fetchall()

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
        for facility, day in unique(stated):
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
        copied = self._execute(
            f'INSERT INTO work."{table}" SELECT * EXCLUDE (_rid, _narrow) FROM {rows} RETURNING {returning}',
            params,
        ).fetchall()
        if copied:
            self._dirty.add(table)
            self._copied[table] += len(copied)
        return copied


def _spare_core() -> bool:
    """Whether a core is likely idle for the second statement: the 1-minute load average (this process
    included) is below the cores usable less a half. On a busy machine two statements only share the cores
    and cost more than one (each plans its own derived relations; at 200k and load 1.6, one statement gave a
    95th percentile of 45 ms wall and CPU, two 47 ms wall and 50 ms CPU)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        return os.getloadavg()[0] < cores - 0.5
    except (AttributeError, OSError):  # no load average (Windows): two statements, as on an idle machine
        return cores > 1
