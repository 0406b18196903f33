"""Inserting many unsaved rows of one model fast: multi-row `INSERT ... RETURNING id` with values converted once
per field type, instead of `bulk_create`'s per-value compilation (the registry's import and batch writes spend
most of their time there). Same conversions as the ORM (`connection.ops.adapt_*`, `get_db_prep_save`); the
database still checks every constraint. Also what a bulk job (import, export, ledger audit) runs under: a large
SQLite page cache (`bulk_write_cache`) and its long-lived objects kept from full garbage collections
(`long_lived_spared`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import operator
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models.lookups import In

MAX_PARAMETERS = 30_000  # under PostgreSQL's 65,535 and SQLite's 32,766 (older builds) bind parameters


def _last_one(adapt: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`adapt` for a value that is not None, remembering the last answer: a batch's rows share some values
    (`recorded_at` is the same instant for all of them)."""
    last: list[Any] = [None, None]

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if value is not last[0]:
            last[:] = value, adapt(value)
        return last[1]

    return convert


def _sqlite_utc_text(value: Any, ops: Any) -> Any:
    """`ops.adapt_datetimefield_value` on SQLite with USE_TZ and a UTC connection, for an aware datetime without
    its per-call settings lookups: the naive UTC time as text, as Django stores it."""
    if type(value) is dt.datetime and value.tzinfo is not None:
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    return ops.adapt_datetimefield_value(value)


def _converter(field: models.Field, db: Any) -> Callable[[Any], Any] | None:
    """How one field's Python value becomes a query parameter on the connection `db` (None: as it is)."""
    ops = db.ops
    if isinstance(field, models.DateTimeField):
        if db.vendor == "sqlite" and settings.USE_TZ and db.timezone == dt.UTC:
            return _last_one(lambda value: _sqlite_utc_text(value, ops))
        return _last_one(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return _last_one(ops.adapt_datefield_value)
    if isinstance(field, models.UUIDField) and not db.features.has_native_uuid_field:
        prep = field.get_db_prep_save
        return lambda value: value.hex if type(value) is uuid.UUID else prep(value, db)
    if isinstance(field, models.JSONField | models.UUIDField | models.BinaryField | models.DecimalField):
        prep = field.get_db_prep_save
        return lambda value: prep(value, db)
    return None


_PLANS: dict[tuple[str, type], tuple] = {}


def _plan(model: type[models.Model], db: Any) -> tuple:
    """Per model and database vendor, once: the INSERT's head and tail, one row's placeholders, a getter of a
    row's values in column order, and the fields (by position) whose values need converting."""
    key = (db.vendor, model)
    if key not in _PLANS:
        meta = model._meta
        pk = meta.pk
        fields = [f for f in meta.concrete_fields if f is not pk]
        quote = db.ops.quote_name
        getter = operator.attrgetter(*(f.attname for f in fields))
        _PLANS[key] = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES ",
            "(" + ", ".join(["%s"] * len(fields)) + ")",
            getter if len(fields) > 1 else lambda row: (getter(row),),
            list(enumerate(fields)),
            f" RETURNING {quote(pk.column)}",
        )
    return _PLANS[key]


def _execute(db: Any, cursor: Any, sql: str, params: list[Any]) -> None:
    """`cursor.execute`; on SQLite without query logging, straight to sqlite3 with `?` placeholders (Django's
    wrapper rewrites `%s` with a regular expression over the whole statement, tens of thousands of them here).
    Database errors still arrive as Django's (IntegrityError...), which the importer relies on."""
    if db.vendor != "sqlite" or db.queries_logged:
        cursor.execute(sql, params)
        return
    db.validate_no_broken_transaction()
    with db.wrap_database_errors:
        sqlite3.Cursor.execute(cursor.cursor, sql.replace("%s", "?"), params)


def rows_insert(rows: list[models.Model]) -> list[models.Model]:
    """Insert unsaved rows of one model (defaults already applied by the constructor); set and return their pks.

    Run it inside the caller's transaction. Rows come back with `pk` set, in the order given (as
    `bulk_create` relies on: RETURNING follows the VALUES order on SQLite and PostgreSQL).
    """
    if not rows:
        return rows
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: the `connection` proxy costs per attribute
    head, one, values, fields, returning = _plan(type(rows[0]), db)
    converters = [(i, c) for i, f in fields if (c := _converter(f, db)) is not None]
    chunk = max(1, MAX_PARAMETERS // len(fields))
    with db.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            params: list[Any] = []
            for row in part:
                row_values = list(values(row))
                for i, convert in converters:
                    row_values[i] = convert(row_values[i])
                params += row_values
            _execute(db, cursor, head + ", ".join([one] * len(part)) + returning, params)
            for row, (value,) in zip(part, cursor.fetchall(), strict=True):
                row.pk = value
                row._state.adding = False
                row._state.db = db.alias
    return rows


_TEMPLATES: dict[type, tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]] = {}


