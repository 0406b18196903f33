"""Red-flag rules declared as versioned data: the rule file format, its strict loader and the immutable RuleSet.

A rule is one YAML file (plus the SQL file it names, kept next to it). The loader refuses anything it does not
understand, naming the rule and the field, so that a typo in a threshold never silently becomes a default. A
`RuleSet` is frozen: loading a new one never disturbs the one in force, so a refused file leaves the previous
ruleset running (the caller keeps its reference). See docs/engines/rules.md for the format.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import yaml

PATTERNS: tuple[str, ...] = (
    "vanished_pregnancy",
    "non_guardian_discharge",
    "serial_mother",
    "facility_anomaly",
    "clinic_ring",
    "adoption_mismatch",
    "unlicensed_agency",
    "missed_abandonment_report",
    "late_abandonment_report",
    "invalid_certificate",
)
"""Planted-truth pattern names of INTERCHANGE.md ("Planted truth")."""

PATTERN_SUBJECTS: Mapping[str, str] = MappingProxyType(
    {
        "vanished_pregnancy": "pregnancies",
        "non_guardian_discharge": "custody_events",
        "serial_mother": "persons",
        "facility_anomaly": "agencies",
        "clinic_ring": "agencies",
        "adoption_mismatch": "adoption_files",
        "unlicensed_agency": "agencies",
        "missed_abandonment_report": "births",
        "late_abandonment_report": "abandonment_reports",
        "invalid_certificate": "certificates",
    }
)
"""The record type of each pattern's subject (INTERCHANGE.md, "Planted truth")."""

RECORD_TYPES: frozenset[str] = frozenset(
    {
        "regions",
        "agencies",
        "staff",
        "persons",
        "pregnancies",
        "pregnancy_events",
        "births",
        "custody_events",
        "abandonment_reports",
        "certificates",
        "adoption_files",
    }
)

POST_STEPS: frozenset[str] = frozenset({"peer_rate_test", "concentration_test"})
"""Named statistical steps a rule may apply to its SQL rows (implemented in `kinward.engines.rules.stats`)."""

_RULE_FIELDS = {
    "id": True,
    "version": True,
    "title": True,
    "pattern": True,
    "subject": True,
    "sql": True,
    "explanation": True,
    "shows": True,
    "cannot_see": True,
    "parameters": False,
    "triggers": False,
    "depends_on": False,
    "post": False,
    "needs": False,
}
_PARAM_FIELDS = {"type", "default", "min", "max", "choices", "description"}
_PARAM_TYPES = {"integer": int, "number": (int, float), "boolean": bool, "string": str}
_ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class RuleFileError(ValueError):
    """A rule file was refused: `rule` names the rule (or file), `field` the offending field."""

    def __init__(self, rule: str, field: str, problem: str) -> None:
        self.rule, self.field, self.problem = rule, field, problem
        super().__init__(f"rule {rule!r}, field {field!r}: {problem}")


@dataclass(frozen=True)
class Parameter:
    """One tunable of a rule: its type, default and inclusive bounds."""

    name: str
    type: str
    default: Any
    description: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def check(self, rule: str, value: Any) -> Any:
        """Return `value` if it has this parameter's type and lies in its bounds, else raise RuleFileError."""
        where = f"parameters.{self.name}"
        expected = _PARAM_TYPES[self.type]
        if isinstance(value, bool) and self.type != "boolean":
            raise RuleFileError(rule, where, f"expected {self.type}, got boolean {value!r}")
        if not isinstance(value, expected):
            raise RuleFileError(rule, where, f"expected {self.type}, got {type(value).__name__} {value!r}")
        if self.min is not None and value < self.min:
            raise RuleFileError(rule, where, f"value {value!r} is below the minimum {self.min}")
        if self.max is not None and value > self.max:
            raise RuleFileError(rule, where, f"value {value!r} is above the maximum {self.max}")
        if self.choices is not None and value not in self.choices:
            raise RuleFileError(rule, where, f"value {value!r} is not one of {list(self.choices)}")
        return float(value) if self.type == "number" else value


@dataclass(frozen=True)
class Need:
    """One alternative of a rule's `needs`: at least `at_least` rows of `table` (custody events: of `event_type`
    when given) in the neighbourhood an incremental evaluation copies."""

    table: str
    event_type: str | None = None
    at_least: int = 1

    def __str__(self) -> str:
        name = self.table + (f".{self.event_type}" if self.event_type else "")
        return name + (f" >= {self.at_least}" if self.at_least > 1 else "")


