"""Filing a mandatory report: a newborn ID when the child has none, server time, lateness, steps, e-mails."""

import datetime as dt

import pytest
from django.core import mail
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import AbandonmentReport, Birth, CustodyEvent, LedgerLeaf
from kinward.apps.reporting import selectors
from kinward.apps.reporting.models import FiledReport, ReportFiling, ReportStep
from kinward.apps.reporting.services import abandonment_report_file
from tests import factories as f
from tests.apps.registry.helpers import a_birth
from tests.apps.reporting import helpers as rp
from tests.conftest import actor_of, signed_in_client


@pytest.fixture
def emails(world):
    for name in ("analyst", "case_supervisor", "caseworker", "facility_supervisor", "clerk"):
        person = world.people[name]
        person.email = f"{name}@example.org"
        person.save()
    return world


def test_a_foundling_gets_a_newborn_id_through_the_registry_with_ledger_leaves(world):
    leaves_before = LedgerLeaf.objects.count()
    filing = rp.filing(world)
    child = filing.report.child
    assert filing.newborn_id_issued is True
    assert child.mother_id is None and child.mother_absent_reason == Birth.MotherAbsentReason.FOUNDLING
    event = filing.report.event
    assert event.type == CustodyEvent.Type.ABANDONMENT_FOUND and event.child_id == child.pk
    assert (event.place, event.found_by) == ("Bench by the maternity entrance", "night security guard")
    assert LedgerLeaf.objects.count() == leaves_before + 2  # the birth and the abandonment event
    assert filing.care_given.startswith("warmed")


def test_a_child_with_a_newborn_id_keeps_it(world):
    birth = a_birth(world, days_ago=1)
    births_before = Birth.objects.count()
    filing = rp.filing(world, found_hours_ago=3, newborn_id=birth.newborn_id)
    assert filing.report.child_id == birth.pk and filing.newborn_id_issued is False
    assert Birth.objects.count() == births_before


