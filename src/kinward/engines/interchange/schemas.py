"""JSON Schemas (draft 2020-12) of the interchange record types, compiled once, with errors in plain words.

Validation takes a fast path and a precise path. Every record first goes through a validator compiled to Python
code by `fastjsonschema` (the schemas use only keywords whose meaning is the same in drafts 7 and 2020-12:
`type`, `enum`, `const`, `pattern`, `if`/`then`/`else`, boolean schemas, `additionalProperties`); a record that
passes is valid. A record that fails is run through `jsonschema`'s Draft 2020-12 validator, which reports every
problem with its location; those errors are put into words that a data clerk can act on.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from kinward.engines.interchange.format import RECORD_TYPES

SCHEMA_NAMES: tuple[str, ...] = (*RECORD_TYPES, "manifest")

_PATTERN_WORDS = {
    "time": "an RFC 3339 time with an offset, such as 2026-03-01T04:12:00+07:00",
    "date": "a date written YYYY-MM-DD",
    "E.164": "a phone number in E.164 form, such as +6281234567890",
    "[A-Z]{2}": "an ISO 3166-1 alpha-2 country code (two capital letters)",
    "version": 'a version such as 1 or "1.0"',
}


class UnknownRecordTypeError(KeyError):
    """A record type that the interchange format does not have."""

    def __init__(self, record_type: str) -> None:
        super().__init__(record_type)
        self.record_type = record_type

    def __str__(self) -> str:
        return f"unknown record type {self.record_type!r}; the format has {', '.join(SCHEMA_NAMES)}"


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation: the field path (`licence.status_since`, `documents[0].type`) and why."""

    field: str | None
    reason: str


def schema_text(name: str) -> str:
    """The JSON text of the schema of record type `name` (or "manifest"), as shipped in the package."""
    if name not in SCHEMA_NAMES:
        raise UnknownRecordTypeError(name)
    return (
        resources.files(__package__)
        .joinpath("schemas")
        .joinpath(f"{name}.schema.json")
        .read_text(encoding="utf-8")
    )


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed JSON Schema of record type `name` (or "manifest")."""
    return json.loads(schema_text(name))


@cache
def _precise_validator(name: str) -> Draft202012Validator:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def fast_validator(name: str) -> Callable[[Any], Any]:
    """A compiled validator for record type `name`: raises fastjsonschema.JsonSchemaException on bad input.

    For a schema whose rules depend on a `type` field (custody events), one validator is compiled per type
    value, from the same schema with the `if type is X` rules resolved; records are dispatched on their `type`.
    That avoids evaluating a dozen `if` branches per record (each failing `if` costs an exception).
    """
    schema = load_schema(name)
    full = fastjsonschema.compile(schema)
    variants = {
        value: fastjsonschema.compile(_specialise(schema, value)) for value in _type_constants(schema)
    }
    if not variants:
        return full

    def validate(record: Any) -> Any:
        kind = record.get("type") if isinstance(record, dict) else None
        variant = variants.get(kind) if isinstance(kind, str) else None
        return (variant or full)(record)

    return validate


def _type_constants(schema: dict[str, Any]) -> list[str]:
    """The values X of the schema's top-level rules `if type is X then ...`."""
    values = []
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {})
        if set(condition) == {"type"} and "const" in condition["type"]:
            values.append(condition["type"]["const"])
    return values


def _specialise(schema: dict[str, Any], value: str) -> dict[str, Any]:
    """The schema restricted to records whose `type` is `value`: equivalent on those records, cheaper to run.

    Rules `if type is X` become their `then` (X == value) or `else` (otherwise). Then rules whose `if`
    requires a field that the specialised schema forbids can never hold: they are dropped when their `else`
    only forbids fields that are forbidden already.
    """
    out = copy.deepcopy(schema)
    rules = []
    for rule in out.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {})
        if set(condition) == {"type"} and "const" in condition["type"]:
            branch = rule.get("then") if condition["type"]["const"] == value else rule.get("else")
            if branch is not None:
                rules.append(branch)
            continue
        rules.append(rule)
    forbidden = {
        f
        for rule in rules
        if "if" not in rule
        for f, sub in rule.get("properties", {}).items()
        if sub is False
    }
    kept = []
    for rule in rules:
        if "if" in rule and set(rule["if"].get("required", [])) & forbidden:
            other = rule.get("else")
            if other is None or (
                set(other) <= {"properties"}
                and {f for f, sub in other["properties"].items() if sub is False} <= forbidden
            ):
                continue
        kept.append(rule)
    out["allOf"] = kept
    out["properties"]["type"] = {"const": value}
    out["$id"] = out["$id"].replace(".schema.json", f"-{value}.schema.json")
    return out


