"""Background work of mandatory reporting. Schedule `missed_reports_detect` every hour."""

from __future__ import annotations

from django_tasks import task


@task()
def missed_reports_detect() -> dict:
    """Scan the registry for missed abandonment reports and queue new leads for a person (idempotent)."""
    from kinward.apps.reporting.missed import missed_reports_detect as detect

    report = detect()
    return {"facilities": report.facilities, "created": dict(report.created), "total": report.total}