def test_an_unknown_or_malformed_newborn_id_is_refused_naming_the_field(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        rp.filing(world, newborn_id="not-an-id")
    assert "newborn_id" in caught.value.message_dict
    assert not AbandonmentReport.objects.exists()


def test_reported_at_is_the_servers_clock_and_lateness_comes_from_the_jurisdiction(world):
    before = timezone.now()
    on_time = rp.filing(world, found_hours_ago=23)
    late = rp.late_filing(world)
    after = timezone.now()
    assert before <= on_time.report.reported_at <= after
    assert (on_time.is_late, on_time.late_by, on_time.jurisdiction) == (False, None, "ID")
    assert late.is_late is True
    assert dt.timedelta(hours=6) <= late.late_by < dt.timedelta(hours=6, minutes=5)
    assert late.due_at == late.report.found_at + dt.timedelta(hours=24)


def test_steps_take_their_due_times_from_the_yaml(world):
    filing = rp.filing(world, found_hours_ago=2)
    steps = {(s.kind, s.recipient_code): s for s in filing.steps.all()}
    assert set(steps) == {
        ("acknowledge", "police"),
        ("acknowledge", "child_protection"),
        ("acknowledge", "safeguarding_nurse"),
        ("strategy_meeting", "child_protection"),
    }
    reported = filing.report.reported_at
    assert steps["acknowledge", "police"].due_at == reported + dt.timedelta(hours=24)
    assert steps["acknowledge", "safeguarding_nurse"].due_at == reported + dt.timedelta(hours=12)
    assert steps["strategy_meeting", "child_protection"].due_at == filing.report.found_at + dt.timedelta(
        hours=72
    )
    assert steps["acknowledge", "police"].recipient_agency == world.police
    assert steps["acknowledge", "child_protection"].recipient_agency == world.child_protection
    assert steps["acknowledge", "safeguarding_nurse"].recipient_agency == world.hospital


def test_recipients_are_told_in_the_app_and_by_email(emails, django_capture_on_commit_callbacks):
    world = emails
    with django_capture_on_commit_callbacks(execute=True):
        rp.filing(world)
    to = sorted(address for message in mail.outbox for address in message.to)
    # the police analyst and the child-protection supervisor (twice: acknowledgement and the meeting)
    assert to == ["analyst@example.org", "case_supervisor@example.org", "case_supervisor@example.org"]
    subjects = [m.subject for m in mail.outbox]
    assert all("West General Hospital" in s for s in subjects)
    assert any(s.startswith("Strategy meeting needed by") for s in subjects)
    assert (
        world.people["analyst"]
        .notifications.filter(subject__startswith="Abandoned newborn reported")
        .exists()
    )
    assert not world.people["caseworker"].notifications.exists()


def test_who_may_not_file(world):
    for name in ("clerk_other_hospital", "caseworker", "analyst", "registrar"):
        with pytest.raises(AccessDenied):
            abandonment_report_file(
                actor=actor_of(world.people[name]), facility=world.hospital, data=rp.report_data()
            )
    assert not AbandonmentReport.objects.exists()
    denied = AuditEntry.objects.filter(action="reporting.abandonment.report", outcome="denied")
    assert denied.count() == 4
    assert (
        Client().post("/api/v1/reporting/reports", data={}, content_type="application/json").status_code
        == 401
    )


def test_a_report_cannot_be_deleted(world):
    filing = rp.filing(world)
    with pytest.raises(RuntimeError):
        filing.delete()
    with pytest.raises(RuntimeError):
        ReportFiling.objects.all().delete()
    with pytest.raises(RuntimeError):
        FiledReport.objects.get(pk=filing.report_id).delete()
    with pytest.raises(RuntimeError):
        FiledReport.objects.all().delete()
    with pytest.raises(RuntimeError):
        ReportStep.objects.filter(filing=filing).delete()
    with pytest.raises(ProtectedError):
        AbandonmentReport.objects.filter(pk=filing.report_id).delete()
    with pytest.raises(RuntimeError):
        filing.care_given = "changed"
        filing.save()
    assert ReportFiling.objects.get(pk=filing.pk).care_given.startswith("warmed")


def test_the_api_files_a_report_and_refuses_a_client_reported_at(world):
    client = signed_in_client(world.people["clerk"])
    body = {
        "found_at": rp.iso_hours_ago(30),
        "place": "Clinic doorstep",
        "found_by": "cleaner",
        "condition": "well",
        "care_given": "warmed and fed",
    }
    backdated = client.post(
        "/api/v1/reporting/reports",
        data={**body, "reported_at": rp.iso_hours_ago(29)},
        content_type="application/json",
    )
    assert backdated.status_code == 422
    assert [e["field"] for e in backdated.json()["errors"]] == ["reported_at"]
    assert not AbandonmentReport.objects.exists()
    response = client.post("/api/v1/reporting/reports", data=body, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["is_late"] is True and out["late_by"].startswith("6 h")
    assert out["newborn_id_issued"] is True and len(out["steps"]) == 4
    reported = dt.datetime.fromisoformat(out["reported_at"])
    assert abs(reported - timezone.now()) < dt.timedelta(minutes=1)


def test_the_page_files_a_report_and_shows_it_late(world):
    client = signed_in_client(world.people["clerk"])
    found = timezone.now() - dt.timedelta(hours=40)
    response = client.post(
        reverse("reporting:file"),
        data={
            "found_at": found.strftime("%Y-%m-%dT%H:%M"),
            "place": "Ward 3 corridor",
            "found_by": "midwife on duty",
            "condition": "well",
            "care_given": "examined, fed",
            "sex": "male",
            "reporter_role": "midwife",
            "reported_at": "2020-01-01T00:00",
        },
    )
    assert response.status_code == 302
    filing = ReportFiling.objects.get()
    assert filing.channel == "page" and filing.is_late
    assert abs(filing.report.reported_at - timezone.now()) < dt.timedelta(
        minutes=1
    )  # the extra field is ignored
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "LATE: filed 16 h" in page.content.decode()


def test_every_opening_of_a_report_is_audited_and_scoped(world):
    filing = rp.filing(world)
    selectors.report_open(actor=actor_of(world.people["analyst"]), filing_id=filing.pk)
    assert (
        AuditEntry.objects.filter(
            action="reporting.report.view", object_id=str(filing.report_id), outcome="allowed"
        ).count()
        == 1
    )
    for name in ("clerk_other_hospital", "caseworker", "registrar"):
        with pytest.raises(AccessDenied):
            selectors.report_open(actor=actor_of(world.people[name]), filing_id=filing.pk)
    assert AuditEntry.objects.filter(action="reporting.report.view", outcome="denied").count() == 3


def test_another_hospitals_clerk_files_for_her_own_clinic_only(world):
    other = rp.filing(world, persona="clerk_other_hospital", facility=world.other_hospital)
    assert other.facility == world.other_hospital
    west_reports = selectors.report_list(actor=actor_of(world.people["clerk"]))
    assert other.pk not in set(west_reports.values_list("pk", flat=True))
    east_supervisor = f.person(world.other_child_protection, ["case_supervisor"])
    assert set(selectors.report_list(actor=actor_of(east_supervisor)).values_list("pk", flat=True)) == {
        other.pk
    }


def test_a_hospital_system_files_with_a_token_naming_the_health_worker(world):
    issued = f.token(
        actor_of(world.people["admin"]),
        world.hospital,
        ["reporting.abandonment.report", "registry.birth.notify", "registry.custody.record"],
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    body = {
        "found_at": rp.iso_hours_ago(2),
        "place": "Emergency entrance",
        "found_by": "porter",
        "condition": "well",
        "care_given": "warmed",
    }
    refused = Client().post(
        "/api/v1/reporting/reports", data=body, content_type="application/json", **headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reporter_name"
    body["reporter"] = {"name": "Bidan Ratna Sari", "role": "midwife"}
    response = Client().post(
        "/api/v1/reporting/reports", data=body, content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    filing = ReportFiling.objects.get()
    assert (filing.filed_by, filing.filed_by_token_id, filing.channel) == (None, issued.token.pk, "api")
    assert filing.report.reported_by.name == "Bidan Ratna Sari"
