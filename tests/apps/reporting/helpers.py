"""Builders for reporting tests and the access matrix's reporting routes (test data only, invented names)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests import factories as f
from tests.conftest import actor_of

ASTANA = dt.timezone(dt.timedelta(hours=5))


def report_data(*, found_hours_ago: float = 2, **overrides):
    from kinward.apps.reporting.services import AbandonmentInput

    fields = {
        "found_at": timezone.now().astimezone(ASTANA) - dt.timedelta(hours=found_hours_ago),
        "place": "Bench by the maternity entrance",
        "found_by": "night security guard",
        "condition": "hypothermic, otherwise well",
        "care_given": "warmed, fed, examined by the duty paediatrician",
        "sex": "female",
        "weight_g": 2950,
    }
    fields.update(overrides)
    return AbandonmentInput(**fields)


def filing(world, *, found_hours_ago: float = 2, persona: str = "clerk", facility=None, **overrides):
    """A report filed through the service by a clerk of the world's hospital (on time unless told)."""
    from kinward.apps.reporting.services import abandonment_report_file

    return abandonment_report_file(
        actor=actor_of(world.people[persona]),
        facility=facility or world.hospital,
        data=report_data(found_hours_ago=found_hours_ago, **overrides),
    )


def late_filing(world, **kw):
    """Found 30 hours ago, reported now: 6 hours past Indonesia's 24-hour deadline."""
    return filing(world, found_hours_ago=30, **kw)


def step(world, code: str, kind: str = "acknowledge"):
    return filing(world).steps.get(recipient_code=code, kind=kind)


def lead(world, *, days_ago: float = 10):
    """A missed-report lead: a live birth 10 days ago with no discharge and no report, found by detection."""
    from kinward.apps.reporting.missed import missed_reports_detect
    from kinward.apps.reporting.models import MissedReport
    from tests.apps.registry.helpers import a_birth

    birth = a_birth(world, days_ago=days_ago)
    missed_reports_detect()
    return MissedReport.objects.get(child=birth)


def penalty(world, *, responded: bool = False):
    """A proceeding on a late report against the clerk, noticed by a second supervisor of the hospital."""
    from kinward.apps.reporting.penalties import penalty_open, penalty_respond

    notice_by = f.person(world.hospital, ["facility_supervisor"])
    proceeding = penalty_open(
        actor=actor_of(notice_by), health_worker=world.people["clerk"], filing=late_filing(world)
    )
    if responded:
        proceeding = penalty_respond(
            actor=actor_of(world.people["clerk"]),
            proceeding=proceeding,
            text="The child was found at the end of a double shift; I reported it then.",
        )
    return proceeding


def iso_hours_ago(hours: float) -> str:
    return (timezone.now() - dt.timedelta(hours=hours)).isoformat()
