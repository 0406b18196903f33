"""The audit trail: sensitive reads and denials are recorded; tampering is caught."""

from django.db import connection
from django.urls import reverse

from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.selectors import audit_chain_verify
from kinward.cli import main as kinward


def test_reading_the_audit_trail_is_itself_audited(world, as_person):
    before = AuditEntry.objects.count()
    response = as_person("auditor").get(reverse("audit:search"))
    assert response.status_code == 200
    entry = AuditEntry.objects.order_by("-seq").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.action, entry.outcome, entry.actor_username) == ("audit.view", "allowed", "auditor")
    assert entry.agency_id == world.oversight.pk and entry.role == "auditor"
    assert entry.client_address == "127.0.0.1"


def test_a_denied_read_writes_a_denied_entry_and_reveals_nothing(world, as_person):
    response = as_person("clerk").get(reverse("audit:search"))
    assert response.status_code == 403
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.outcome, entry.actor_username) == ("audit.view", "denied", "clerk")
    assert b"auditor" not in response.content


def test_entries_hold_identifiers_not_personal_values(world, as_person):
    as_person("auditor").get(reverse("audit:search"))
    for entry in AuditEntry.objects.all():
        assert entry.object_id == "" or entry.object_id.isdigit() or entry.object_id.startswith("/")


def test_the_chain_is_intact_after_ordinary_work(world, as_person):
    as_person("auditor").get(reverse("audit:search"))
    as_person("clerk").get(reverse("audit:search"))
    report = audit_chain_verify()
    assert report.ok and report.checked == AuditEntry.objects.count() > 0


def test_editing_an_entry_in_the_database_is_caught_by_audit_verify(world, as_person, capsys):
    as_person("auditor").get(reverse("audit:search"))
    as_person("clerk").get(reverse("audit:search"))
    victim = AuditEntry.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET outcome = %s WHERE seq = %s", ["allowed", victim.seq])
    assert kinward(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at entry {victim.seq}" in out and "altered" in out


def test_deleting_the_newest_entry_is_caught(world, as_person):
    as_person("auditor").get(reverse("audit:search"))
    last = AuditEntry.objects.order_by("-seq").first()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [last.seq])
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == last.seq


def test_entries_cannot_be_changed_through_the_application(world, as_person):
    import pytest

    as_person("auditor").get(reverse("audit:search"))
    entry = AuditEntry.objects.first()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def test_auditors_export_the_trail_as_csv(world, as_person):
    client = as_person("auditor")
    client.get(reverse("audit:search"))
    response = client.get(reverse("audit:export") + "?action=audit")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("seq,at,actor_user_id")
    assert any(",audit.view," in line for line in lines[1:])
