"""Background work of the watch app. Periodic: `feeds_poll` every 5 minutes (each feed is polled when its own
interval or back-off has passed), `benign_posts_retention` daily. On demand: `model_retrain_task`."""

from __future__ import annotations

from django_tasks import task


@task()
def feeds_poll() -> dict:
    """Poll every feed that is due; one failing feed never stops the others."""
    from kinward.apps.watch.services import feeds_poll_due

    results = feeds_poll_due()
    return {
        "polled": len(results),
        "failed": sum(not r.ok for r in results),
        "new_posts": sum(r.created for r in results),
    }


@task()
def benign_posts_retention() -> int:
    """Delete benign, undecided posts older than KINWARD_WATCH_BENIGN_RETENTION_DAYS."""
    from kinward.apps.watch.services import benign_posts_purge

    return benign_posts_purge()


@task()
def model_retrain_task() -> str:
    """Retrain the classifier from analysts' decisions and make the new version active."""
    from kinward.apps.watch.services import model_retrain_from_decisions

    return model_retrain_from_decisions().version
