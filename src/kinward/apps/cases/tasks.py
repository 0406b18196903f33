"""Background work of the cases app. Schedule `referral_deadlines_remind` every 15 minutes."""

from __future__ import annotations

from django_tasks import task


@task()
def referral_deadlines_remind() -> dict:
    """Remind receiving agencies of referral answers due soon, and flag overdue ones (idempotent)."""
    from kinward.apps.cases.services import referral_deadlines_remind as remind

    return remind()
