"""The neighbourhood of a new record (`IncrementalEvaluator`): the indexes it is found by, the refs a record
names, the work schema it is copied into, and the small helpers the copies share."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import duckdb

from .dataset import DERIVED, SCHEMAS, create_derived
from .scan import prepare_state
from .statements import needed_derived

__all__ = [
    "AGENCY_TABLES",
    "AGENCY_USE",
    "DOC_KEY",
    "INDEXES",
    "create_work",
    "narrow_columns",
    "order_agencies",
    "record_keys",
    "shared_docs",
    "tables_read",
    "unique",
]

INDEXES = (
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
    ("custody_events", "corrects"),
    ("abandonment_reports", "child"),
    ("abandonment_reports", "event"),
    ("certificates", "ref"),
    ("certificates", "child"),
    ("adoption_files", "ref"),
    ("adoption_files", "child"),
)
DOC_KEY = (
    "CASE WHEN id_document.number IS NOT NULL THEN coalesce(id_document.type, '') || '|' || id_document.number"
    " || '|' || coalesce(id_document.country, '') END"
)


# the fields of an agency's adoption files and orders (and of the orders' corrections) read when the agency, not
# the file or the child, is in scope (unlicensed_agency: which agency, on what day); the rest stay NULL in the
# work copy
AGENCY_USE = (
    "ref", "child", "type", "time", "adoption_agency", "decided_on", "filed_on", "corrects", "field", "new_value"
)  # fmt: skip
# the record types of an agency's files and orders, as its alerts name them
AGENCY_TABLES = ("adoption_files", "custody_events")


def record_keys(
    con: duckdb.DuckDBPyConnection, record_type: str, record: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The refs a record directly names, by role: children, persons, pregnancies, files, reports, ..."""
    ref = record["ref"]
    keys: dict[str, list[Any]] = {k: [] for k in ("children", "persons", "pregnancies", "files", "reports")}
    keys.update(certificates=[], agencies=[], newborn_ids=[], childless_files=[])
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
        if record.get("type") == "correction" and record.get("corrects") is not None:
            keys["agencies"] += order_agencies(con, record["corrects"])
    elif record_type == "abandonment_reports":
        keys["reports"].append(ref)
        if record.get("event"):
            row = con.execute("SELECT child FROM custody_events WHERE ref = ?", [record["event"]]).fetchone()
            keys["children"].append(row[0] if row else None)
    elif record_type == "certificates":
        keys["certificates"].append(ref)
    elif record_type == "adoption_files":
        keys["files"].append(ref)
        keys["childless_files"] += [ref] if child is None else []  # else found as the child's
        keys["persons"].append(record.get("stated_birth_mother"))
        keys["agencies"].append(record.get("adoption_agency"))
    elif record_type == "persons":
        keys["persons"].append(ref)
    elif record_type in ("pregnancies", "pregnancy_events"):
        keys["pregnancies"].append(ref if record_type == "pregnancies" else record.get("pregnancy"))
    elif record_type == "agencies":
        keys["agencies"].append(ref)
    return {k: [v for v in values if v is not None] for k, values in keys.items()}


def order_agencies(con: duckdb.DuckDBPyConnection, event: str) -> list[Any]:
    """If `event` is an adoption order, the agencies it names as recorded or by any of its corrections (the new
    one included): a correction of its agency or its day can change their alerts (unlicensed_agency)."""
    rows = con.execute(
        "SELECT type, adoption_agency, NULL AS field, NULL AS new_value FROM custody_events WHERE ref = $e "
        "UNION ALL SELECT type, NULL, field, new_value FROM custody_events WHERE corrects = $e",
        {"e": event},
    ).fetchall()
    if not any(kind == "adoption_order" for kind, *_ in rows):
        return []
    named = [agency for _, agency, _, _ in rows]
    for _, _, name, value in rows:
        if name == "adoption_agency" and value is not None:
            named.append(json.loads(value))
    return [agency for agency in named if isinstance(agency, str)]


def create_work(con: duckdb.DuckDBPyConnection) -> None:
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


def shared_docs(sharing: Mapping[str, frozenset[str]], groups: list[list[str]]) -> dict[str, frozenset[str]]:
    """The entries of `sharing` (persons ref: the refs sharing one of its identity documents) that the groups
    of refs sharing one document change; a group of one ref shares nothing. A ref in one group holds the group
    itself (one set per document: some 140,000 refs at 1M births)."""
    changed: dict[str, frozenset[str]] = {}
    for group in groups:
        refs = frozenset(group)
        if len(refs) > 1:
            for ref in refs:
                old = changed.get(ref, sharing.get(ref))
                changed[ref] = refs if old is None else old | refs
    return changed


def tables_read(rules: tuple) -> frozenset[str]:
    """The base tables the rules' SQL reads, directly or through the derived relations (a name in a string
    literal counts too: a table too many is only copied for nothing); the certificate and newborn ID checks
    read certificates and births."""
    texts = [rule.sql for rule in rules] + [DERIVED[name] for name in needed_derived(rules)]
    names = {name for name in SCHEMAS if any(re.search(rf"\b{name}\b", text) for text in texts)}
    names |= {need.table for rule in rules for need in rule.needs}  # counted: copied even if not read
    if any(rule.id in ("invalid_certificate", "invalid_newborn_id") for rule in rules):
        names |= {"certificates", "births"}
    return frozenset(names)


def narrow_columns(table: str, kept: tuple[str, ...]) -> str:
    """The table's columns in order, those not kept as NULLs (typed by the work table they are inserted into;
    casting each costs a fraction of a millisecond to bind)."""
    return ", ".join(f'"{name}"' if name in kept else f'NULL AS "{name}"' for name in SCHEMAS[table])


def unique(values: list[Any]) -> list[Any]:
    """The values without None and repeats, in first-seen order."""
    return [v for v in dict.fromkeys(values) if v is not None]
