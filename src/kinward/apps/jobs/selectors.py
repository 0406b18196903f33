"""What the background queue is doing, for administrators and auditors."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from kinward.apps.accounts.authz import Actor
from kinward.apps.audit.services import require
from kinward.apps.jobs.models import Schedule


def jobs_overview(*, actor: Actor) -> dict:
    require(actor, "jobs.view", object_type="jobs")
    return {
        "schedules": list(Schedule.objects.all()),
        "recent": list(DBTaskResult.objects.order_by("-enqueued_at")[:50]),
    }
