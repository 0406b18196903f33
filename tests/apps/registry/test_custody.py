"""Custody events: immutable, a status derived from them, corrections as new events, who may record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinward.apps.registry.corrections import correction_approve
from kinward.apps.registry.models import CustodyEvent, LedgerLeaf
from kinward.apps.registry.selectors import child_record
from kinward.apps.registry.services import CustodyInput, PersonData, custody_event_record, person_resolve
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


def record(world, child, persona="clerk", **fields):
    fields.setdefault("time", timezone.now() - dt.timedelta(hours=fields.pop("hours_ago", 1)))
    return custody_event_record(
        actor=actor_of(world.people[persona]), child=child, data=CustodyInput(**fields)
    )


def status_of(world, child) -> str:
    return child_record(actor=actor_of(world.people["registrar"]), newborn_id=child.newborn_id).status


def guardian():
    return person_resolve(
        data=PersonData(
            given_name="Rina",
            family_name="Kusuma",
            id_document_type="national_id",
            id_document_number="3174000000000099",
            id_document_country="ID",
        )
    )


def test_the_status_is_derived_from_the_ordered_events(world):
    child = rh.a_birth(world)
    assert status_of(world, child) == "in_facility"
    record(
        world, child, type="transfer", to_facility=world.other_hospital, facility=world.hospital, hours_ago=5
    )
    assert status_of(world, child) == "transferred"
    record(
        world,
        child,
        persona="clerk_other_hospital",
        type="discharge",
        to=guardian(),
        relationship="mother",
        id_document_checked=True,
        facility=world.other_hospital,
        hours_ago=2,
    )
    assert status_of(world, child) == "discharged"
    record(
        world,
        child,
        type="abandonment_found",
        place="bus station",
        found_by="police officer",
        condition="healthy",
        hours_ago=1,
    )
    assert status_of(world, child) == "abandoned"


def test_a_correction_is_a_new_event_that_changes_the_derived_state_without_touching_the_original(world):
    child = rh.a_birth(world)
    discharge = record(
        world,
        child,
        type="discharge",
        to=guardian(),
        relationship="other",
        relationship_detail="neighbour",
        id_document_checked=False,
        hours_ago=3,
    )
    record(world, child, type="death", cause="sepsis", hours_ago=2)
    assert status_of(world, child) == "died"
    later = (timezone.now() - dt.timedelta(minutes=30)).isoformat()
    proposal = rh.a_proposal(world, event=discharge, field="time", new_value=later)  # proposed by the clerk
    assert status_of(world, child) == "died"  # a proposal changes nothing until approved
    approved = correction_approve(actor=actor_of(world.people["facility_supervisor"]), proposal_id=proposal.pk)
    assert status_of(world, child) == "discharged"  # the corrected discharge now comes after the death entry
    discharge.refresh_from_db()
    assert discharge.time < timezone.now() - dt.timedelta(hours=2)  # the original is unchanged
    correction = approved.event
    assert correction.approved_by_id == world.people["facility_supervisor"].pk
    with pytest.raises(ValidationError) as refused:
        rh.a_proposal(world, event=correction, field="time", new_value=later)
    assert "corrects" in refused.value.message_dict


def test_events_cannot_be_updated_or_deleted(world):
    event = record(world, rh.a_birth(world), type="death", cause="sepsis")
    event.cause = "something else"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_a_stillbirth_has_no_custody_events(world):
    child = rh.a_birth(world, outcome="still")
    with pytest.raises(ValidationError) as refused:
        record(world, child, type="death", cause="x")
    assert refused.value.message_dict == {"child": ["a stillbirth has no custody events"]}
    assert status_of(world, child) == "stillborn"


def test_a_discharge_to_an_other_relationship_needs_its_detail_via_the_api_with_422(world):
    child = rh.a_birth(world)
    client = signed_in_client(world.people["clerk"])
    response = client.post(
        f"/api/v1/registry/children/{child.newborn_id}/custody-events",
        data=rh.discharge_body(relationship="other"),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "relationship_detail", "problem": "required exactly when the relationship is other"}
    ]
    assert not CustodyEvent.objects.exists()


def test_the_api_records_a_discharge_with_its_leaf(world):
    child = rh.a_birth(world)
    client = signed_in_client(world.people["clerk"])
    response = client.post(
        f"/api/v1/registry/children/{child.newborn_id}/custody-events",
        data=rh.discharge_body(),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    event = CustodyEvent.objects.get()
    assert (
        event.to_person.id_document_number == "3174015204990007" and event.recorded_by.name == "Perawat Dewi"
    )
    leaf = bytes(LedgerLeaf.objects.get(idx=event.ledger_index).data)
    assert b'"custody.discharge"' in leaf and child.newborn_id.encode() in leaf
    timeline = client.get(f"/api/v1/registry/children/{child.newborn_id}").json()
    assert (
        timeline["status"] == "discharged"
        and timeline["events"][0]["proof"]["ledger_index"] == event.ledger_index
    )


def test_a_clerk_of_another_hospital_may_not_record_until_the_child_is_transferred_there(world):
    child = rh.a_birth(world)
    with pytest.raises(Exception) as denied:
        record(world, child, persona="clerk_other_hospital", type="death", cause="x")
    assert type(denied.value).__name__ == "AccessDenied"
    record(world, child, type="transfer", to_facility=world.other_hospital, hours_ago=2)
    record(
        world, child, persona="clerk_other_hospital", type="death", cause="x", facility=world.other_hospital
    )
    assert status_of(world, child) == "died"


def test_an_adoption_order_links_the_adoptive_parents_and_makes_the_child_adopted(world):
    child = rh.a_birth(world)
    officer_agency = world.registry  # an adoption authority of the same region
    from tests import factories as f

    court = f.agency("adoption_authority", world.west_district, "West District Court")
    officer = f.person(court, ["adoption_officer"], username="officer")
    world.people["officer"] = officer
    budi = PersonData(
        given_name="Budi",
        id_document_type="passport",
        id_document_number="C5550001",
        id_document_country="ID",
    )  # each adoptive parent with a document of their own (services.adoptive_parent_problems)
    parents = (guardian(), person_resolve(data=budi))
    event = record(
        world,
        child,
        persona="officer",
        type="adoption_order",
        authority=court,
        decision_number="51/Pdt.P/2026/PN",
        decided_on=timezone.localdate() - dt.timedelta(days=1),  # after the birth two days ago
        adoptive_parents=parents,
    )
    assert [link.person_id for link in event.adoptive_parent_links.all()] == [p.pk for p in parents]
    assert status_of(world, child) == "adopted"
    assert officer_agency.pk != court.pk
