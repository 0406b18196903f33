"""Background work of the registry: signing checkpoints of the public log, and auditing the log."""

from __future__ import annotations

from django_tasks import task


@task()
def ledger_checkpoint_sign() -> dict:
    """Sign a checkpoint of the registry log if it grew. A refusal (the log does not extend the last signed
    checkpoint: it was rewritten) is told to every auditor at once."""
    from kinward.apps.core.services import notify_role
    from kinward.apps.registry.selectors import checkpoint_size
    from kinward.apps.registry.services import checkpoint_sign
    from kinward.engines.ledger import CheckpointInconsistent

    try:
        note = checkpoint_sign()
    except CheckpointInconsistent as exc:
        notify_role(
            role="auditor",
            subject="The registry log refused a checkpoint",
            body=str(exc)[:500],
            link="/registry/transparency/",
        )
        return {"ok": False, "problem": str(exc)}
    return {"ok": True, "tree_size": checkpoint_size(note)}


@task()
def ledger_audit_run() -> dict:
    """Rebuild the registry log from the database, check every signed checkpoint and rebuild every fact's leaf from
    its row (`ledger_audit(rows="all")`); tell auditors if broken."""
    from kinward.apps.core.services import notify_role
    from kinward.apps.registry.ledger_audit import ledger_audit

    report = ledger_audit()
    if not report.ok:
        notify_role(
            role="auditor",
            subject="The registry log failed its audit",
            body="; ".join(report.problems)[:500],
            link="/registry/transparency/",
        )
    return {
        "ok": report.ok,
        "size": report.size,
        "checkpoints": report.checkpoints,
        "rows_rebuilt": report.rows_rebuilt,
        "problems": report.problems[:5],
    }
