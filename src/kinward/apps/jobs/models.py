"""Periodic schedules for background tasks (the tasks themselves are rows of django-tasks-db)."""

from __future__ import annotations

from django.db import models


class Schedule(models.Model):
    """Run `task_path` (a django-tasks Task) every `every_seconds`."""

    name = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=300)
    every_seconds = models.PositiveIntegerField()
    enabled = models.BooleanField(default=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
