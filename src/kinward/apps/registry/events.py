"""What the registry tells the rest of Kinward when new facts are committed, without knowing who listens.

`registry_fact_committed` is sent once the transaction that wrote the facts commits (never for a write that is
rolled back), with `record_type` (an interchange record type: births, custody_events, pregnancies,
pregnancy_events, abandonment_reports) and `pks` (the rows' primary keys, in write order). The alerts app listens
to evaluate the facts against the red-flag rules (docs/alerts.md); the registry imports nothing of it.

Facts written by `kinward import` are not announced (a dataset is evaluated whole, by the scheduled scan).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

registry_fact_committed = Signal()


def fact_committed(record_type: str, pks: Iterable[int]) -> None:
    """Announce facts written in the current transaction, once it commits (immediately outside one)."""
    pks = [pk for pk in pks if pk is not None]
    if pks:
        # robust: a listener that fails (its queue is down) is logged and never fails the committed write
        transaction.on_commit(
            lambda: registry_fact_committed.send(sender=None, record_type=record_type, pks=pks), robust=True
        )


def facts_written(record_type: str, rows: list, *, actor) -> list:
    """`fact_committed` for rows a write function inserted on someone's behalf (an import, `actor` None, is
    not announced); returns the rows."""
    if actor is not None:
        fact_committed(record_type, [row.pk for row in rows])
    return rows
