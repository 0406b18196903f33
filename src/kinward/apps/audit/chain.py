"""The audit trail's hash chain: how an entry's hash is computed, and how the chain is checked."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

GENESIS_HASH = "0" * 64
CHAINED_FIELDS = (
    "seq",
    "at",
    "actor_user_id",
    "actor_token_id",
    "actor_username",
    "agency_id",
    "role",
    "action",
    "object_type",
    "object_id",
    "client_address",
    "outcome",
)


def _canonical_value(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    return value


def entry_hash(prev_hash: str, fields: dict) -> str:
    """SHA-256 (hex) over the previous entry's hash and the canonical JSON of this entry's chained fields."""
    body = {name: _canonical_value(fields[name]) for name in CHAINED_FIELDS}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_seq: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(entries: Iterable[dict], head: tuple[int, str] | None = None) -> ChainReport:
    """Walk entries in `seq` order and report the first broken link.

    A link is broken when an entry's `prev_hash` is not the previous entry's hash, when its own hash does not
    match its fields (it was edited), or when a sequence number is missing (an entry was deleted). `head` is the
    (last_seq, last_hash) the log recorded; it catches deletion of the newest entries.
    """
    previous_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in entries:
        seq = entry["seq"]
        if seq != expected_seq:
            return ChainReport(checked, expected_seq, f"entry {expected_seq} is missing (next found: {seq})")
        if entry["prev_hash"] != previous_hash:
            return ChainReport(checked, seq, f"entry {seq} does not point at the hash of entry {seq - 1}")
        if entry_hash(entry["prev_hash"], entry) != entry["entry_hash"]:
            return ChainReport(checked, seq, f"entry {seq} was altered: its hash does not match its contents")
        previous_hash = entry["entry_hash"]
        expected_seq += 1
        checked += 1
    if head is not None and head[0] != checked:
        return ChainReport(checked, checked + 1, f"the log records {head[0]} entries but {checked} remain")
    if head is not None and head[0] and head[1] != previous_hash:
        return ChainReport(checked, checked, f"the newest entry {checked} differs from the recorded head")
    return ChainReport(checked, None, "intact")
