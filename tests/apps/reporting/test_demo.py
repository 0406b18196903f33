"""The reporting demo seeds through the services, once."""

import io

from kinward.apps.reporting.demo import demo_seed
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding, ReportFiling
from kinward.apps.reporting.selectors import dashboard
from tests import factories as f
from tests.conftest import actor_of


def test_the_demo_seeds_reports_a_missed_report_and_a_proceeding_once(world):
    f.person(world.hospital, ["health_worker"], username="health_worker")
    out = io.StringIO()
    demo_seed(stdout=out)
    demo_seed(stdout=out)
    filings = list(ReportFiling.objects.order_by("pk"))
    assert [x.is_late for x in filings] == [False, True, True]
    assert MissedReport.objects.count() == 1
    assert list(PenaltyProceeding.objects.values_list("stage", flat=True)) == ["awaiting_response"]
    rows = dashboard(actor=actor_of(world.people["case_supervisor"]))
    overdue = [o.step.kind for r in rows for o in r.overdue_steps]
    assert overdue == ["strategy_meeting"]
    assert "already seeded" in out.getvalue()