@dataclass(frozen=True)
class Rule:
    """One red-flag rule: identity and version, the SQL that finds candidates, and how to explain an alert."""

    id: str
    version: int
    title: str
    pattern: str | None
    subject: str
    sql: str
    explanation: str
    shows: tuple[str, ...]
    cannot_see: tuple[str, ...]
    parameters: tuple[Parameter, ...] = ()
    values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    triggers: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    post: str | None = None
    needs: tuple[Need, ...] = ()
    source: str = ""

    def reason(self, facts: Mapping[str, Any]) -> str:
        """Fill the explanation template from an alert's facts (missing facts print as `?`)."""
        return self.explanation.format_map(_Facts(facts)).strip()


class _Facts(dict):
    def __init__(self, facts: Mapping[str, Any]) -> None:
        super().__init__({k: "(none)" if v is None else v for k, v in facts.items()})

    def __missing__(self, key: str) -> str:
        return "?"


@dataclass(frozen=True)
class RuleSet:
    """An immutable, validated collection of rules, in evaluation order (dependencies first)."""

    rules: tuple[Rule, ...]

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, rule_id: str) -> Rule:
        """The rule with this id; KeyError naming it when absent."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no rule {rule_id!r} in this ruleset")


def _need(rule: str, doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = doc.get(key)
    if isinstance(value, bool) and kind is int or not isinstance(value, kind):
        raise RuleFileError(rule, key, f"expected {getattr(kind, '__name__', kind)}, got {value!r}")
    return value


def _parse_parameter(rule: str, name: str, spec: Any) -> Parameter:
    where = f"parameters.{name}"
    if not _ID_RE.match(str(name)):
        raise RuleFileError(rule, where, "a parameter name is lower-case letters, digits and underscores")
    if not isinstance(spec, dict):
        raise RuleFileError(rule, where, "expected a mapping with type, default, description")
    unknown = set(spec) - _PARAM_FIELDS
    if unknown:
        raise RuleFileError(rule, f"{where}.{sorted(unknown)[0]}", "unknown field")
    ptype = spec.get("type")
    if ptype not in _PARAM_TYPES:
        raise RuleFileError(rule, f"{where}.type", f"expected one of {sorted(_PARAM_TYPES)}, got {ptype!r}")
    for bound in ("min", "max"):
        if bound in spec and (isinstance(spec[bound], bool) or not isinstance(spec[bound], int | float)):
            raise RuleFileError(rule, f"{where}.{bound}", f"expected a number, got {spec[bound]!r}")
    if "description" not in spec or not isinstance(spec["description"], str):
        raise RuleFileError(rule, f"{where}.description", "every parameter needs a description")
    if "default" not in spec:
        raise RuleFileError(rule, f"{where}.default", "every parameter needs a default")
    choices = spec.get("choices")
    if choices is not None and not (isinstance(choices, list) and all(isinstance(c, str) for c in choices)):
        raise RuleFileError(rule, f"{where}.choices", "expected a list of strings")
    param = Parameter(
        name=name,
        type=ptype,
        default=spec["default"],
        description=spec["description"].strip(),
        min=spec.get("min"),
        max=spec.get("max"),
        choices=tuple(choices) if choices else None,
    )
    return Parameter(**{**param.__dict__, "default": param.check(rule, spec["default"])})


# custody event types (INTERCHANGE.md); a trigger `custody_events.<type>` names only events of that type
CUSTODY_EVENT_TYPES = ("discharge", "transfer", "abandonment_found", "adoption_order", "death", "correction")
TRIGGERS = (*RECORD_TYPES, *(f"custody_events.{kind}" for kind in CUSTODY_EVENT_TYPES))


# the tables an incremental evaluation copies per record (agencies are all kept; regions and staff are not read)
NEEDS_TABLES = tuple(sorted(RECORD_TYPES - {"regions", "agencies", "staff"}))
_NEED_RE = re.compile(r"^([a-z_]+)(?:\.([a-z_]+))?(?:\s*>=\s*([0-9]+))?$")


def _parse_needs(rule: str, doc: Mapping[str, Any]) -> tuple[Need, ...]:
    """`needs`: alternatives `<table>`, `custody_events.<type>`, each optionally `>= <count>`."""
    if "needs" not in doc:
        return ()
    values = _str_list(rule, doc, "needs")
    if not values:
        raise RuleFileError(
            rule, "needs", "an empty list would never let the rule run; omit the field instead"
        )
    needs = []
    for value in values:
        m = _NEED_RE.match(value)
        if not m:
            raise RuleFileError(
                rule,
                "needs",
                f"{value!r} is not `<table>`, `custody_events.<type>` or either with `>= <count>`",
            )
        table, event_type, count = m[1], m[2], int(m[3] or 1)
        if table not in NEEDS_TABLES:
            raise RuleFileError(
                rule, "needs", f"unknown table {table!r}; expected one of {list(NEEDS_TABLES)}"
            )
        if event_type is not None and table != "custody_events":
            raise RuleFileError(rule, "needs", f"{value!r}: only custody_events has types")
        if event_type is not None and event_type not in CUSTODY_EVENT_TYPES:
            raise RuleFileError(rule, "needs", f"unknown custody event type {event_type!r}")
        if count < 1:
            raise RuleFileError(rule, "needs", f"{value!r}: the count must be at least 1")
        needs.append(Need(table, event_type, count))
    return tuple(needs)


def needs_met(rule: Rule, copied: Mapping[str, int], done: Collection[str] | None = None) -> bool:
    """Whether the rule can find anything in an incremental evaluation's neighbourhood copied so far (`copied`:
    rows by table and by `custody_events.<type>`): true unless it has `needs` and each is about a table already
    copied (every table, or those `done`) of which fewer rows than it asks for were copied. The counts include
    every row copied, so a rule is dropped only where its SQL has no row to start from."""
    return not rule.needs or any(
        (done is not None and need.table not in done)
        or copied.get(need.table + (f".{need.event_type}" if need.event_type else ""), 0) >= need.at_least
        for need in rule.needs
    )


def _str_list(rule: str, doc: Mapping[str, Any], key: str, allowed: Iterable[str] | None = None) -> tuple:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleFileError(rule, key, f"expected a list of strings, got {value!r}")
    if allowed is not None:
        bad = [v for v in value if v not in allowed]
        if bad:
            raise RuleFileError(rule, key, f"unknown value {bad[0]!r}")
    return tuple(v.strip() for v in value)


def parse_rule(doc: Any, *, source: str, sql_dir: Path | None) -> Rule:
    """Validate one rule document (parsed YAML) and return the Rule; RuleFileError names rule and field."""
    if not isinstance(doc, dict):
        raise RuleFileError(source, "(file)", "a rule file holds one mapping")
    rule = str(doc.get("id", source))
    unknown = set(doc) - set(_RULE_FIELDS)
    if unknown:
        raise RuleFileError(rule, sorted(unknown)[0], "unknown field")
    for key, required in _RULE_FIELDS.items():
        if required and key not in doc:
            raise RuleFileError(rule, key, "required field is missing")
    if not isinstance(doc["id"], str) or not _ID_RE.match(doc["id"]):
        raise RuleFileError(rule, "id", "expected lower-case letters, digits and underscores")
    version = _need(rule, doc, "version", int)
    if version < 1:
        raise RuleFileError(rule, "version", f"expected a positive integer, got {version}")
    pattern = doc["pattern"]
    if pattern is not None and pattern not in PATTERNS:
        raise RuleFileError(rule, "pattern", f"unknown pattern {pattern!r}; expected one of {list(PATTERNS)}")
    subject = _need(rule, doc, "subject", str)
    if subject not in RECORD_TYPES:
        raise RuleFileError(rule, "subject", f"unknown record type {subject!r}")
    if pattern is not None and PATTERN_SUBJECTS[pattern] != subject:
        raise RuleFileError(
            rule, "subject", f"pattern {pattern} has subjects of type {PATTERN_SUBJECTS[pattern]}"
        )
    post = doc.get("post")
    if post is not None and post not in POST_STEPS:
        raise RuleFileError(rule, "post", f"unknown step {post!r}; expected one of {sorted(POST_STEPS)}")
    raw_params = doc.get("parameters") or {}
    if not isinstance(raw_params, dict):
        raise RuleFileError(rule, "parameters", "expected a mapping of parameter name to specification")
    params = tuple(_parse_parameter(rule, name, spec) for name, spec in raw_params.items())
    shows = _str_list(rule, doc, "shows")
    explanation = _need(rule, doc, "explanation", str)
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(explanation) if f}
    except ValueError as exc:
        raise RuleFileError(rule, "explanation", f"bad template: {exc}")
    missing = sorted(n for n in names if n not in shows)
    if missing:
        raise RuleFileError(
            rule, "explanation", f"placeholder {{{missing[0]}}} is not a fact listed in shows"
        )
    return Rule(
        id=doc["id"],
        version=version,
        title=_need(rule, doc, "title", str).strip(),
        pattern=pattern,
        subject=subject,
        sql=_read_sql(rule, doc, sql_dir),
        explanation=" ".join(explanation.split()),
        shows=shows,
        cannot_see=_str_list(rule, doc, "cannot_see"),
        parameters=params,
        values=MappingProxyType({p.name: p.default for p in params}),
        triggers=_str_list(rule, doc, "triggers", TRIGGERS),
        depends_on=_str_list(rule, doc, "depends_on"),
        post=post,
        needs=_parse_needs(rule, doc),
        source=source,
    )


def _read_sql(rule: str, doc: Mapping[str, Any], sql_dir: Path | None) -> str:
    name = _need(rule, doc, "sql", str)
    if "\n" in name or not name.endswith(".sql"):
        raise RuleFileError(rule, "sql", f"expected the name of a .sql file next to the rule, got {name!r}")
    if sql_dir is None:
        raise RuleFileError(rule, "sql", "no folder to read the SQL file from")
    path = sql_dir / name
    if not path.is_file():
        raise RuleFileError(rule, "sql", f"file {name!r} not found next to the rule")
    text = path.read_text(encoding="utf-8")
    try:  # parse only (no tables needed): a syntax error is refused at load, not at the first scan
        statements = duckdb.extract_statements(text)
    except duckdb.Error as exc:
        raise RuleFileError(rule, "sql", f"{name} does not parse: {str(exc).splitlines()[0]}")
    if len(statements) != 1:
        raise RuleFileError(
            rule, "sql", f"{name} must hold exactly one SELECT, found {len(statements)} statements"
        )
    return text


def with_parameters(rule: Rule, overrides: Mapping[str, Any]) -> Rule:
    """A copy of `rule` with some parameter values replaced, each checked against its type and bounds."""
    known = {p.name: p for p in rule.parameters}
    values = dict(rule.values)
    for name, value in overrides.items():
        if name not in known:
            raise RuleFileError(rule.id, f"parameters.{name}", "no such parameter")
        values[name] = known[name].check(rule.id, value)
    return Rule(**{**rule.__dict__, "values": MappingProxyType(values)})


def _order(rules: list[Rule]) -> tuple[Rule, ...]:
    by_id: dict[str, Rule] = {}
    for rule in rules:
        if rule.id in by_id:
            raise RuleFileError(rule.id, "id", f"defined twice ({by_id[rule.id].source} and {rule.source})")
        by_id[rule.id] = rule
    ordered: list[Rule] = []
    state: dict[str, int] = {}

    def visit(rule: Rule) -> None:
        if state.get(rule.id) == 2:
            return
        if state.get(rule.id) == 1:
            raise RuleFileError(rule.id, "depends_on", "dependency cycle")
        state[rule.id] = 1
        for dep in rule.depends_on:
            if dep not in by_id:
                raise RuleFileError(rule.id, "depends_on", f"unknown rule {dep!r}")
            visit(by_id[dep])
        state[rule.id] = 2
        ordered.append(rule)

    for rule in sorted(rules, key=lambda r: r.id):
        visit(rule)
    return tuple(ordered)


def load_ruleset(
    paths: Iterable[str | Path] | None = None, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> RuleSet:
    """Load and validate rule files (YAML files, or folders of them) into a new immutable RuleSet.

    With no paths, loads the rules shipped with Kinward. `overrides` maps rule id -> {parameter: value}. Any
    problem raises RuleFileError naming the rule and field; nothing is half-loaded.
    """
    files: list[Path] = []
    for entry in [Path(p) for p in paths] if paths is not None else [default_rules_dir()]:
        files.extend(sorted(entry.glob("*.yaml")) if entry.is_dir() else [entry])
    rules = []
    for path in files:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise RuleFileError(path.stem, "(syntax)", f"{path.name} is not valid YAML: {exc}")
        except OSError as exc:
            raise RuleFileError(path.stem, "(file)", f"cannot read {path}: {exc}")
        rules.append(parse_rule(doc, source=str(path), sql_dir=path.parent))
    for rule_id, values in (overrides or {}).items():
        index = next((i for i, r in enumerate(rules) if r.id == rule_id), None)
        if index is None:
            raise RuleFileError(rule_id, "id", "parameter override for a rule that is not loaded")
        rules[index] = with_parameters(rules[index], values)
    return RuleSet(_order(rules))


def default_rules_dir() -> Path:
    """The folder of rule files shipped in the package."""
    return Path(str(resources.files("kinward.engines.rules") / "definitions"))
