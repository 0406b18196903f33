"""The SQL store on real databases: same tree as in memory, batched writes, caller-owned transactions."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from kinward.engines.ledger import MerkleLog, SQLiteLedger, SQLStore, StoreError, leaf_hash, verify_inclusion


class FormatStyleCursor:
    """A cursor taking %s placeholders over sqlite3, as Django's SQLite cursor wrapper does."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.cursor = cursor

    def execute(self, sql, params=()):
        return self.cursor.execute(sql.replace("%s", "?"), params)

    def executemany(self, sql, rows):
        return self.cursor.executemany(sql.replace("%s", "?"), rows)

    def fetchone(self):
        return self.cursor.fetchone()

    def fetchall(self):
        return self.cursor.fetchall()


def _events(n: int, start: int = 0) -> list[bytes]:
    return [f'{{"event":"birth","seq":{i}}}'.encode() for i in range(start, start + n)]


def test_sqlite_store_builds_the_same_tree_as_memory(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "ledger.sqlite")
    store = SQLStore(connection.cursor(), leaves_table="reg_leaf", nodes_table="reg_node")
    store.ensure_schema()
    sql_log, memory_log = MerkleLog(store), MerkleLog()
    for log in (sql_log, memory_log):
        log.append_many(_events(50))
        log.append(b"one more")
    assert sql_log.root() == memory_log.root()
    assert sql_log.root(17) == memory_log.root(17)
    assert sql_log.inclusion_proof(33, 40) == memory_log.inclusion_proof(33, 40)
    assert sql_log.consistency_proof(13, 51) == memory_log.consistency_proof(13, 51)
    assert sql_log.leaf_data(50) == b"one more"
    count = connection.execute("SELECT COUNT(*) FROM reg_node").fetchone()[0]
    assert count == len(memory_log.store.nodes)


def test_the_store_never_commits_so_a_rollback_removes_the_leaf_with_the_event(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "shared.sqlite")
    cursor = connection.cursor()
    cursor.execute("CREATE TABLE birth_event (id INTEGER PRIMARY KEY, body TEXT)")
    store = SQLStore(FormatStyleCursor(cursor), paramstyle="format")
    store.ensure_schema()
    connection.commit()
    log = MerkleLog(store)
    log.append_many(_events(5))
    connection.commit()
    root_before = log.root()

    cursor.execute("INSERT INTO birth_event (body) VALUES ('synthetic birth')")
    log.append(b"the birth event")
    assert connection.in_transaction  # nothing was committed behind the caller's back
    connection.rollback()

    assert connection.execute("SELECT COUNT(*) FROM birth_event").fetchone()[0] == 0
    assert store.tree_size() == 5
    index = log.append(b"another birth")  # the log notices the size changed and reloads its edge
    assert index == 5
    assert log.root(5) == root_before
    verify_inclusion(leaf_hash(b"another birth"), 5, 6, log.inclusion_proof(5), log.root())


def test_a_log_object_stays_correct_when_another_writer_replaced_its_rolled_back_leaf(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "two-writers.sqlite")
    store = SQLStore(connection.cursor())
    store.ensure_schema()
    mine, other = MerkleLog(store), MerkleLog(store)
    mine.append_many(_events(3))
    connection.commit()
    mine.append(b"rolled back")
    connection.rollback()
    other.append(b"written by the other writer")  # the size is 4 again, with other content
    connection.commit()
    mine.append(b"next")
    expected = MerkleLog()
    expected.append_many([*_events(3), b"written by the other writer", b"next"])
    assert mine.root() == expected.root()
    assert mine.inclusion_proof(2) == expected.inclusion_proof(2)


def test_a_concurrent_append_at_the_same_index_is_refused_by_the_primary_key(tmp_path: Path) -> None:
    path = tmp_path / "race.sqlite"
    first = sqlite3.connect(path)
    store = SQLStore(first.cursor())
    store.ensure_schema()
    log = MerkleLog(store)
    log.append(b"a")
    with pytest.raises(sqlite3.IntegrityError):
        store.append(0, [b"forged"], 0, [leaf_hash(b"forged")])


def test_a_missing_node_is_reported_not_guessed(tmp_path: Path) -> None:
    connection = sqlite3.connect(tmp_path / "gap.sqlite")
    store = SQLStore(connection.cursor())
    store.ensure_schema()
    log = MerkleLog(store)
    log.append_many(_events(8))
    connection.execute("DELETE FROM ledger_node WHERE id = 2")
    with pytest.raises(StoreError, match="lacks node ids"):
        log.inclusion_proof(3, 5)


def test_table_names_and_paramstyles_are_checked() -> None:
    with pytest.raises(ValueError, match="not a plain SQL identifier"):
        SQLStore(None, leaves_table="leaf; DROP TABLE x")
    with pytest.raises(ValueError, match="paramstyle"):
        SQLStore(None, paramstyle="named")
    ddl = SQLStore(None, dialect="postgresql").schema_sql()
    assert all("BYTEA" in s or "note TEXT" in s for s in ddl)


def test_sqlite_ledger_commits_in_batches_and_reopens(tmp_path: Path) -> None:
    path = str(tmp_path / "standalone.sqlite")
    ledger = SQLiteLedger(path, batch_size=7)
    ledger.append_many(_events(30))
    root = ledger.root()
    ledger.close()
    reopened = SQLiteLedger(path)
    assert reopened.size == 30
    assert reopened.root() == root
    reopened.close()


@pytest.mark.skipif(
    not os.environ.get("KINWARD_TEST_POSTGRES_DSN"),
    reason="set KINWARD_TEST_POSTGRES_DSN to test on PostgreSQL",
)
def test_postgresql_store_builds_the_same_tree_inside_the_callers_transaction() -> None:
    import psycopg

    with psycopg.connect(os.environ["KINWARD_TEST_POSTGRES_DSN"]) as connection:
        cursor = connection.cursor()
        store = SQLStore(
            cursor,
            leaves_table="kw_test_leaf",
            nodes_table="kw_test_node",
            checkpoints_table="kw_test_checkpoint",
            paramstyle="format",
            dialect="postgresql",
        )
        store.ensure_schema()
        log, memory_log = MerkleLog(store), MerkleLog()
        for target in (log, memory_log):
            target.append_many(_events(40))
        assert log.root() == memory_log.root()
        assert log.inclusion_proof(17) == memory_log.inclusion_proof(17)
        assert log.consistency_proof(9) == memory_log.consistency_proof(9)
        connection.rollback()  # leaves the database as it was
