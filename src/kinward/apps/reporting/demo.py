"""Demo content for mandatory reporting: three reports (on time, late, late with an overdue strategy meeting),
one missed report detected from the registry, and one penalty proceeding waiting for the health worker.

Everything goes through the services, as a health worker and a supervisor would do it. Idempotent: a second run
finds the demo health worker's reports and adds nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TextIO

from django.utils import timezone

from kinward.apps.accounts.models import User
from kinward.apps.accounts.services import actor_for_user
from kinward.apps.reporting.jurisdictions import jurisdiction_for
from kinward.apps.reporting.models import ReportFiling

DEMO_CARE = "Warmed under a radiant heater, fed formula, examined by the duty paediatrician (demo)."


def _file(worker: User, found_ago: dt.timedelta, place: str, condition: str) -> ReportFiling:
    from kinward.apps.reporting.services import AbandonmentInput, abandonment_report_file

    data = AbandonmentInput(
        found_at=timezone.now() - found_ago,
        place=place,
        found_by="night security guard",
        condition=condition,
        care_given=DEMO_CARE,
        sex="female",
        weight_g=2900,
        reporter_role="midwife",
    )
    return abandonment_report_file(actor=actor_for_user(worker), facility=worker.agency, data=data)


def demo_seed(*, stdout: TextIO) -> None:
    """Seed the reporting demo once, at the facility of the demo `health_worker`."""
    from kinward.apps.registry.services import birth_notify
    from kinward.apps.reporting.missed import missed_reports_detect
    from kinward.apps.reporting.penalties import penalty_open

    worker = User.objects.select_related("agency__region").filter(username="health_worker").first()
    supervisor = User.objects.filter(username="facility_supervisor").first()
    if worker is None or supervisor is None or worker.agency_id != supervisor.agency_id:
        stdout.write("Reporting demo: no health worker and facility supervisor of one facility; skipped\n")
        return
    if ReportFiling.objects.filter(filed_by=worker, care_given=DEMO_CARE).exists():
        stdout.write("Reporting demo: already seeded\n")
        return
    rules, _ = jurisdiction_for(worker.agency)
    meeting = rules.strategy_meeting.within if rules.strategy_meeting else dt.timedelta(hours=48)
    _file(worker, dt.timedelta(hours=3), "Bench by the maternity entrance", "well, slightly cold")
    late = _file(worker, rules.report_within + dt.timedelta(hours=6), "Ward 3 corridor", "dehydrated")
    _file(worker, meeting + dt.timedelta(hours=4), "Car park behind the clinic", "hypothermic")
    birth_notify(
        actor=actor_for_user(worker),
        facility=worker.agency,
        time=timezone.now() - rules.gone_without_discharge_after - dt.timedelta(days=3),
        sex="male",
        outcome="live",
        weight_g=3300,
        mother_absent_reason="withheld",
    )
    detected = missed_reports_detect()
    penalty = penalty_open(actor=actor_for_user(supervisor), health_worker=worker, filing=late)
    stdout.write(
        f"Reporting demo ({rules.name}): 3 reports (1 on time, 2 late, 1 overdue strategy meeting), "
        f"{detected.total} missed report(s) detected, penalty proceeding {penalty.pk} awaiting the "
        f"health worker's response\n"
    )
