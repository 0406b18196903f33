"""Pages for administrators, the task queue with its schedules, notifications, checks and the demo data."""

import io

from django.core import mail
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kinward.apps.accounts.models import ApiToken, User
from kinward.apps.audit.models import AuditEntry
from kinward.apps.core.models import Notification
from kinward.apps.jobs.models import Schedule
from kinward.apps.jobs.services import schedules_enqueue_due, schedules_ensure, worker_run


def test_an_admin_issues_a_token_on_the_page_and_sees_the_secret_once(world, as_person):
    client = as_person("admin")
    response = client.post(reverse("accounts:tokens"), {"name": "Hospital information system",
                                                        "agency": world.hospital.pk,
                                                        "actions": ["registry.birth.notify"]})
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["issued"].secret
    assert secret.startswith("kw_") and secret.encode() in response.content
    again = client.get(reverse("accounts:tokens"))
    assert secret.encode() not in again.content and token.prefix.encode() in again.content


def test_a_token_form_without_actions_is_refused_with_the_field_named(world, as_person):
    response = as_person("admin").post(reverse("accounts:tokens"), {"name": "HIS", "agency": world.hospital.pk})
    assert response.status_code == 400 and ApiToken.objects.count() == 0
    assert response.context["form"].errors["actions"]


def test_an_admin_unlocks_a_locked_account(world, as_person):
    from datetime import timedelta

    from django.utils import timezone

    User.objects.filter(username="clerk").update(locked_until=timezone.now() + timedelta(hours=1))
    response = as_person("admin").post(reverse("accounts:person_unlock", args=[world.people["clerk"].pk]))
    assert response.status_code == 302
    assert User.objects.get(username="clerk").locked_until is None
    assert AuditEntry.objects.filter(action="accounts.user.manage", object_id=str(world.people["clerk"].pk)).exists()


def test_the_home_page_shows_each_role_what_waits_for_it(world, as_person):
    AuditEntry.objects.all()  # denied attempts feed the auditor's home
    as_person("clerk").get(reverse("audit:search"))
    auditor_home = as_person("auditor").get(reverse("core:home"))
    items = {item.title: item.count for item in auditor_home.context["page"].attention}
    assert items["Denied attempts in the last 24 hours"] == 1
    clerk_home = as_person("clerk").get(reverse("core:home"))
    assert clerk_home.context["page"].attention == []
    assert b"Births to notify" in clerk_home.content
    nav = [entry["label"] for entry in clerk_home.context["navigation"]]
    assert "Audit trail" not in [str(n) for n in nav]
    assert "Audit trail" in [str(e["label"]) for e in auditor_home.context["navigation"]]


def test_schedules_enqueue_their_task_once_when_due_and_the_worker_runs_it(world, monkeypatch):
    # The worker closes stale connections between tasks; inside a test's wrapping transaction that would close
    # the test's own connection (PostgreSQL), so here it keeps it.
    import django_tasks_db.management.commands.db_worker as db_worker

    import kinward.apps.jobs.services as jobs_services

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(jobs_services, "close_old_connections", lambda: None)
    schedules_ensure()
    assert Schedule.objects.count() >= 2
    first = schedules_enqueue_due()
    assert "audit chain check" in first
    assert schedules_enqueue_due() == []  # not due again until its interval has passed
    worker_run(interval=0, max_loops=1)
    results = DBTaskResult.objects.filter(task_path="kinward.apps.jobs.tasks.audit_chain_check")
    assert results.count() == 1 and results.get().status == "SUCCESSFUL"
    assert results.get().return_value["ok"] is True


def test_a_broken_audit_chain_found_by_the_scheduled_check_notifies_the_auditors(world, as_person):
    world.people["auditor"].email = "auditor@example.org"
    world.people["auditor"].save()
    as_person("auditor").get(reverse("audit:search"))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_type = 'x' WHERE seq = 1")
    from kinward.apps.jobs.tasks import audit_chain_check

    outcome = audit_chain_check.call()
    assert outcome["ok"] is False and outcome["first_broken_seq"] == 1
    note = Notification.objects.get(recipient=world.people["auditor"])
    assert "broken" in note.subject


def test_notifications_are_also_sent_by_email(world, django_capture_on_commit_callbacks):
    from kinward.apps.core.services import notify

    world.people["caseworker"].email = "sari@example.org"
    world.people["caseworker"].save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[world.people["caseworker"]], subject="Referral waiting", body="A referral waits.")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["sari@example.org"]


def test_kinward_check_reports_each_check(world):
    from kinward.apps.core.checks import run_checks

    out = io.StringIO()
    failures = run_checks(deploy=False, stdout=out)
    text = out.getvalue()
    for name in ("django system checks", "database", "key files", "roles", "audit chain"):
        assert f"] {name}:" in text
    assert [f.name for f in failures if f.name != "key files"] == []


def test_the_demo_fills_every_module_once_and_each_role_can_sign_in(db, settings, tmp_path):
    from django.test import Client

    from kinward.apps.accounts.roles import catalogue
    from kinward.apps.alerts.models import Alert
    from kinward.apps.core.demo import DEMO_PASSWORD, demo_prepare

    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    logins = demo_prepare(births=400, seed=3, stdout=io.StringIO())
    assert {login.username for login in logins} == set(catalogue().roles)
    alerts = Alert.objects.count()
    audit_entries = AuditEntry.objects.count()
    assert alerts > 0 and (tmp_path / "synth" / "truth.json").exists()
    assert demo_prepare(births=400, seed=3, stdout=io.StringIO()) == logins  # again: nothing new
    assert Alert.objects.count() == alerts
    assert AuditEntry.objects.count() == audit_entries
    client = Client()
    response = client.post(reverse("core:login"), {"username": "registrar", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_each_role_home_lists_the_queues_of_its_modules(world, as_person):
    def titles(persona):
        return {item.title for item in as_person(persona).get(reverse("core:home")).context["page"].attention}

    assert {"New red-flag alerts in your region", "New public tips to triage",
            "Risky online posts waiting for review"} <= titles("analyst")
    assert "Birth notifications waiting for registration" in titles("registrar")
    assert {"Referrals waiting for your agency's answer", "Case closures to approve",
            "Reunifications waiting for your decision"} <= titles("case_supervisor")
    assert "DNA matches waiting for lab review" in titles("dna_analyst")
    assert titles("clerk") == set()
