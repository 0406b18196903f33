"""Background tasks of the platform itself. Each app adds its own in its `tasks.py`."""

from __future__ import annotations

from django.conf import settings
from django_tasks import task


@task()
def idempotency_keys_prune() -> int:
    """Forget API idempotency keys older than the configured window."""
    from kinward.apps.core.idempotency import idempotency_prune

    return idempotency_prune(settings.IDEMPOTENCY_KEY_HOURS)


@task()
def audit_chain_check() -> dict:
    """Check the audit chain; tell every auditor at once if a link is broken."""
    from kinward.apps.audit.selectors import audit_chain_verify
    from kinward.apps.core.services import notify_role

    report = audit_chain_verify()
    if not report.ok:
        notify_role(
            role="auditor",
            subject="The audit trail's hash chain is broken",
            body=f"First broken entry: {report.first_broken_seq}. {report.problem}",
            link="/audit/",
        )
    return {"ok": report.ok, "checked": report.checked, "first_broken_seq": report.first_broken_seq}
