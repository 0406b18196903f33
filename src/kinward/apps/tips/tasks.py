"""Background work of the tip line."""

from __future__ import annotations

from django_tasks import task


@task()
def tip_rate_counters_prune() -> int:
    """Delete rate-limit counters of ended windows and salts of past days (also done on every tip-line request;
    scheduled so that nothing lingers on a quiet tip line)."""
    from kinward.apps.tips.ratelimit import rate_prune

    return rate_prune()
