"""Reading the audit trail: search, CSV export and the integrity check."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from kinward.apps.accounts.authz import Actor
from kinward.apps.audit.chain import CHAINED_FIELDS, ChainReport, verify_chain
from kinward.apps.audit.models import AuditEntry, AuditHead
from kinward.apps.audit.services import audit_record, require

EXPORT_COLUMNS = (*CHAINED_FIELDS, "prev_hash", "entry_hash")


@dataclass(frozen=True)
class AuditQuery:
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    username: str = ""
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


def _filtered(query: AuditQuery) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if query.action:
        entries = entries.filter(action__startswith=query.action)
    if query.object_type:
        entries = entries.filter(object_type=query.object_type)
    if query.object_id:
        entries = entries.filter(object_id=query.object_id)
    if query.username:
        entries = entries.filter(actor_username=query.username)
    if query.outcome:
        entries = entries.filter(outcome=query.outcome)
    if query.since:
        entries = entries.filter(at__gte=query.since)
    if query.until:
        entries = entries.filter(at__lte=query.until)
    return entries


def audit_entry_search(*, actor: Actor, query: AuditQuery) -> QuerySet[AuditEntry]:
    """Entries matching `query`, newest first. Auditors only; the search itself is audited."""
    require(actor, "audit.view", object_type="audit_trail")
    audit_record(actor=actor, action="audit.view", object_type="audit_trail")
    return _filtered(query)


def audit_entry_export_csv(*, actor: Actor, query: AuditQuery) -> Iterator[str]:
    """CSV lines of the matching entries, oldest first, with their hashes so the export can be re-verified.

    Access is decided and audited now, before the first line is streamed.
    """
    require(actor, "audit.export", object_type="audit_trail")
    audit_record(actor=actor, action="audit.export", object_type="audit_trail")
    return _csv_lines(_filtered(query))


def _csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    for entry in entries.order_by("seq").values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(entry)
        yield buffer.getvalue()


def audit_chain_verify() -> ChainReport:
    """Check the whole chain (used by `kinward audit verify` and `kinward check`)."""
    head = AuditHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    rows = AuditEntry.objects.order_by("seq").values(*CHAINED_FIELDS, "prev_hash", "entry_hash")
    return verify_chain(rows.iterator(chunk_size=5000), head=head)