@models.IntegerField.register_lookup
class InIds(In):
    """`filter(pk__in_ids=ids)`: `IN` over integer keys, each converted with `int()` instead of `in`'s per-value
    preparation (`In.batch_process_rhs`: a tenth of a million-birth import, in the leaf builders' lookups of the
    people, staff and children a batch names). Only for plain ints (None is dropped, as `in` does)."""

    lookup_name = "in_ids"

    def get_prep_lookup(self) -> list[int]:
        return list(dict.fromkeys(int(v) for v in self.rhs if v is not None))

    def process_rhs(self, compiler: Any, connection: Any) -> tuple[str, list[int]]:
        if not self.rhs:
            raise EmptyResultSet
        return "(" + ", ".join(["%s"] * len(self.rhs)) + ")", list(self.rhs)


def _template(model: type[models.Model]) -> tuple[dict[str, Any], list[tuple[str, Callable[[], Any]]]]:
    fixed: dict[str, Any] = {}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for field in model._meta.concrete_fields:
        if field.has_default() and callable(field.default):
            plain = type(field).get_default is models.Field.get_default  # no override: the default itself
            fresh.append((field.attname, field.default if plain else field.get_default))
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


def loaded_row(model: type[models.Model], names: tuple[str, ...], values: tuple[Any, ...]) -> models.Model:
    """A row read from the database with only the fields `names` (attribute names, the pk among them), as
    `.only(*names)` gives it, without the model constructor (the registry's writes read mothers by the
    thousand); the other fields load on access, as deferred fields do."""
    row = model.__new__(model)
    row.__dict__.update(zip(names, values, strict=True))
    state = row._state = models.base.ModelState()
    state.adding, state.db = False, DEFAULT_DB_ALIAS
    return row


BULK_CACHE_KIB = 512 * 1024  # SQLite page cache for a bulk write such as `kinward import` (default: 2 MiB)
BULK_WAL_PAGES = 16_384  # WAL pages (64 MiB) between automatic checkpoints during a bulk write (default: 1,000)


@contextlib.contextmanager
def bulk_write_cache() -> Iterator[None]:
    """On SQLite, a large page cache and rarer WAL checkpoints on this connection while the block runs, then the
    previous settings again.

    Random keys (newborn IDs, the mothers read back for each birth's leaf) touch pages all over the indexes; with
    the default 2 MiB cache almost every insert reads pages back from the file once the database outgrows it, so
    a million-birth import spends more per record than a small one. Memory is taken only as pages are read.
    A batch of a thousand facts fills the default 1,000-page WAL, so SQLite checkpointed (copied pages into the
    database file and synced it) after nearly every batch, writing again the index and log pages that every
    batch changes; with 64 MiB between checkpoints each such page reaches the file once per checkpoint."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "sqlite":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute("PRAGMA wal_autocheckpoint")
        (checkpoint,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {BULK_WAL_PAGES}")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info["generation"] == 1:
        gc.freeze()


@contextlib.contextmanager
def long_lived_spared() -> Iterator[None]:
    """While the block runs, whatever survives the collector's young generations is moved out of its reach
    (`gc.freeze` after each generation-1 collection); when the block ends it is handed back (`gc.unfreeze`).

    A bulk job (`kinward import`, the ledger audit) keeps millions of small objects alive: refs seen, what later
    records' checks need, the rebuilt tree. Each full collection walked all of them again: a sixth of a
    200,000-birth import's CPU time (135 full collections, 20 s) and a quarter of its ledger audit's, more per
    record the larger the dataset. Young garbage is still collected as usual; a cycle that outlives the young
    generations is collected after the block. A process that froze objects itself (or runs without the
    collector) is left as it is."""
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.callbacks.append(_freeze_survivors)
    try:
        yield
    finally:
        gc.callbacks.remove(_freeze_survivors)
        gc.unfreeze()
