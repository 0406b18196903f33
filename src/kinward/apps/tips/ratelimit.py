"""Rate limits of the public tip line, counted in the database so that every server process shares them.

A client address is never stored: it is hashed with a random salt that changes every day and is deleted the
next day, and each counter row is deleted once its window has passed. Two limits apply to every request: one
per (hashed) address and one for everyone together.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from kinward.apps.tips.models import RateBucket, RateSalt

EVERYONE = "*"


class RateLimited(Exception):
    """Too many requests in this window; `retry_after` says in how many seconds the window ends."""

    def __init__(self, retry_after: int):
        super().__init__(f"rate limit reached; retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def _window(now: datetime) -> Window:
    seconds = max(1, settings.TIP_RATE_WINDOW_SECONDS)
    epoch = int(now.timestamp())
    start = datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)
    return Window(start, start + timedelta(seconds=seconds))


def _salt_for(day) -> str:
    found = RateSalt.objects.filter(day=day).values_list("salt", flat=True).first()
    if found:
        return found
    try:
        with transaction.atomic():
            RateSalt.objects.create(day=day, salt=secrets.token_hex(32))
    except IntegrityError:
        pass  # another process made today's salt first
    return RateSalt.objects.get(day=day).salt


def address_key(address: str, *, now: datetime | None = None) -> str:
    """HMAC-SHA256 of the address with today's salt: the same address counts together today, and the link to
    the address is lost when the salt is deleted."""
    now = now or timezone.now()
    salt = _salt_for(now.date())
    return hmac.new(bytes.fromhex(salt), address.encode(), hashlib.sha256).hexdigest()


def _count(scope: str, key: str, window: Window) -> int:
    with transaction.atomic():
        updated = RateBucket.objects.filter(scope=scope, key=key, window_start=window.start).update(
            count=F("count") + 1
        )
        if not updated:
            try:
                with transaction.atomic():
                    RateBucket.objects.create(scope=scope, key=key, window_start=window.start, count=1)
            except IntegrityError:
                RateBucket.objects.filter(scope=scope, key=key, window_start=window.start).update(
                    count=F("count") + 1
                )
        return RateBucket.objects.get(scope=scope, key=key, window_start=window.start).count


def rate_check(*, scope: str, address: str, now: datetime | None = None) -> None:
    """Count one request of the tip line's `scope` ("submit", "status", "add") and raise RateLimited when the
    caller's address or everyone together is over the limit of the current window."""
    now = now or timezone.now()
    window = _window(now)
    rate_prune(now=now)
    retry_after = max(1, int((window.end - now).total_seconds()))
    if _count(scope, address_key(address or "unknown", now=now), window) > settings.TIP_RATE_PER_ADDRESS:
        raise RateLimited(retry_after)  # not counted for everyone: one flooding address cannot block the rest
    if _count(scope, EVERYONE, window) > settings.TIP_RATE_GLOBAL:
        raise RateLimited(retry_after)


def rate_prune(*, now: datetime | None = None) -> int:
    """Delete counters of windows that have ended and the salts of past days."""
    now = now or timezone.now()
    deleted, _ = RateBucket.objects.filter(window_start__lt=_window(now).start).delete()
    salts, _ = RateSalt.objects.filter(day__lt=now.date()).delete()
    return deleted + salts
