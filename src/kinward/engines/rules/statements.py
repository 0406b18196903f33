"""The statements an event's per-record rules run as (`IncrementalEvaluator._run_rules`): the derived relations
they read, their split into two groups of about equal cost, run as two statements on two cores, and each
group's one statement.

A rule's statement costs DuckDB mostly parsing, binding and planning (a few milliseconds, whatever the data's
size), about in proportion to the SQL's length: a group's cost is taken as the length of its rules' SQL plus
that of the derived relations it reads (each group's statement carries its own copy of them). A static weight:
it needs no measuring, is the same on every machine, and ranks the rules as their measured statement times do
(adoption_mismatch, the discharge rules, serial_mother and missed_abandonment_report first)."""

from __future__ import annotations

import itertools
import re
from typing import Any

from .dataset import CORRECTABLE, DERIVED, SCHEMAS
from .scan import _PARAM_RE, bind

__all__ = ["PLAIN_CUSTODY", "WORK_TABLES", "balanced_groups", "combined_sql", "needed_derived", "split_with"]

# the current state of custody events when none of them is corrected (same columns as DERIVED["custody"])
PLAIN_CUSTODY = (
    "SELECT ref, child, type, "
    + ", ".join(f'"{name}"' for name in CORRECTABLE)
    + ", CAST([] AS VARCHAR[]) AS correction_refs, CAST(time AS TIMESTAMPTZ) AS at, "
    "CAST(left(time, 10) AS DATE) AS local_date FROM custody_events WHERE type <> 'correction'"
)
WORK_TABLES = (
    *(t for t in SCHEMAS if t != "agencies"),
    *DERIVED,
    "scope",
    "alerts",
    "certificate_check",
    "newborn_id_check",
)

_DERIVED_NEEDS = {
    "birth": ("person_identity",),
    "pregnancy": ("person_identity",),
    "pregnancy_end": ("birth", "pregnancy"),
}


def needed_derived(rules: tuple) -> list[str]:
    """The derived relations the rules' SQL reads (with what those read), in creation order."""
    needed: set[str] = set()
    for rule in rules:
        needed |= {name for name in DERIVED if re.search(rf"\b{name}\b", rule.sql)}
    for name in list(needed):
        needed |= set(_DERIVED_NEEDS.get(name, ()))
    for name in list(needed):
        needed |= set(_DERIVED_NEEDS.get(name, ()))
    return [name for name in DERIVED if name in needed]


def _cost(rules: tuple) -> int:
    """The weight of running the rules as one statement: their SQL's length and their derived relations'."""
    return sum(len(rule.sql) for rule in rules) + sum(len(DERIVED[name]) for name in needed_derived(rules))


def balanced_groups(rules: tuple) -> tuple[tuple[int, ...], ...]:
    """The rules' indices split into two groups whose larger cost is least (every split tried: an event runs a
    handful of rules), rules sharing one SQL file kept together (one statement binds their shared part once);
    one group when the rules share one SQL file or there is one rule. Each group in rule order."""
    units: dict[str, list[int]] = {}
    for i, rule in enumerate(rules):
        units.setdefault(rule.sql, []).append(i)
    parts = list(units.values())
    if len(parts) < 2:
        return (tuple(range(len(rules))),)
    best, best_cost = None, None
    for chosen in itertools.product((0, 1), repeat=len(parts) - 1):  # the first unit in group 0
        sides = ([*parts[0]], [])
        for unit, side in zip(parts[1:], chosen, strict=True):
            sides[side].extend(unit)
        if not sides[1]:
            continue
        cost = max(_cost(tuple(rules[i] for i in side)) for side in sides)
        if best_cost is None or cost < best_cost:
            best, best_cost = sides, cost
    return tuple(tuple(sorted(side)) for side in best)


def combined_sql(rules: tuple, *, plain_custody: bool, scoped: bool = True) -> tuple[str, dict[str, Any]]:
    """One statement returning (rule index, subject_ref, evidence, facts) for several per-record rules: `scope`
    (from the parameters $scope_type and $scope_ref; with `scoped` false, every subject: `$scoped` is bound
    false) and the derived relations the rules read as materialised
    common table expressions, then each rule's SQL unchanged but for its parameters, renamed
    `$r<index>_<name>` (values from `bind`), the rules joined by UNION ALL. Rules sharing one SQL file
    (non_guardian_discharge, discharge_needs_review) share its leading common table expressions that read no
    parameter valued differently between them: hoisted into the statement's, they are bound once."""
    ctes = ["scope AS (SELECT unnest($scope_type) AS type, unnest($scope_ref) AS ref)"]
    for name in needed_derived(rules):
        body = PLAIN_CUSTODY if name == "custody" and plain_custody else DERIVED[name]
        ctes.append(f"{name} AS MATERIALIZED (\n{body}\n)")
    names = {*WORK_TABLES, "agencies", "meta"}  # a hoisted name must hide no table another rule reads
    parts, params, shared = [], {}, {}
    for i, rule in enumerate(rules):
        values, sql = bind(rule, scoped=scoped), rule.sql
        if rule.sql not in shared:
            shared[rule.sql] = _hoist(
                rule.sql, [bind(r, scoped=scoped) for r in rules if r.sql == rule.sql], names
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
    split = split_with(sql) if len(bound) > 1 else None
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


def split_with(sql: str) -> tuple[list[tuple[str, str]], str] | None:
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
