"""A LedgerStore on any DB-API 2 cursor (sqlite3, psycopg 3, or Django's connection cursor).

The store never commits or rolls back: the caller owns the transaction, so that a registry event row and its
ledger leaf commit together (Django hands over `connection.cursor()` inside `transaction.atomic()`).
`SQLiteLedger` is a standalone log in one SQLite file that does commit, in batches.

Tables (names are configurable; `ensure_schema` creates them with CREATE TABLE IF NOT EXISTS):

    <leaves>      (idx BIGINT PRIMARY KEY, data BLOB/BYTEA NOT NULL)           -- leaf index -> entry bytes
    <nodes>       (id BIGINT PRIMARY KEY, hash BLOB/BYTEA NOT NULL)            -- post-order node id -> hash
    <checkpoints> (seq BIGINT PRIMARY KEY, tree_size BIGINT NOT NULL, note TEXT NOT NULL)

On SQLite the keys are `INTEGER PRIMARY KEY` (the rowid, so appends go to the end of the B-tree); on
PostgreSQL they are BIGINT and the hashes BYTEA.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .errors import StoreError
from .log import MerkleLog

if TYPE_CHECKING:
    from .note import NoteSigner

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_DIALECTS = {
    "sqlite": ("INTEGER PRIMARY KEY", "BLOB"),
    "postgresql": ("BIGINT PRIMARY KEY", "BYTEA"),
}
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}
_READ_CHUNK = 500


class SQLStore:
    """LedgerStore over a DB-API 2 cursor; table names and parameter style are configurable.

    `paramstyle` is "qmark" (sqlite3) or "format"/"pyformat" (psycopg, Django cursors on every backend);
    `dialect` is "sqlite" or "postgresql" and only changes the DDL. The store never commits.
    """

    def __init__(
        self,
        cursor: Any,
        *,
        leaves_table: str = "ledger_leaf",
        nodes_table: str = "ledger_node",
        checkpoints_table: str = "ledger_checkpoint",
        paramstyle: str = "qmark",
        dialect: str = "sqlite",
    ) -> None:
        for name in (leaves_table, nodes_table, checkpoints_table):
            if not _IDENT.match(name):
                raise ValueError(f"table name {name!r} is not a plain SQL identifier")
        if paramstyle not in _PLACEHOLDERS:
            raise ValueError(f"paramstyle {paramstyle!r} is not one of {sorted(_PLACEHOLDERS)}")
        if dialect not in _DIALECTS:
            raise ValueError(f"dialect {dialect!r} is not one of {sorted(_DIALECTS)}")
        self.cursor = cursor
        self.leaves_table, self.nodes_table, self.checkpoints_table = (
            leaves_table,
            nodes_table,
            checkpoints_table,
        )
        self.dialect = dialect
        self._p = _PLACEHOLDERS[paramstyle]

    def schema_sql(self) -> list[str]:
        """The CREATE TABLE IF NOT EXISTS statements of the three ledger tables for this dialect."""
        key, blob = _DIALECTS[self.dialect]
        return [
            f"CREATE TABLE IF NOT EXISTS {self.leaves_table} (idx {key}, data {blob} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.nodes_table} (id {key}, hash {blob} NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {self.checkpoints_table} "
            f"(seq {key}, tree_size BIGINT NOT NULL, note TEXT NOT NULL)",
        ]

    def ensure_schema(self, cursor: Any | None = None) -> None:
        """Create the ledger tables if they do not exist (works on SQLite and PostgreSQL). Does not commit."""
        cur = cursor if cursor is not None else self.cursor
        for statement in self.schema_sql():
            cur.execute(statement)

    def tree_size(self) -> int:
        """Number of leaves: MAX(idx) + 1 (an index lookup, not a scan)."""
        self.cursor.execute(f"SELECT MAX(idx) FROM {self.leaves_table}")
        row = self.cursor.fetchone()
        return 0 if row is None or row[0] is None else int(row[0]) + 1

    def read_nodes(self, node_ids: Sequence[int]) -> list[bytes]:
        """Hashes of the given post-order node ids, in order, with one query per 500 ids."""
        found: dict[int, bytes] = {}
        unique = sorted(set(node_ids))
        for i in range(0, len(unique), _READ_CHUNK):
            chunk = unique[i : i + _READ_CHUNK]
            marks = ", ".join([self._p] * len(chunk))
            self.cursor.execute(f"SELECT id, hash FROM {self.nodes_table} WHERE id IN ({marks})", chunk)
            for node, value in self.cursor.fetchall():
                found[int(node)] = bytes(value)
        missing = [n for n in unique if n not in found]
        if missing:
            raise StoreError(
                f"table {self.nodes_table} lacks node ids {missing[:5]} (log incomplete or altered)"
            )
        return [found[n] for n in node_ids]

    def read_leaf(self, index: int) -> bytes:
        """Data of leaf `index`."""
        self.cursor.execute(f"SELECT data FROM {self.leaves_table} WHERE idx = {self._p}", (index,))
        row = self.cursor.fetchone()
        if row is None:
            raise StoreError(f"table {self.leaves_table} has no leaf {index}")
        return bytes(row[0])

    def append(
        self, first_index: int, leaves: Sequence[bytes], first_node: int, nodes: Sequence[bytes]
    ) -> None:
        """Insert the leaves and nodes with two executemany calls; a duplicate key means a concurrent append."""
        p = self._p
        self.cursor.executemany(
            f"INSERT INTO {self.leaves_table} (idx, data) VALUES ({p}, {p})",
            [(first_index + i, d) for i, d in enumerate(leaves)],
        )
        self.cursor.executemany(
            f"INSERT INTO {self.nodes_table} (id, hash) VALUES ({p}, {p})",
            [(first_node + i, h) for i, h in enumerate(nodes)],
        )

    def latest_checkpoint(self) -> str | None:
        """The signed checkpoint note with the highest sequence number, or None."""
        self.cursor.execute(f"SELECT note FROM {self.checkpoints_table} ORDER BY seq DESC LIMIT 1")
        row = self.cursor.fetchone()
        return None if row is None else str(row[0])

    def save_checkpoint(self, tree_size: int, signed_note: str) -> None:
        """Insert a signed checkpoint note with the next sequence number."""
        self.cursor.execute(f"SELECT MAX(seq) FROM {self.checkpoints_table}")
        row = self.cursor.fetchone()
        seq = 1 if row is None or row[0] is None else int(row[0]) + 1
        p = self._p
        self.cursor.execute(
            f"INSERT INTO {self.checkpoints_table} (seq, tree_size, note) VALUES ({p}, {p}, {p})",
            (seq, tree_size, signed_note),
        )


class SQLiteLedger(MerkleLog):
    """A Merkle log in one SQLite file (WAL mode) that commits its own writes in batches.

    For the benchmark, the CLI and small standalone logs. Inside the web application use `SQLStore` on the
    application's cursor instead, so the ledger leaf shares the transaction of the event it records.
    """

    def __init__(self, path: str, *, batch_size: int = 10_000, synchronous: str = "NORMAL") -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute(f"PRAGMA synchronous={synchronous}")
        cursor = self.connection.cursor()
        store = SQLStore(cursor)
        store.ensure_schema()
        self.connection.commit()
        self.batch_size = batch_size
        super().__init__(store)

    def append_many(self, leaves: Iterable[bytes]) -> range:
        """Append leaves, committing after every `batch_size` leaves; returns the range of new indexes."""
        first = self.size
        batch: list[bytes] = []
        for data in leaves:
            batch.append(data)
            if len(batch) >= self.batch_size:
                super().append_many(batch)
                self.connection.commit()
                batch = []
        if batch:
            super().append_many(batch)
            self.connection.commit()
        return range(first, self.size)

    def sign_checkpoint(self, signer: NoteSigner, origin: str, extensions: Sequence[str] = ()) -> str:
        """Sign a checkpoint (refusing an inconsistent one, see MerkleLog.sign_checkpoint), save it and commit."""
        signed = super().sign_checkpoint(signer, origin, extensions)
        self.connection.commit()
        return signed

    def close(self) -> None:
        """Close the SQLite connection."""
        self.connection.close()
