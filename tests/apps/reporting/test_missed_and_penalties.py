"""Missed reports are detected from the registry as leads a person decides; penalties follow due process."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.registry.services import CustodyInput, PersonData, custody_event_record
from kinward.apps.reporting import tasks
from kinward.apps.reporting.missed import missed_report_decide, missed_reports_detect
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding
from kinward.apps.reporting.penalties import penalty_decide, penalty_open, penalty_respond
from tests import factories as f
from tests.apps.registry.helpers import a_birth
from tests.apps.reporting import helpers as rp
from tests.conftest import actor_of, signed_in_client


def abandoned_unreported(world, hours_ago: float):
    birth = a_birth(world, days_ago=3)
    event = custody_event_record(
        actor=actor_of(world.people["clerk"]),
        child=birth,
        data=CustodyInput(
            type="abandonment_found",
            time=timezone.now() - dt.timedelta(hours=hours_ago),
            facility=world.hospital,
            place="ward 2",
            found_by="nurse",
            condition="well",
        ),
    )
    return birth, event


def test_both_kinds_of_missed_report_are_detected_once(world):
    _, late_event = abandoned_unreported(world, hours_ago=30)
    abandoned_unreported(world, hours_ago=5)  # still inside the 24-hour window: not missed yet
    gone = a_birth(world, days_ago=10)
    recent = a_birth(world, days_ago=2)  # younger than the 7-day threshold
    reported = a_birth(world, days_ago=12)
    rp.filing(world, found_hours_ago=2, newborn_id=reported.newborn_id)
    first = missed_reports_detect()
    assert dict(first.created) == {"abandonment_unreported": 1, "gone_without_discharge": 1}
    leads = {m.rule: m for m in MissedReport.objects.all()}
    assert leads["abandonment_unreported"].event == late_event
    assert "require a report within 1 d" in leads["abandonment_unreported"].explanation
    assert leads["gone_without_discharge"].child == gone
    assert leads["gone_without_discharge"].facts["newborn_id"] == gone.newborn_id
    assert recent.pk not in {m.child_id for m in leads.values()}
    assert missed_reports_detect().total == 0  # idempotent
    assert MissedReport.objects.count() == 2


def test_the_periodic_task_runs_the_detection(world):
    a_birth(world, days_ago=9)
    assert tasks.missed_reports_detect.call()["total"] == 1
    assert tasks.missed_reports_detect.call()["total"] == 0


def test_a_person_confirms_or_dismisses_a_lead_with_a_reason_once(world):
    lead = rp.lead(world)
    supervisor = actor_of(world.people["facility_supervisor"])
    for name in ("clerk", "analyst", "caseworker", "clerk_other_hospital"):
        with pytest.raises(AccessDenied):
            missed_report_decide(
                actor=actor_of(world.people[name]), missed=lead, decision="confirm", reason="x"
            )
    with pytest.raises(ValidationError):
        missed_report_decide(actor=supervisor, missed=lead, decision="confirm", reason="  ")
    decided = missed_report_decide(
        actor=supervisor,
        missed=lead,
        decision="dismiss",
        reason="transferred to the regional NICU; paper record, not entered",
    )
    assert (decided.status, decided.decided_by) == ("dismissed", world.people["facility_supervisor"])
    with pytest.raises(ValidationError, match="already decided"):
        missed_report_decide(actor=supervisor, missed=lead, decision="confirm", reason="changed my mind")


def test_nothing_is_decided_automatically(world):
    rp.lead(world)
    assert set(MissedReport.objects.values_list("status", flat=True)) == {"new"}
    assert not PenaltyProceeding.objects.exists()


def test_due_process_runs_in_order_and_by_different_people(world, django_capture_on_commit_callbacks):
    world.people["clerk"].email = "clerk@example.org"
    world.people["clerk"].save()
    supervisor = actor_of(world.people["facility_supervisor"])
    on_time = rp.filing(world)
    with pytest.raises(ValidationError, match="in time"):
        penalty_open(actor=supervisor, health_worker=world.people["clerk"], filing=on_time)
    unconfirmed = rp.lead(world)
    with pytest.raises(ValidationError, match="confirm"):
        penalty_open(actor=supervisor, health_worker=world.people["clerk"], missed=unconfirmed)
    with pytest.raises(AccessDenied):
        penalty_open(
            actor=actor_of(world.people["analyst"]),
            health_worker=world.people["clerk"],
            filing=rp.late_filing(world),
        )
    late = rp.late_filing(world)
    with pytest.raises(ValidationError, match="health worker of this facility"):
        penalty_open(actor=supervisor, health_worker=world.people["clerk_other_hospital"], filing=late)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proceeding = penalty_open(actor=supervisor, health_worker=world.people["clerk"], filing=late)
    assert [m.to for m in mail.outbox] == [["clerk@example.org"]]
    assert (
        mail.outbox[0].subject.startswith("Notice of a penalty proceeding")
        and "5000000 IDR" in mail.outbox[0].body
    )
    assert (proceeding.amount, proceeding.currency, proceeding.jurisdiction) == (5000000, "IDR", "ID")
    with pytest.raises(ValidationError, match="already open"):
        penalty_open(actor=supervisor, health_worker=world.people["clerk"], filing=late)

    decider = actor_of(world.people["case_supervisor"])
    with pytest.raises(ValidationError, match="wait for the health worker"):
        penalty_decide(actor=decider, proceeding=proceeding, outcome="upheld", reasons="late by six hours")
    with pytest.raises(AccessDenied):
        penalty_respond(actor=supervisor, proceeding=proceeding, text="on her behalf")
    responded = penalty_respond(
        actor=actor_of(world.people["clerk"]),
        proceeding=proceeding,
        text="I was alone on the ward with two deliveries.",
    )
    with pytest.raises(ValidationError):
        penalty_respond(
            actor=actor_of(world.people["clerk"]), proceeding=proceeding, text="and another thing"
        )
    with pytest.raises(ValidationError, match="another person than the one who issued"):
        penalty_decide(actor=supervisor, proceeding=responded, outcome="upheld", reasons="late")
    decided = penalty_decide(
        actor=decider,
        proceeding=responded,
        outcome="waived",
        reasons="Understaffed ward; the report was filed the same shift.",
    )
    assert (decided.stage, decided.outcome, decided.decided_by) == (
        "decided",
        "waived",
        world.people["case_supervisor"],
    )
    with pytest.raises(ValidationError, match="not changed"):
        penalty_decide(actor=decider, proceeding=decided, outcome="upheld", reasons="on reflection")
    with pytest.raises(RuntimeError):
        decided.delete()


def test_a_decision_may_follow_silence_only_after_the_response_period(world, monkeypatch):
    proceeding = rp.penalty(world)
    decider = actor_of(world.people["facility_supervisor"])  # not the notice's author
    with pytest.raises(ValidationError):
        penalty_decide(actor=decider, proceeding=proceeding, outcome="upheld", reasons="no answer")
    future = proceeding.response_due_at + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: future)
    decided = penalty_decide(
        actor=decider, proceeding=proceeding, outcome="upheld", reasons="no answer in 14 days"
    )
    assert decided.response_at is None and decided.stage == "decided"


def test_a_confirmed_missed_report_can_open_a_proceeding_shown_on_its_page(world):
    lead = rp.lead(world)
    supervisor = actor_of(world.people["facility_supervisor"])
    missed_report_decide(actor=supervisor, missed=lead, decision="confirm", reason="no discharge, no report")
    lead.refresh_from_db()
    proceeding = penalty_open(actor=supervisor, health_worker=world.people["clerk"], missed=lead)
    page = signed_in_client(world.people["facility_supervisor"]).get(
        reverse("reporting:missed", args=[lead.pk])
    )
    assert f'href="{reverse("reporting:penalty", args=[proceeding.pk])}"' in page.content.decode()
    clerk_page = signed_in_client(world.people["clerk"]).get(
        reverse("reporting:penalty", args=[proceeding.pk])
    )
    assert clerk_page.status_code == 200 and "Send my response" in clerk_page.content.decode()
    stranger = f.person(world.other_hospital, ["health_worker"])
    assert (
        signed_in_client(stranger).get(reverse("reporting:penalty", args=[proceeding.pk])).status_code == 403
    )


def test_the_health_worker_answers_on_her_own_page(world):
    proceeding = rp.penalty(world)
    client = signed_in_client(world.people["clerk"])
    response = client.post(
        reverse("reporting:penalty_act", args=[proceeding.pk, "respond"]),
        data={"response": "The guard found the child after my shift ended."},
    )
    assert response.status_code == 302
    proceeding.refresh_from_db()
    assert proceeding.stage == "awaiting_decision" and proceeding.response_text.startswith("The guard")
    report_page = client.get(reverse("reporting:report", args=[proceeding.filing_id])).content.decode()
    assert "awaiting the decision" in report_page


def test_missed_leads_show_on_the_dashboard_and_api(world):
    lead = rp.lead(world)
    client = signed_in_client(world.people["case_supervisor"])
    assert (
        f'href="{reverse("reporting:missed", args=[lead.pk])}"'
        in client.get(reverse("reporting:dashboard")).content.decode()
    )
    items = client.get("/api/v1/reporting/missed?status=new").json()["items"]
    assert [(i["id"], i["rule"]) for i in items] == [(lead.pk, "gone_without_discharge")]
    decided = client.post(
        f"/api/v1/reporting/missed/{lead.pk}/decision",
        data={"decision": "confirm", "reason": "no record of the child leaving"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"


def test_a_person_named_in_records_is_not_needed_for_detection(world):
    a_birth(world, days_ago=8, mother=PersonData(given_name="Ani"))
    assert missed_reports_detect().total == 1


def test_a_discharged_or_transferred_newborn_is_not_a_lead(world):
    from kinward.apps.registry.services import person_resolve

    went_home = a_birth(world, days_ago=10)
    moved = a_birth(world, days_ago=10)
    actor = actor_of(world.people["clerk"])
    mother = person_resolve(
        data=PersonData(
            given_name="Sekar",
            id_document_type="national_id",
            id_document_number="3174015204990099",
            id_document_country="ID",
        )
    )
    custody_event_record(
        actor=actor,
        child=went_home,
        data=CustodyInput(
            type="discharge",
            time=timezone.now() - dt.timedelta(days=8),
            facility=world.hospital,
            to=mother,
            relationship="mother",
            id_document_checked=True,
        ),
    )
    custody_event_record(
        actor=actor,
        child=moved,
        data=CustodyInput(
            type="transfer",
            time=timezone.now() - dt.timedelta(days=9),
            facility=world.hospital,
            to_facility=world.other_hospital,
        ),
    )
    assert missed_reports_detect().total == 0


def test_a_waiting_notice_shows_on_the_health_workers_home(world):
    client = signed_in_client(world.people["clerk"])
    assert "Penalty notices waiting" not in client.get(reverse("core:home")).content.decode()
    rp.penalty(world)
    items = {i.title: i.count for i in client.get(reverse("core:home")).context["page"].attention}
    assert items["Penalty notices waiting for your response"] == 1
