"""Blocks of newborn IDs signed out to a facility for offline use.

A facility without a connection (a rural clinic, a mobile team) receives a block of pre-issued IDs. The block is
a C2SP signed note (c2sp.org/signed-note, Ed25519) signed by the registry, whose text is:

    kinward.org/id-block/v1
    block <block id>                 16 hex digits from the CSPRNG
    facility <facility reference>
    issued <UTC time, RFC 3339, e.g. 2026-12-02T16:00:00Z>
    count <n>
    <ID>                             n canonical IDs, one per line
    ...

When the facility later uploads a birth with one of these IDs, it sends the ID with the block (or its block
id); `prove_id_in_block` checks the registry's signature and that the ID is listed, proving the ID was issued to
that facility in that block. The signature covers block id, facility, issue time and every ID.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from kinward.engines.ledger.errors import NoteError
from kinward.engines.ledger.note import NoteSigner, NoteVerifier, open_note, sign_note

from .codec import format_id, new_ids, validate

BLOCK_HEADER = "kinward.org/id-block/v1"
MAX_BLOCK_SIZE = 100_000
_FACILITY = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")
_BLOCK_ID = re.compile(r"^[0-9a-f]{16}$")
_ISSUED = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class BlockError(ValueError):
    """An ID block is malformed, its signature does not verify, or an ID is not in it."""


@dataclass(frozen=True)
class IdBlock:
    """A signed block of IDs issued to one facility: its fields and the signed note carrying them."""

    block_id: str
    facility_ref: str
    issued_at: str
    ids: tuple[str, ...]
    signed_note: str

    def contains(self, id_text: str) -> bool:
        """True when the (normalised) ID is in this block."""
        result = validate(id_text)
        return result.valid and result.id in set(self.ids)


def _block_text(block_id: str, facility_ref: str, issued_at: str, ids: Iterable[str]) -> str:
    ids = list(ids)
    lines = [
        BLOCK_HEADER,
        f"block {block_id}",
        f"facility {facility_ref}",
        f"issued {issued_at}",
        f"count {len(ids)}",
    ]
    return "".join(line + "\n" for line in [*lines, *ids])


def issue_block(
    facility_ref: str,
    count: int,
    signer: NoteSigner,
    *,
    issued_at: datetime | None = None,
    exclude: frozenset[str] | set[str] = frozenset(),
) -> IdBlock:
    """Draw `count` new distinct IDs (none in `exclude`) for a facility and sign them as a block.

    The Ed25519 signed-note signature covers block id, facility reference, issue time and all IDs.
    """
    if not _FACILITY.match(facility_ref) or facility_ref != facility_ref.strip():
        raise BlockError(
            f"facility reference {facility_ref!r} must be 1-200 printable characters on one line"
        )
    if not 1 <= count <= MAX_BLOCK_SIZE:
        raise BlockError(f"block size must be between 1 and {MAX_BLOCK_SIZE}, got {count}")
    when = (issued_at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    block_id = secrets.token_hex(8)
    ids = tuple(new_ids(count, exclude))
    note = sign_note(_block_text(block_id, facility_ref, when, ids), [signer])
    return IdBlock(block_id, facility_ref, when, ids, note)


def _field(line: str, name: str, pattern: re.Pattern[str]) -> str:
    prefix = name + " "
    if not line.startswith(prefix) or not pattern.match(line[len(prefix) :]):
        raise BlockError(f"block line {line[:60]!r} is not a valid '{name}' line")
    return line[len(prefix) :]


def parse_block_text(text: str, signed_note: str = "") -> IdBlock:
    """Parse the text of an ID block (no signature check): header, fields, count and valid IDs."""
    lines = text[:-1].split("\n") if text.endswith("\n") else []
    if len(lines) < 5 or lines[0] != BLOCK_HEADER:
        raise BlockError(f"block text must start with {BLOCK_HEADER!r} and four field lines")
    block_id = _field(lines[1], "block", _BLOCK_ID)
    facility_ref = _field(lines[2], "facility", _FACILITY)
    issued_at = _field(lines[3], "issued", _ISSUED)
    count = _field(lines[4], "count", re.compile(r"^[1-9]\d{0,5}$"))
    ids = lines[5:]
    if int(count) != len(ids):
        raise BlockError(f"block {block_id} says count {count} but lists {len(ids)} IDs")
    for number, id_text in enumerate(ids, start=1):
        result = validate(id_text)
        if not result.valid or result.id != id_text:
            raise BlockError(
                f"block {block_id} entry {number} {id_text!r} is not a canonical ID: {result.message}"
            )
    if len(set(ids)) != len(ids):
        raise BlockError(f"block {block_id} lists an ID twice")
    return IdBlock(block_id, facility_ref, issued_at, tuple(ids), signed_note)


def verify_block(signed_note: str, verifiers: Iterable[NoteVerifier]) -> IdBlock:
    """Verify the registry's signature on an ID block and parse it; raises BlockError naming the failure."""
    try:
        opened = open_note(signed_note, verifiers)
    except NoteError as exc:
        raise BlockError(f"ID block signature check failed: {exc}")
    return parse_block_text(opened.text, signed_note)


def prove_id_in_block(id_text: str, signed_note: str, verifiers: Iterable[NoteVerifier]) -> IdBlock:
    """Check that an ID uploaded offline was issued in this signed block; return the block or raise BlockError."""
    block = verify_block(signed_note, verifiers)
    result = validate(id_text)
    if not result.valid:
        raise BlockError(f"ID {id_text!r} is not valid: {result.message}")
    if result.id not in set(block.ids):
        raise BlockError(
            f"ID {format_id(result.id)} is not in block {block.block_id} of {block.facility_ref}"
        )
    return block
