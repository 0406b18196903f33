"""The registry's public Merkle log, on the application database, through the ledger engine.

Leaves are appended on the caller's transaction (`connection.cursor()` inside `transaction.atomic()`), so an
event row and its leaf commit or roll back together. A leaf holds only the event's kind, time, facility and
identifiers (event id, newborn ID, agency ids) and salted commitments to personal fields: HMAC-SHA256 keyed
with a per-record secret kept in the event's row, never in the log (ARCHITECTURE.md, "The public log holds
no personal data").
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from kinward.engines.ledger import MerkleLog, NoteSigner, SQLStore, canonical_json
from kinward.engines.ledger import commitments as salted_commitments

LEAF_VERSION = 1
TABLES = {
    "leaves_table": "registry_ledger_leaf",
    "nodes_table": "registry_ledger_node",
    "checkpoints_table": "registry_ledger_checkpoint",
}


class LedgerKeyMissing(RuntimeError):
    """The checkpoint signer key file does not exist and may not be created (production)."""


def registry_log(cursor=None) -> MerkleLog:
    """The registry log on the default database connection (or the given cursor); it never commits."""
    dialect = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    store = SQLStore(cursor or connection.cursor(), paramstyle="format", dialect=dialect, **TABLES)
    return MerkleLog(store)


def append_leaves(leaves: Sequence[bytes]) -> range:
    """Append leaves on the current transaction, after locking the log head; returns their indexes.

    Must run inside `transaction.atomic()`: the lock and the rows are released or rolled back with it.
    """
    from kinward.apps.registry.models import LedgerHead

    if not connection.in_atomic_block:
        raise RuntimeError("ledger leaves are appended only inside the transaction of the events they record")
    LedgerHead.objects.select_for_update().get_or_create(id=1)
    return registry_log().append_many(leaves)


# --- leaf encoding -----------------------------------------------------------------------------------------


def local_time(value: dt.datetime, utc_offset_minutes: int) -> dt.datetime:
    """An instant shown in the offset where it happened (interchange times keep their own offset)."""
    return value.astimezone(dt.timezone(dt.timedelta(minutes=utc_offset_minutes)))


def rfc3339(value: dt.datetime, utc_offset_minutes: int) -> str:
    return local_time(value, utc_offset_minutes).isoformat(timespec="seconds")


# one encoder for every committed value: `json.dumps` with options builds a new JSONEncoder per call
_COMMITTED_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _committed(secret: bytes, personal: dict[str, Any]) -> dict[str, str]:
    """One salted commitment per personal field; the field name is bound into the committed text."""
    encode = _COMMITTED_JSON.encode
    texts = {
        # a str straight to the C quoting that `encode` itself calls for one (most values are names or numbers)
        name: name + "=" + (encode_basestring(value) if type(value) is str else encode(value))
        for name, value in personal.items()
        if not (value is None or value == "" or value == [])
    }
    return salted_commitments(secret, texts)


def event_leaf(
    *,
    kind: str,
    event_id: str,
    newborn_id: str | None,
    time: str,
    facility_id: int | None,
    secret: bytes,
    identifiers: dict[str, Any] | None = None,
    personal: dict[str, Any] | None = None,
) -> bytes:
    """The canonical JSON bytes of one registry event's leaf (kinds: birth, custody.<type>, pregnancy.enrolled,
    pregnancy.visit, pregnancy.<type> of an ending, birth.registered, and the imported facts). `identifiers` are
    public ids (agency ids, the corrected event's id); `personal` values appear only as commitments."""
    entry: dict[str, Any] = {
        "v": LEAF_VERSION,
        "kind": kind,
        "event_id": event_id,
        "time": time,
        "facility": facility_id,
    }
    if newborn_id:
        entry["newborn_id"] = newborn_id
    if identifiers:
        entry["ids"] = {k: v for k, v in identifiers.items() if v not in (None, "", [])}
    commitments = _committed(secret, personal or {})
    if commitments:
        entry["commitments"] = commitments
    return canonical_json(entry)


# --- the checkpoint signer ---------------------------------------------------------------------------------


def ledger_key_path() -> Path:
    return Path(settings.LEDGER_KEY_FILE)


def ledger_signer() -> NoteSigner:
    """The Ed25519 signed-note key that signs checkpoints; created (mode 0600) on first use unless production."""
    path = ledger_key_path()
    if path.exists():
        return NoteSigner.parse(path.read_text(encoding="utf-8"))
    if settings.PRODUCTION:
        raise LedgerKeyMissing(
            f"ledger signer key {path} does not exist: create it with `kinward ledger keygen --name "
            f"{settings.LEDGER_ORIGIN} --out-dir {path.parent}` and point KINWARD_LEDGER_KEY_FILE at it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    signer = NoteSigner.generate(settings.LEDGER_ORIGIN.replace(" ", "_"))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return NoteSigner.parse(path.read_text(encoding="utf-8"))
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(signer.to_string() + "\n")
    return signer
