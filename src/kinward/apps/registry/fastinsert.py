"""Inserting many unsaved rows of one model fast: multi-row `INSERT ... RETURNING id` with values converted once
per field type, instead of `bulk_create`'s per-value compilation (the registry's import and batch writes spend
most of their time there). Same conversions as the ORM (`connection.ops.adapt_*`, `get_db_prep_save`); the
database still checks every constraint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, models

MAX_PARAMETERS = 30_000  # under PostgreSQL's 65,535 and SQLite's 32,766 (older builds) bind parameters


def _converter(field: models.Field) -> Callable[[Any], Any]:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        return lambda value: None if value is None else ops.adapt_datetimefield_value(value)
    if isinstance(field, models.DateField):
        return lambda value: None if value is None else ops.adapt_datefield_value(value)
    if isinstance(field, models.JSONField | models.UUIDField | models.BinaryField | models.DecimalField):
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def rows_insert(rows: list[models.Model]) -> list[models.Model]:
    """Insert unsaved rows of one model (defaults already applied by the constructor); set and return their pks.

    Run it inside the caller's transaction. Rows come back with `pk` set, in the order given (as
    `bulk_create` relies on: RETURNING follows the VALUES order on SQLite and PostgreSQL).
    """
    if not rows:
        return rows
    meta = rows[0]._meta
    pk = meta.pk
    fields = [f for f in meta.concrete_fields if f is not pk]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    getters = [(f.attname, _converter(f)) for f in fields]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    chunk = max(1, MAX_PARAMETERS // len(fields))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params = [convert(getattr(row, name)) for row in part for name, convert in getters]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {', '.join([one] * len(part))} "
                f"RETURNING {quote(pk.column)}",
                params,
            )
            for row, (value,) in zip(part, cursor.fetchall(), strict=True):
                row.pk = value
                row._state.adding = False
                row._state.db = connection.alias
    return rows


_TEMPLATES: dict[type, tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


def _template(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    fixed: dict[str, Any] = {}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            fresh.append((field.attname, field.get_default))
        else:
            fixed[field.attname] = None if field.primary_key else field.get_default()
    _TEMPLATES[model] = (fixed, fresh)
    return fixed, fresh


def fast_row(model: type[models.Model], **values: Any) -> models.Model:
    """An unsaved row built without the model constructor's per-field descriptor work (the importer builds
    millions). `values` use attribute names (`facility_id`, not `facility`); defaults are applied as the
    constructor applies them (callable defaults, such as a new UUID, called per row)."""
    fixed, fresh = _TEMPLATES.get(model) or _template(model)
    row = model.__new__(model)
    attributes = row.__dict__
    attributes.update(fixed)
    for name, make in fresh:
        attributes[name] = make()
    attributes.update(values)
    attributes["_state"] = models.base.ModelState()
    return row
