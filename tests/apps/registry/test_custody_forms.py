"""Custody event forms on the child's page: each type the person may record, through `custody_event_record`,
with the service's refusals shown on the form; and who may not."""

from __future__ import annotations

from django.test import Client

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import CorrectionProposal, CustodyEvent, LedgerLeaf
from kinward.apps.registry.selectors import child_record
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


def event_path(birth, event_type: str) -> str:
    return f"/registry/children/{birth.newborn_id}/events/{event_type}"


def prefixed(event_type: str, **fields) -> dict:
    time, offset = rh.wall_time(1)
    base = {
        "time": time,
        "utc_offset": str(offset),
        "recorded_by_name": "Perawat Dewi",
        "recorded_by_role": "nurse",
    }
    return {f"{event_type}-{k}": v for k, v in {**base, **fields}.items()}


def test_a_clerk_sees_the_forms_she_may_use_and_a_registrar_none(world):
    birth = rh.a_birth(world)
    page = signed_in_client(world.people["clerk"]).get(f"/registry/children/{birth.newborn_id}/")
    forms = [f.event_type for f in page.context["event_forms"]]
    assert forms == [
        "discharge",
        "transfer",
        "death",
        "abandonment_found",
    ]  # no correction: nothing to correct
    discharge = page.context["event_forms"][0]
    assert discharge.initial["to_family_name"] == birth.mother.family_name  # prefilled with the mother
    assert (
        b'id="id_discharge-time"' in page.content and b'id="id_transfer-time"' in page.content
    )  # unique ids
    registrar = signed_in_client(world.people["registrar"]).get(f"/registry/children/{birth.newborn_id}/")
    assert registrar.status_code == 200 and registrar.context["event_forms"] == []


def test_a_discharge_to_the_mother_is_recorded_from_the_page(world):
    birth = rh.a_birth(world)
    client = signed_in_client(world.people["clerk"])
    response = client.post(event_path(birth, "discharge"), rh.discharge_form_body())
    assert response.status_code == 302 and response["Location"] == f"/registry/children/{birth.newborn_id}/"
    event = CustodyEvent.objects.get()
    assert event.type == "discharge" and event.relationship == "mother" and event.id_document_checked is True
    assert event.to_person.id_document_number == "3174015204990007" and event.facility == world.hospital
    assert event.recorded_by.name == "Perawat Dewi" and event.utc_offset == 420
    assert LedgerLeaf.objects.filter(idx=event.ledger_index).exists()
    assert AuditEntry.objects.filter(action="registry.custody.record", object_id=str(event.pk)).exists()
    page = client.get(response["Location"])
    assert b'data-status="discharged"' in page.content


def test_a_refusal_of_the_service_shows_on_the_form_and_records_nothing(world):
    birth = rh.a_birth(world)
    client = signed_in_client(world.people["clerk"])
    leaves = LedgerLeaf.objects.count()
    other = client.post(event_path(birth, "discharge"), rh.discharge_form_body(relationship="other"))
    assert other.status_code == 400
    bound = next(f for f in other.context["event_forms"] if f.is_bound)
    assert "relationship_detail" in bound.errors and "required exactly when" in str(bound.errors)
    assert b'id="event-discharge" open' in other.content
    before_birth, offset = rh.wall_time(24 * 5)
    early = client.post(event_path(birth, "discharge"), rh.discharge_form_body(time=before_birth))
    assert early.status_code == 400
    assert "time" in next(f for f in early.context["event_forms"] if f.is_bound).errors
    unchecked = client.post(event_path(birth, "discharge"), rh.discharge_form_body(id_document_checked=""))
    assert unchecked.status_code == 400
    assert not CustodyEvent.objects.exists() and LedgerLeaf.objects.count() == leaves


def test_a_transfer_lets_the_receiving_hospital_record_and_a_correction_points_at_it(world):
    birth = rh.a_birth(world)
    clerk = signed_in_client(world.people["clerk"])
    moved = clerk.post(
        event_path(birth, "transfer"), prefixed("transfer", to_facility=str(world.other_hospital.pk))
    )
    assert moved.status_code == 302
    transfer = CustodyEvent.objects.get(type="transfer")
    assert transfer.to_facility == world.other_hospital

    receiving = signed_in_client(world.people["clerk_other_hospital"])
    page = receiving.get(f"/registry/children/{birth.newborn_id}/")
    assert [f.event_type for f in page.context["event_forms"]][-1] == "correction"
    correction = receiving.post(
        event_path(birth, "correction"),
        prefixed(
            "correction",
            corrects=str(transfer.event_id),
            field="time",
            new_value=transfer.time.isoformat(),
            reason="the transfer was logged before the ambulance left",
        ),
    )
    assert correction.status_code == 302  # proposed: another person approves it (test_corrections.py)
    proposal = CorrectionProposal.objects.get()
    assert proposal.corrects == transfer and proposal.corrected_field == "time"
    assert proposal.proposed_by == world.people["clerk_other_hospital"]
    assert not CustodyEvent.objects.filter(type="correction").exists()
    approved = signed_in_client(world.people["registrar"]).post(f"/registry/corrections/{proposal.pk}/approve")
    assert approved.status_code == 302
    made = CustodyEvent.objects.get(type="correction")
    assert made.corrects == transfer and made.approved_by_id == world.people["registrar"].pk
    wrong = receiving.post(
        event_path(birth, "correction"),
        prefixed("correction", corrects=str(transfer.event_id), field="cause", new_value="x", reason="typo"),
    )
    assert wrong.status_code == 400  # a transfer has no cause: the service refuses, the form says so
    assert "field" in next(f for f in wrong.context["event_forms"] if f.is_bound).errors
    assert CustodyEvent.objects.filter(type="correction").count() == 1


def test_a_death_is_recorded_and_its_status_derived(world):
    birth = rh.a_birth(world)
    client = signed_in_client(world.people["facility_supervisor"])
    response = client.post(event_path(birth, "death"), prefixed("death", cause="respiratory distress"))
    assert response.status_code == 302
    record = child_record(actor=actor_of(world.people["clerk"]), newborn_id=birth.newborn_id)
    assert record.status == "died" and record.states[0].values["cause"] == "respiratory distress"


def test_those_outside_the_childs_facilities_cannot_record_and_denials_are_audited(world):
    birth = rh.a_birth(world)
    for persona in ("clerk_other_hospital", "registrar", "caseworker"):
        response = signed_in_client(world.people[persona]).post(
            event_path(birth, "discharge"), rh.discharge_form_body()
        )
        assert response.status_code == 403, persona
        assert AuditEntry.objects.filter(
            action="registry.custody.record", outcome="denied", actor_user_id=world.people[persona].pk
        ).exists()
    anonymous = Client().post(event_path(birth, "discharge"), rh.discharge_form_body())
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert (
        signed_in_client(world.people["clerk"]).post(event_path(birth, "adoption_order"), {}).status_code
        == 403  # an adoption order is for adoption officers (test_adoption_form.py)
    )
    assert signed_in_client(world.people["clerk"]).post(event_path(birth, "birth"), {}).status_code == 404
    assert not CustodyEvent.objects.exists()
