"""One interchange record appended to its base table in DuckDB (the incremental evaluator's input), with the
format's field types: a malformed record is refused with a message naming its type, ref and field."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any

import duckdb

from .dataset import SCHEMAS


class RecordError(ValueError):
    """A record handed to the incremental evaluator is malformed (message names record type, ref and field)."""


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


@functools.cache
def _insert_sql(record_type: str) -> str:
    """The INSERT that appends one JSON record to its base table, each field cast to its declared type."""
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
    return f'INSERT INTO "{record_type}" SELECT {", ".join(selects)} FROM (SELECT CAST(? AS JSON) AS j)'


_PLAIN_TYPES = {"VARCHAR": (str,), "DATE": (str,), "BOOLEAN": (bool,), "INTEGER": (int,)}


def _nested(sqltype: str) -> bool:
    return sqltype == "JSON" or sqltype.startswith("STRUCT") or sqltype.endswith("[]")


@functools.cache
def _insert_fields_sql(record_type: str, names: tuple[str, ...]) -> str:
    """The INSERT of the given fields (the others NULL), one parameter per field: a plain value cast to its
    type, a nested one as JSON text through json_transform."""
    selects = []
    for i, name in enumerate(names):
        sqltype = SCHEMAS[record_type][name]
        if sqltype == "JSON":
            selects.append(f"CAST($p{i} AS JSON)")
        elif _nested(sqltype):
            structure = json.dumps(json_structure(sqltype)).replace("'", "''")
            selects.append(f"CAST(json_transform(CAST($p{i} AS JSON), '{structure}') AS {sqltype})")
        else:
            selects.append(f"CAST($p{i} AS {sqltype})")
    columns = ", ".join(f'"{name}"' for name in names)
    return f'INSERT INTO main."{record_type}" ({columns}) SELECT {", ".join(selects)}'


def _field_params(record_type: str, record: Mapping[str, Any]) -> tuple[tuple[str, ...], dict] | None:
    """The present fields and their parameters, or None when a plain field holds a value of another kind (a
    number for a text field, ...), which the JSON path converts as JSON does."""
    names, params = [], {}
    for name, sqltype in SCHEMAS[record_type].items():
        value = record.get(name)
        if value is None:
            continue
        if _nested(sqltype):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif not isinstance(value, _PLAIN_TYPES.get(sqltype, ())) or (
            isinstance(value, bool) and sqltype != "BOOLEAN"
        ):
            return None
        params[f"p{len(names)}"] = value
        names.append(name)
    return tuple(names), params


def insert_record(con: duckdb.DuckDBPyConnection, record_type: str, record: Mapping[str, Any]) -> None:
    """Append one interchange record to its base table (fields cast to the declared types). The usual record
    (text, dates, numbers and flags of their own kinds) binds only its present fields, a third cheaper than
    extracting every declared field from the record as JSON, which remains the path for anything else."""
    _check_record(record_type, record)
    fields = _field_params(record_type, record)
    try:
        if fields is not None and fields[0]:
            con.execute(_insert_fields_sql(record_type, fields[0]), fields[1])
        else:
            con.execute(_insert_sql(record_type), [json.dumps(dict(record))])
    except duckdb.Error as exc:
        raise RecordError(f"{record_type} record {record['ref']!r}: {exc}") from exc
