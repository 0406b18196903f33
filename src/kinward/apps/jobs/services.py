"""Schedules and the worker loop: enqueue what is due, run what is queued."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta

from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from kinward.apps.jobs.models import Schedule

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    task_path: str
    every_seconds: int


# Every app declares its periodic work here; `schedules_ensure` creates the rows that are missing.
DEFAULT_SCHEDULES: tuple[ScheduleSpec, ...] = (
    ScheduleSpec("audit chain check", "kinward.apps.jobs.tasks.audit_chain_check", 6 * 3600),
    ScheduleSpec("prune idempotency keys", "kinward.apps.jobs.tasks.idempotency_keys_prune", 24 * 3600),
    ScheduleSpec("sign a ledger checkpoint", "kinward.apps.registry.tasks.ledger_checkpoint_sign", 10 * 60),
    ScheduleSpec("audit the ledger against its checkpoints", "kinward.apps.registry.tasks.ledger_audit_run",
                 24 * 3600),
    ScheduleSpec("remind referral deadlines", "kinward.apps.cases.tasks.referral_deadlines_remind", 15 * 60),
    ScheduleSpec("poll online feeds", "kinward.apps.watch.tasks.feeds_poll", 5 * 60),
    ScheduleSpec("delete old benign posts", "kinward.apps.watch.tasks.benign_posts_retention", 24 * 3600),
    ScheduleSpec("prune tip-line rate counters", "kinward.apps.tips.tasks.tip_rate_counters_prune", 3600),
    ScheduleSpec("detect missed abandonment reports", "kinward.apps.reporting.tasks.missed_reports_detect", 3600),
    ScheduleSpec("scan the registry for red flags", "kinward.apps.alerts.tasks.alerts_scan_live", 24 * 3600),
)


def schedules_ensure() -> int:
    created = 0
    for spec in DEFAULT_SCHEDULES:
        import_string(spec.task_path)  # a typo in a task path fails here, not at 3 a.m.
        _, was_created = Schedule.objects.get_or_create(
            name=spec.name,
            defaults={"task_path": spec.task_path, "every_seconds": spec.every_seconds,
                      "next_run_at": timezone.now()},
        )
        created += was_created
    return created


def schedules_enqueue_due(now=None) -> list[str]:
    """Enqueue every enabled schedule whose time has come, once, and move its next run forward."""
    now = now or timezone.now()
    enqueued = []
    with transaction.atomic():
        for schedule in Schedule.objects.select_for_update().filter(enabled=True, next_run_at__lte=now):
            import_string(schedule.task_path).enqueue()
            schedule.last_enqueued_at = now
            schedule.next_run_at = now + timedelta(seconds=schedule.every_seconds)
            schedule.save(update_fields=["last_enqueued_at", "next_run_at"])
            enqueued.append(schedule.name)
    return enqueued


def worker_run(*, interval: float = 2.0, stop: threading.Event | None = None, max_loops: int | None = None) -> None:
    """Run the database task queue: every `interval` seconds enqueue due schedules and run ready tasks.

    Several workers may run at once: django-tasks-db claims each task under a row lock.
    """
    from django_tasks_db.management.commands.db_worker import Worker

    stop = stop or threading.Event()
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id=f"kinward-{threading.get_ident()}", excluded_queue_names=[])
    loops = 0
    while not stop.is_set():
        close_old_connections()
        try:
            schedules_enqueue_due()
            worker.run()
        except Exception:  # a broken task must not stop the queue; it is recorded as failed by the worker
            logger.exception("worker loop error")
        loops += 1
        if max_loops is not None and loops >= max_loops:
            break
        stop.wait(interval)
    close_old_connections()


def worker_start_in_thread(interval: float = 2.0) -> tuple[threading.Thread, threading.Event]:
    """The demo's in-process worker."""
    stop = threading.Event()
    thread = threading.Thread(target=worker_run, kwargs={"interval": interval, "stop": stop}, daemon=True,
                              name="kinward-worker")
    thread.start()
    return thread, stop

