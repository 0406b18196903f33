"""Writing the audit trail. Every service calls `audit_record` inside its own transaction."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied, Actor, Scoped, authorize
from kinward.apps.audit.chain import entry_hash
from kinward.apps.audit.models import AuditEntry, AuditHead


def audit_record(
    *,
    actor: Actor,
    action: str,
    object_type: str = "",
    object_id: str | int | None = "",
    outcome: str = AuditEntry.Outcome.ALLOWED,
) -> AuditEntry:
    """Append one entry to the audit chain (identifiers only) and return it.

    Takes the chain head's row lock so that concurrent writers on PostgreSQL append one after another; on
    SQLite the IMMEDIATE transaction mode already serialises writers.
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        fields = {
            "seq": head.last_seq + 1,
            "at": timezone.now(),
            "actor_user_id": actor.user_id,
            "actor_token_id": actor.token_id,
            "actor_username": actor.username[:150],
            "agency_id": actor.agency_id,
            "role": actor.role_label[:200],
            "action": action,
            "object_type": object_type,
            "object_id": "" if object_id is None else str(object_id),
            "client_address": actor.client_address[:64],
            "outcome": str(outcome),
        }
        digest = entry_hash(head.last_hash, fields)
        entry = AuditEntry.objects.create(prev_hash=head.last_hash, entry_hash=digest, **fields)
        head.last_seq = fields["seq"]
        head.last_hash = digest
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


def require(
    actor: Actor,
    action: str,
    target: Scoped | None = None,
    *,
    object_type: str = "",
    object_id: str | int | None = "",
) -> None:
    """Raise `AccessDenied` unless `authorize` allows; a denial is audited before it is raised.

    Call it before opening the service's transaction, so the denial entry is not rolled back with it.
    """
    decision = authorize(actor, action, target)
    if not decision.allowed:
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise AccessDenied(action, decision.reason)
