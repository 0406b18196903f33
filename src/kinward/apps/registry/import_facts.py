"""What `kinward import` adds for certificates, abandonment reports and adoption files.

1. **Certificate verification**: the importer verifies each certificate with
   `kinward.engines.interchange.certificates` (credentials engine, manifest `issuer_keys`, at the dataset's
   `created`; outcomes valid / unverified / invalid as the `invalid_certificate` rule's checker gives them) and
   stores the outcome on the row (`Certificate.verification`, `verification_reason`);
   `imported_certificate_verifier` hands it to a rules scan as its certificate verifier, so the import is the
   source of truth.
2. **Ledger facts** (`certificates_write`, `abandonment_reports_write`, `adoption_files_write`): like births and
   custody events (`writes.py`), each row gets a leaf in the public log in the same transaction, holding only
   the kind, time, agency, identifiers and salted commitments (HMAC keyed with the row's own secret) to the
   personal values (the QR text, names, document numbers, places), never the values themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from kinward.apps.registry.fastinsert import rows_insert
from kinward.apps.registry.ledger import append_leaves, event_leaf, rfc3339
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    Birth,
    Certificate,
    CustodyEvent,
    ExternalReference,
    Person,
    Pregnancy,
    PregnancyEvent,
    Staff,
)
from kinward.apps.registry.writes import _persons, _staff_names, newborn_ids_of
from kinward.engines.interchange.certificates import UNVERIFIED, VALID, VERIFIED_REASON
from kinward.engines.ledger import new_record_secret

ROW_MODELS = {
    "staff": Staff,
    "persons": Person,
    "pregnancies": Pregnancy,
    "pregnancy_events": PregnancyEvent,
    "births": Birth,
    "custody_events": CustodyEvent,
    "abandonment_reports": AbandonmentReport,
    "certificates": Certificate,
    "adoption_files": AdoptionFile,
}


def held_elsewhere(rtype: str, ref: str, known_sources: list[str], source: str) -> str | None:
    """Where a record of `rtype` with this `ref` came from, when an earlier import (from one of
    `known_sources`, the importing dataset's own `source` included) holds one: the interchange validator puts it
    in the rejection of a record pointing at it, since format version 1 resolves a ref only within its own
    dataset (INTERCHANGE.md, "Rules for every record"; docs/interchange/README.md, ambiguity 17). Looked up by
    (source, ref), which is indexed, never by ref alone."""
    if rtype in ("regions", "agencies"):
        found = ExternalReference.objects.filter(source__in=known_sources, record_type=rtype, ref=ref)
    else:
        found = ROW_MODELS[rtype].objects.filter(source__in=known_sources, external_ref=ref)
    sources = sorted(set(found.values_list("source", flat=True)[:20]))
    if not sources:
        return None
    names = ", ".join(repr(s) for s in sources[:3])
    same = " (this dataset's own source, imported earlier)" if source in sources else ""
    return (
        f"a {rtype} record with ref {ref!r} was imported earlier from source {names}{same}, but format "
        "version 1 resolves a ref only within its own dataset (INTERCHANGE.md, 'Rules for every record'): "
        "include the record in this dataset"
    )


def _text_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def imported_certificate_verifier(source: str, *, certificates: Any = None) -> Callable[[str], Any]:
    """A certificate verifier for `kinward.engines.rules.scan_connection(..., verifier=...)` that answers with
    the outcome the import stored for the dataset `source` (or for the `certificates` queryset given, any
    source); a text it did not import is unverified (so are the certificates Kinward signed itself). Memory:
    a 64-bit hash per valid certificate, the full text only of the others (a million valid ones take ~60 MB)."""
    from kinward.engines.rules import CertificateCheck

    valid: set[int] = set()
    other: dict[str, tuple[str, str]] = {}
    rows = (Certificate.objects.filter(source=source) if certificates is None else certificates).exclude(
        verification=""
    )
    for text, outcome, reason in rows.values_list("text", "verification", "verification_reason").iterator(
        chunk_size=10_000
    ):
        if outcome == VALID:
            valid.add(_text_key(text))
        else:
            other[text] = (outcome, reason)

    def verifier(text: str) -> Any:
        if text in other:
            return CertificateCheck(*other[text])  # type: ignore[arg-type]
        if _text_key(text) in valid:
            return CertificateCheck(VALID, VERIFIED_REASON)
        return CertificateCheck(UNVERIFIED, "not among the imported certificates")

    return verifier


# --- ledger facts ------------------------------------------------------------------------------------------


def _stamp(rows: Sequence[Any]) -> None:
    for row in rows:
        row.record_secret = new_record_secret()


def _external(row: Any) -> list[str] | None:
    return [row.source, row.external_ref] if row.external_ref else None


def _append(rows: list[Any], leaves: list[bytes]) -> list[Any]:
    for row, index in zip(rows, append_leaves(leaves), strict=True):
        row.ledger_index = index
    return rows_insert(rows)


def _time(value: dt.datetime | dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    return value.isoformat()


def certificate_leaf(row: Certificate, newborn: dict[int, str]) -> bytes:
    """An imported certificate's leaf (kind `certificate`: issue date, issuing office, the child's newborn ID;
    commitments to the printed text and the external reference); also what `ledger_audit` rebuilds."""
    return event_leaf(
        kind="certificate",
        event_id=str(row.public_id),
        newborn_id=newborn.get(row.child_id),
        time=_time(row.issued_on),
        facility_id=row.issued_by_id,
        secret=bytes(row.record_secret),
        personal={"text": row.text, "external_ref": _external(row)},
    )


def certificates_write(rows: list[Certificate]) -> list[Certificate]:
    """Insert imported certificates with their leaves (`certificate_leaf`)."""
    assert transaction.get_connection().in_atomic_block
    _stamp(rows)
    newborn = newborn_ids_of({r.child_id for r in rows})
    return _append(rows, [certificate_leaf(r, newborn) for r in rows])


def abandonment_report_context(
    rows: Sequence[AbandonmentReport],
) -> tuple[dict[int, str], dict[int, Any], dict[int, str]]:
    """What the leaves of these reports name besides the rows: newborn IDs, reported events' ids, reporters."""
    event_ids = {r.event_id for r in rows if r.event_id}
    events = (
        dict(CustodyEvent.objects.filter(pk__in_ids=event_ids).values_list("pk", "event_id")) if event_ids else {}
    )
    return newborn_ids_of({r.child_id for r in rows}), events, _staff_names({r.reported_by_id for r in rows})


