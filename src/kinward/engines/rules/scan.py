"""Batch evaluation of a RuleSet over an interchange dataset in DuckDB, producing alerts.

Every rule's SQL returns rows (subject_ref, evidence, facts); a rule with a `post` step returns rows the named
statistical step (kinward.engines.rules.stats) turns into candidates. Alerts of each rule are stored in the
`alerts` table as they are made, so composite rules (clinic_ring) read the alerts of the rules they depend on.
An alert's id is derived from rule, version and subject, so scanning the same data twice gives the same ids.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from .checks import (
    CertificateCheck,
    CertificateVerifier,
    NewbornIdValidator,
    check_certificates,
    check_newborn_ids,
    default_id_validator,
    default_verifier,
)
from .dataset import Manifest, open_dataset
from .ruleset import Rule, RuleSet, load_ruleset
from .stats import POST_STEPS

_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")


@dataclass(frozen=True)
class RecordRef:
    """A record named in the dataset's own terms: its type (interchange file) and its ref."""

    type: str
    ref: str


@dataclass(frozen=True)
class Alert:
    """A lead for a person to review: which rule (and version) fired on which subject, on what records, and why."""

    id: str
    rule: str
    rule_version: int
    subject: RecordRef
    evidence: tuple[RecordRef, ...]
    facts: Mapping[str, Any] = field(hash=False)
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        """The alert in the interchange "Alerts out" form (status "new": nobody has reviewed it yet)."""
        return {
            "id": self.id,
            "rule": self.rule,
            "rule_version": self.rule_version,
            "status": "new",
            "subject": {"type": self.subject.type, "ref": self.subject.ref},
            "evidence": [{"type": e.type, "ref": e.ref} for e in self.evidence],
            "reason": self.reason,
        }


def alert_id(rule: Rule, subject_ref: str) -> str:
    """Stable alert id: 'A-' + the first 20 hex digits of SHA-256(rule id, version, subject type, subject ref)."""
    key = f"{rule.id}\x1f{rule.version}\x1f{rule.subject}\x1f{subject_ref}".encode()
    return "A-" + hashlib.sha256(key).hexdigest()[:20]


def make_alert(rule: Rule, subject_ref: str, evidence: Sequence[Any], facts: Mapping[str, Any]) -> Alert:
    """Build an alert; evidence entries are {type, ref} mappings, deduplicated in order, null refs dropped."""
    refs: list[RecordRef] = []
    seen = set()
    for item in evidence or ():
        ref = RecordRef(str(item["type"]), str(item["ref"])) if item and item.get("ref") is not None else None
        if ref is not None and ref not in seen:
            seen.add(ref)
            refs.append(ref)
    return Alert(
        id=alert_id(rule, subject_ref),
        rule=rule.id,
        rule_version=rule.version,
        subject=RecordRef(rule.subject, subject_ref),
        evidence=tuple(refs),
        facts=dict(facts),
        reason=rule.reason(facts),
    )


def bind(rule: Rule, *, scoped: bool) -> dict[str, Any]:
    """The named SQL parameters a rule's SQL uses: its parameter values, and `scoped` (incremental filter)."""
    values = {**rule.values, "scoped": scoped}
    return {name: values[name] for name in dict.fromkeys(_PARAM_RE.findall(rule.sql)) if name in values}


