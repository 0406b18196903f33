"""Recipients acknowledge, the strategy meeting is recorded, and overdue steps show on the dashboard."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.reporting import selectors
from kinward.apps.reporting.services import step_acknowledge, strategy_meeting_record
from tests import factories as f
from tests.apps.reporting import helpers as rp
from tests.conftest import actor_of, signed_in_client


def test_the_police_acknowledge_once_and_only_the_police(world):
    police = rp.step(world, "police")
    for name in ("caseworker", "case_supervisor", "clerk", "facility_supervisor"):
        with pytest.raises(AccessDenied):
            step_acknowledge(actor=actor_of(world.people[name]), step=police)
    done = step_acknowledge(
        actor=actor_of(world.people["analyst"]), step=police, note="Duty officer informed"
    )
    assert done.done_by == world.people["analyst"] and done.done_at is not None
    with pytest.raises(ValidationError, match="already recorded"):
        step_acknowledge(actor=actor_of(world.people["analyst"]), step=police)


def test_only_the_safeguarding_nurse_acknowledges_her_step(world):
    nurse = f.person(world.hospital, ["safeguarding_nurse"])
    other_nurse = f.person(world.other_hospital, ["safeguarding_nurse"])
    step = rp.step(world, "safeguarding_nurse")
    for person in (world.people["facility_supervisor"], other_nurse):
        with pytest.raises(AccessDenied):
            step_acknowledge(actor=actor_of(person), step=step)
    assert step_acknowledge(actor=actor_of(nurse), step=step).done_by == nurse


def test_the_strategy_meeting_is_recorded_with_who_and_when(world):
    meeting = rp.step(world, "child_protection", kind="strategy_meeting")
    supervisor = actor_of(world.people["case_supervisor"])
    with pytest.raises(ValidationError, match="cannot precede"):
        strategy_meeting_record(
            actor=supervisor,
            step=meeting,
            held_at=timezone.now() - dt.timedelta(days=2),
            attendees="police, child protection",
        )
    with pytest.raises(ValidationError):
        strategy_meeting_record(actor=supervisor, step=meeting, held_at=timezone.now(), attendees=" ")
    held = timezone.now() - dt.timedelta(minutes=30)
    done = strategy_meeting_record(
        actor=supervisor,
        step=meeting,
        held_at=held,
        attendees="PPA unit officer; Dinas Sosial social worker; ward sister",
    )
    assert done.meeting_held_at == held and "PPA" in done.meeting_attendees
    with pytest.raises(ValidationError):
        step_acknowledge(actor=supervisor, step=meeting)


def test_overdue_steps_show_who_must_act_and_since_when(world):
    filing = rp.filing(world)
    step_acknowledge(actor=actor_of(world.people["analyst"]), step=filing.steps.get(recipient_code="police"))
    later = timezone.now() + dt.timedelta(hours=30)
    overdue = selectors.overdue_steps(actor=actor_of(world.people["facility_supervisor"]), now=later)
    # police acknowledged; child protection (24 h) and the nurse (12 h) are overdue; the meeting (72 h) is not
    assert [o.step.recipient_code for o in overdue] == ["safeguarding_nurse", "child_protection"]
    first = overdue[0]
    assert first.overdue_since == first.step.due_at
    assert "West General Hospital" in first.who
    rows = selectors.dashboard(actor=actor_of(world.people["case_supervisor"]), now=later)
    assert [(r.facility, r.open_steps, len(r.overdue_steps)) for r in rows] == [(world.hospital, 3, 2)]


def test_the_dashboard_is_scoped_by_role(world):
    rp.filing(world)
    rp.filing(world, persona="clerk_other_hospital", facility=world.other_hospital)
    west = {r.facility for r in selectors.dashboard(actor=actor_of(world.people["facility_supervisor"]))}
    assert west == {world.hospital}
    assert {r.facility for r in selectors.dashboard(actor=actor_of(world.people["analyst"]))} == {
        world.hospital
    }
    national = f.person(world.oversight, ["analyst"])  # an analyst at the national level sees every region
    assert {r.facility for r in selectors.dashboard(actor=actor_of(national))} == {
        world.hospital,
        world.other_hospital,
    }
    for name in ("clerk", "caseworker", "registrar"):
        with pytest.raises(AccessDenied):
            selectors.dashboard(actor=actor_of(world.people[name]))


def test_late_reports_show_as_late_on_the_dashboard_page_and_api(world):
    late = rp.late_filing(world)
    rp.filing(world)
    client = signed_in_client(world.people["facility_supervisor"])
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert page.count('data-late="1"') == 1 and "LATE by 6 h" in page
    rows = client.get("/api/v1/reporting/dashboard").json()["items"]
    assert [r["facility_id"] for r in rows] == [world.hospital.pk]
    assert [(x["report_id"], x["late_by"][:3]) for x in rows[0]["late_reports"]] == [(late.report_id, "6 h")]
    listed = client.get("/api/v1/reporting/reports?late=true").json()["items"]
    assert [(x["id"], x["is_late"]) for x in listed] == [(late.pk, True)]


def test_acknowledging_from_the_page_and_the_api(world):
    filing = rp.filing(world)
    police = filing.steps.get(recipient_code="police")
    analyst = signed_in_client(world.people["analyst"])
    page = analyst.get(reverse("reporting:report", args=[filing.pk])).content.decode()
    assert "Acknowledge receipt" in page
    assert analyst.post(reverse("reporting:step_act", args=[police.pk, "acknowledge"])).status_code == 302
    police.refresh_from_db()
    assert police.done_by == world.people["analyst"]
    meeting = filing.steps.get(kind="strategy_meeting")
    response = signed_in_client(world.people["case_supervisor"]).post(
        f"/api/v1/reporting/steps/{meeting.pk}/meeting",
        data={"held_at": rp.iso_hours_ago(1), "attendees": "police, social services"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["meeting_attendees"] == "police, social services"
