"""Notifications: in the app always, and by e-mail when the person has an address."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction

from kinward.apps.accounts.models import User
from kinward.apps.core.models import Notification


def notify(*, recipients, subject: str, body: str = "", link: str = "", email: bool = True) -> int:
    """Leave a notification for each recipient and e-mail those with an address (after the commit)."""
    people = list(recipients)
    with transaction.atomic():
        Notification.objects.bulk_create(
            [Notification(recipient=p, subject=subject[:300], body=body, link=link) for p in people]
        )
    addresses = [p.email for p in people if p.email]
    if email and addresses:
        transaction.on_commit(lambda: send_mail(subject, f"{body}\n\n{link}".strip(), None, addresses,
                                                fail_silently=True))
    return len(people)


def notify_role(*, role: str, subject: str, body: str = "", link: str = "") -> int:
    return notify(recipients=User.objects.filter(roles__code=role, is_active=True), subject=subject, body=body,
                  link=link)