def run_rule(
    con: duckdb.DuckDBPyConnection, rule: Rule, *, scoped: bool = False, store: bool = True
) -> list[Alert]:
    """Evaluate one rule's SQL (and post step) on the connection's current data; return (and store) its alerts.

    With `scoped`, the SQL keeps only subjects listed in the `scope` table (incremental evaluation).
    """
    try:
        cursor = con.execute(rule.sql, bind(rule, scoped=scoped))
    except duckdb.Error as exc:
        raise RuntimeError(f"rule {rule.id} (from {rule.source}): SQL failed: {exc}") from exc
    columns = [d[0] for d in cursor.description]
    if rule.post:
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        candidates = POST_STEPS[rule.post](rows, rule.values)
        alerts = [make_alert(rule, c["subject_ref"], c["evidence"], c["facts"]) for c in candidates]
    else:  # straight from the rows (a rule may list tens of thousands: no dictionary per row)
        s, e, f = (columns.index(name) for name in ("subject_ref", "evidence", "facts"))
        alerts = [make_alert(rule, row[s], row[e], json.loads(row[f])) for row in cursor.fetchall()]
    if store:
        store_alerts(con, alerts)
    return alerts


def insert_rows(
    con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Bulk-insert rows (one list parameter per column, unnested together; executemany is slow in DuckDB).

    A column spelled `name::TYPE` is cast from its JSON text to TYPE.
    """
    if not rows:
        return
    names, selects = [], []
    for i, column in enumerate(columns):
        name, _, cast = column.partition("::")
        names.append(name)
        selects.append(f"CAST(CAST(unnest($c{i}) AS JSON) AS {cast})" if cast else f"unnest($c{i})")
    params = {f"c{i}": [row[i] for row in rows] for i in range(len(columns))}
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {', '.join(selects)}", params)


def store_alerts(con: duckdb.DuckDBPyConnection, alerts: Sequence[Alert]) -> None:
    """Append alerts to the `alerts` table (rule, subject, evidence, facts) for composite rules to read."""
    insert_rows(
        con,
        "alerts",
        [
            "id",
            "rule",
            "subject_type",
            "subject_ref",
            "evidence::STRUCT(type VARCHAR, ref VARCHAR)[]",
            "facts",
        ],
        [
            (
                a.id,
                a.rule,
                a.subject.type,
                a.subject.ref,
                json.dumps([{"type": e.type, "ref": e.ref} for e in a.evidence]),
                json.dumps(a.facts, default=str),
            )
            for a in alerts
        ],
    )


def prepare_state(con: duckdb.DuckDBPyConnection) -> None:
    """Create the working tables rules read besides the data: alerts, scope, and the per-record check results."""
    con.execute(
        "CREATE OR REPLACE TABLE alerts (id VARCHAR, rule VARCHAR, subject_type VARCHAR, subject_ref VARCHAR, "
        "evidence STRUCT(type VARCHAR, ref VARCHAR)[], facts JSON)"
    )
    con.execute("CREATE OR REPLACE TABLE scope (type VARCHAR, ref VARCHAR)")
    con.execute(
        "CREATE TABLE IF NOT EXISTS certificate_check (ref VARCHAR, status VARCHAR, reason VARCHAR, "
        "newborn_id VARCHAR)"
    )
    con.execute("CREATE TABLE IF NOT EXISTS newborn_id_check (ref VARCHAR, valid BOOLEAN, reason VARCHAR)")


def run_checks(
    con: duckdb.DuckDBPyConnection,
    *,
    verifier: CertificateVerifier | None,
    id_validator: NewbornIdValidator | None,
    certificate_filter: str = "TRUE",
    birth_filter: str = "TRUE",
    placeholder_prefix: str = "",
) -> None:
    """Fill certificate_check and newborn_id_check for the selected records (filters are fixed SQL, not input).

    Certificates whose text starts with `placeholder_prefix` are placeholders, unverified, and not read.
    """
    if verifier is not None:
        rows = con.execute(
            "SELECT c.ref, c.text, b.newborn_id FROM certificates c LEFT JOIN births b ON b.ref = c.child "
            f"WHERE {certificate_filter} AND ($prefix = '' OR NOT starts_with(coalesce(c.text, ''), $prefix))",
            {"prefix": placeholder_prefix},
        ).fetchall()
        insert_rows(
            con,
            "certificate_check",
            ["ref", "status", "reason", "newborn_id"],
            check_certificates(rows, verifier),
        )
    if id_validator is not None:
        rows = con.execute(
            f"SELECT ref, newborn_id FROM births WHERE newborn_id IS NOT NULL AND {birth_filter}"
        ).fetchall()
        insert_rows(
            con, "newborn_id_check", ["ref", "valid", "reason"], check_newborn_ids(rows, id_validator)
        )


def placeholder_prefix(ruleset: RuleSet) -> str:
    """The invalid_certificate rule's placeholder_prefix ('' when the rule or the parameter is absent)."""
    try:
        return str(ruleset.get("invalid_certificate").values.get("placeholder_prefix", ""))
    except KeyError:
        return ""


def with_placeholders(verifier: CertificateVerifier, ruleset: RuleSet) -> CertificateVerifier:
    """Wrap a verifier so that texts starting with the invalid_certificate rule's placeholder_prefix are
    unverified (placeholders written instead of credentials), not judged."""
    prefix = placeholder_prefix(ruleset)
    if not prefix:
        return verifier

    def verify(text: str) -> CertificateCheck:
        if isinstance(text, str) and text.startswith(prefix):
            return CertificateCheck("unverified", f"placeholder text ({prefix}), not a credential")
        return verifier(text)

    return verify


@dataclass
class ScanResult:
    """The alerts of a batch scan, with the seconds each stage took."""

    alerts: list[Alert]
    timings: dict[str, float]
    manifest: Manifest | None = None


def manifest_now(manifest: Manifest) -> datetime:
    """The dataset's now (`created`) as an aware datetime."""
    return datetime.fromisoformat(manifest.created.replace("Z", "+00:00"))


def scan_connection(
    con: duckdb.DuckDBPyConnection,
    manifest: Manifest,
    ruleset: RuleSet,
    *,
    verifier: CertificateVerifier | None = None,
    id_validator: NewbornIdValidator | None | Callable = default_id_validator,
) -> ScanResult:
    """Run every rule of the ruleset, dependencies first, over data already opened in `con`."""
    timings: dict[str, float] = {}
    prepare_state(con)
    start = time.perf_counter()
    if verifier is None:
        verifier = default_verifier(manifest.issuer_keys, manifest_now(manifest))
    verifier = with_placeholders(verifier, ruleset)
    validator = id_validator() if id_validator is default_id_validator else id_validator
    run_checks(con, verifier=verifier, id_validator=validator, placeholder_prefix=placeholder_prefix(ruleset))
    timings["checks"] = time.perf_counter() - start
    alerts: list[Alert] = []
    needed = {dep for rule in ruleset for dep in rule.depends_on}  # only these rules' alerts are read back
    for rule in ruleset:
        start = time.perf_counter()
        alerts.extend(run_rule(con, rule, store=rule.id in needed))
        timings[rule.id] = time.perf_counter() - start
    return ScanResult(alerts, timings, manifest)


def scan_dataset(
    folder: str | Path,
    ruleset: RuleSet | None = None,
    *,
    verifier: CertificateVerifier | None = None,
    id_validator: NewbornIdValidator | None | Callable = default_id_validator,
    database: str = ":memory:",
) -> ScanResult:
    """Open an interchange dataset folder and run a batch scan of all rules (default: the shipped rules)."""
    start = time.perf_counter()
    con, manifest = open_dataset(folder, materialize=True, database=database)
    loaded = time.perf_counter() - start
    try:
        result = scan_connection(
            con, manifest, ruleset or load_ruleset(), verifier=verifier, id_validator=id_validator
        )
    finally:
        con.close()
    result.timings = {"load": loaded, **result.timings}
    return result


def write_alerts(alerts: Sequence[Alert], path: str | Path) -> None:
    """Write alerts as JSON Lines in the interchange "Alerts out" form."""
    with Path(path).open("w", encoding="utf-8") as out:
        for alert in alerts:
            out.write(json.dumps(alert.to_json(), ensure_ascii=False) + "\n")
