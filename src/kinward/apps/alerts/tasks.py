"""Background work of the alerts app: the nightly rules scan of the live registry, and the evaluation of each
fact the registry announces (docs/alerts.md, "How live alerts arise")."""

from __future__ import annotations

from django_tasks import task


def _counts(report) -> dict:
    return {"scanned": report.scanned, "created": report.created, "seen_again": report.seen_again,
            "without_agency": report.without_agency}


@task()
def alerts_scan_live() -> dict:
    """Run every rule over the whole registry (an export in a private temporary folder) and queue the alerts."""
    from kinward.apps.alerts.live import alerts_scan_database

    return _counts(alerts_scan_database())


@task()
def alerts_evaluate_facts(record_type: str, pks: list[int]) -> dict:
    """Evaluate facts just committed (births, custody events, pregnancies, pregnancy events, abandonment
    reports) with the per-record rules, over their neighbourhood in the registry, and queue any alert."""
    from kinward.apps.alerts.live import alerts_evaluate_facts as evaluate

    return _counts(evaluate(record_type=record_type, pks=list(pks)))