def abandonment_report_leaf(
    r: AbandonmentReport, newborn: dict[int, str], events: dict[int, Any], staff: dict[int, str]
) -> bytes:
    """An imported abandonment report's leaf (kind `abandonment_report`: the reporting time and facility, the
    child's newborn ID and the reported event's id when known; commitments to the reporter, the finding time,
    place and condition). Times are in the offsets the dataset gave them (kept on the row); also what
    `ledger_audit` rebuilds."""
    return event_leaf(
        kind="abandonment_report",
        event_id=str(r.public_id),
        newborn_id=newborn.get(r.child_id),
        time=rfc3339(r.reported_at, r.reported_at_offset),
        facility_id=r.facility_id,
        secret=bytes(r.record_secret),
        identifiers={"event": str(events[r.event_id]) if r.event_id else None},
        personal={
            "reported_by": staff.get(r.reported_by_id),
            "found_at": rfc3339(r.found_at, r.found_at_offset),
            "place": r.place,
            "condition": r.condition,
            "external_ref": _external(r),
        },
    )


def abandonment_reports_write(rows: list[AbandonmentReport]) -> list[AbandonmentReport]:
    """Insert imported abandonment reports with their leaves (`abandonment_report_leaf`)."""
    assert transaction.get_connection().in_atomic_block
    _stamp(rows)
    newborn, events, staff = abandonment_report_context(rows)
    return _append(rows, [abandonment_report_leaf(r, newborn, events, staff) for r in rows])


def adoption_file_leaf(row: AdoptionFile, newborn: dict[int, str], persons: dict[int, Person]) -> bytes:
    """An imported adoption file's leaf (kind `adoption_file`: filing date, the adoption agency, the child's
    newborn ID when the file names a known child, the stated birth facility; commitments to the adoptive parents,
    the stated mother and birth date, and the documents); also what `ledger_audit` rebuilds."""

    def person(pk: int | None) -> dict | None:
        return persons[pk].personal_values() if pk in persons else None

    return event_leaf(
        kind="adoption_file",
        event_id=str(row.public_id),
        newborn_id=newborn.get(row.child_id),
        time=_time(row.filed_on),
        facility_id=row.adoption_agency_id,
        secret=bytes(row.record_secret),
        identifiers={"stated_birth_facility": row.stated_birth_facility_id},
        personal={
            "adoptive_parents": [person(p) for p in row.adoptive_parents],
            "stated_birth_mother": person(row.stated_birth_mother_id),
            "stated_birth_date": _time(row.stated_birth_date),
            "documents": row.documents,
            "external_ref": _external(row),
        },
    )


def adoption_file_context(rows: list[AdoptionFile]) -> tuple[dict[int, str], dict[int, Person]]:
    """What the leaves of these files name, one query each: newborn IDs, the people they name."""
    people = {p for r in rows for p in r.adoptive_parents} | {r.stated_birth_mother_id for r in rows}
    return newborn_ids_of({r.child_id for r in rows}), _persons(people)


def adoption_files_write(rows: list[AdoptionFile]) -> list[AdoptionFile]:
    """Insert imported adoption files with their leaves (`adoption_file_leaf`)."""
    assert transaction.get_connection().in_atomic_block
    _stamp(rows)
    newborn, persons = adoption_file_context(rows)
    return _append(rows, [adoption_file_leaf(r, newborn, persons) for r in rows])