def schema_errors(name: str, record: Any) -> list[SchemaError]:
    """Check `record` against the schema of record type `name`; return every violation, in plain words.

    An empty list means the record satisfies the JSON Schema (draft 2020-12). The fast compiled validator
    decides validity; only invalid records pay for the precise, complete error listing.
    """
    try:
        fast_validator(name)(record)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    validator = _precise_validator(name)
    errors = sorted(validator.iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    out = [_explain(validator.schema, error, record) for error in _leaves(errors)]
    if not out:  # the two validators disagree: report it rather than accept silently
        out = [SchemaError(None, "record does not match the schema (compiled validator)")]
    return out


def _leaves(errors: list[ValidationError]) -> list[ValidationError]:
    """Drop umbrella errors (anyOf/oneOf) in favour of their most specific context."""
    leaves: list[ValidationError] = []
    for error in errors:
        if error.validator in ("anyOf", "oneOf") and error.context:
            leaves.append(max(error.context, key=lambda e: (e.validator == "pattern", len(e.absolute_path))))
        else:
            leaves.append(error)
    return leaves


def _path_text(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(parent: str, child: str) -> str:
    return f"{parent}.{child}" if parent else child


def _explain(root: dict[str, Any], error: ValidationError, record: Any) -> SchemaError:
    """Turn one jsonschema error into a field path and a reason a data clerk can act on."""
    field = _path_text(error.absolute_path)
    if error.validator is None and "False schema" in error.message:
        field = _forbidden_field(root, error, record)
    when = _condition(root, list(error.absolute_schema_path))
    kind, value = error.validator, error.validator_value
    if kind == "required":
        missing = _quoted(error.message)
        return SchemaError(_join(field, missing), f"is required{when}")
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return SchemaError(
            _join(field, extra[0] if extra else "?"), "is not a field of this record in format version 1"
        )
    if kind is None and "False schema" in error.message:
        return SchemaError(field, f"is not allowed{when}")
    if kind == "type":
        expected = value if isinstance(value, str) else " or ".join(value)
        return SchemaError(field, f"must be {expected}{when}; got {_json_type(error.instance)}")
    if kind == "enum":
        return SchemaError(
            field, f"must be one of {', '.join(map(str, value))}{when}; got {error.instance!r}"
        )
    if kind == "const":
        return SchemaError(field, f"must be {value!r}; got {error.instance!r}")
    if kind == "pattern":
        return SchemaError(field, f"must be {_pattern_words(value)}; got {error.instance!r}")
    if kind == "minLength":
        return SchemaError(field, "must not be empty")
    if kind == "minItems":
        return SchemaError(field, f"must list at least {value}")
    if kind == "minimum":
        return SchemaError(field, f"must be at least {value}; got {error.instance!r}")
    if kind == "propertyNames":
        return SchemaError(field, f"has a key that is not a record type: {error.message}")
    return SchemaError(field or None, error.message)


def _forbidden_field(root: dict[str, Any], error: ValidationError, record: Any) -> str:
    """The name of a field rejected by a `false` subschema (jsonschema reports no path for those)."""
    node: Any = root
    for part in error.absolute_schema_path:
        node = node[part]
    container: Any = record
    for part in error.absolute_path:
        container = container[part]
    parent = _path_text(error.absolute_path)
    if isinstance(node, dict) and isinstance(container, dict):
        for name, sub in node.items():
            if sub is False and name in container and container[name] == error.instance:
                return _join(parent, name)
    return parent


def _quoted(message: str) -> str:
    match = re.match(r"'([^']*)'", message)
    return match.group(1) if match else message


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _pattern_words(pattern: str) -> str:
    if "T(" in pattern:
        return _PATTERN_WORDS["time"]
    if "E.164" in pattern or pattern.startswith(r"^\+"):
        return _PATTERN_WORDS["E.164"]
    if "[A-Z]{2}" in pattern:
        return _PATTERN_WORDS["[A-Z]{2}"]
    if pattern.startswith("^[1-9][0-9]*"):
        return _PATTERN_WORDS["version"]
    if "(0[1-9]|1[0-2])" in pattern:
        return _PATTERN_WORDS["date"]
    return f"text matching {pattern}"


def _condition(root: dict[str, Any], schema_path: list[Any]) -> str:
    """Describe the `if` that led to a `then`/`else` branch, e.g. " when type is transfer"."""
    for i in range(len(schema_path) - 1, -1, -1):
        if schema_path[i] in ("then", "else"):
            node: Any = root
            for part in schema_path[:i]:
                node = node[part]
            words = _if_words(node.get("if", {}))
            if not words:
                return ""
            return f" when {words}" if schema_path[i] == "then" else f" unless {words}"
    return ""


def _if_words(condition: dict[str, Any]) -> str:
    parts = []
    for name, sub in condition.get("properties", {}).items():
        if "const" in sub:
            parts.append(f"{name} is {sub['const']}")
        elif "enum" in sub:
            parts.append(f"{name} is one of {', '.join(sub['enum'])}")
        elif sub.get("type") == "null":
            parts.append(f"{name} is null")
    return " and ".join(parts)
