"""Corrections under four eyes: proposed by one person, approved (one ledger leaf) or rejected (a reason, no leaf)
by another holding `registry.correction.approve` on the child; decided once; never by the proposer; audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.corrections import correction_approve, correction_reject
from kinward.apps.registry.models import CorrectionProposal, CustodyEvent, LedgerLeaf
from kinward.apps.registry.selectors import child_record
from kinward.apps.registry.services import CustodyInput, custody_event_record
from tests import factories as f
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client

API = "/api/v1/registry"


def child_page(child) -> str:
    return f"/registry/children/{child.newborn_id}/"


def approve_path(proposal) -> str:
    return f"/registry/corrections/{proposal.pk}/approve"


def reject_path(proposal) -> str:
    return f"/registry/corrections/{proposal.pk}/reject"


def proposal_form(event, **fields) -> dict:
    time, offset = rh.wall_time(0.1)
    body = {
        "time": time,
        "utc_offset": str(offset),
        "recorded_by_name": "Perawat Dewi",
        "recorded_by_role": "nurse",
        "corrects": str(event.event_id),
        "field": "cause",
        "new_value": "pneumonia",
        "reason": "the cause was copied from another child's chart",
        **fields,
    }
    return {f"correction-{k}": v for k, v in body.items()}


def corrections_written() -> int:
    return CustodyEvent.objects.filter(type="correction").count()


def test_a_proposal_from_the_page_approved_by_another_person_writes_exactly_one_leaf(world):
    death = rh.recorded_death(world)
    child = death.child
    clerk = signed_in_client(world.people["clerk"])
    proposed = clerk.post(f"/registry/children/{child.newborn_id}/events/correction", proposal_form(death))
    assert proposed.status_code == 302
    proposal = CorrectionProposal.objects.get()
    assert (proposal.status, proposal.corrects, proposal.corrected_field) == ("pending", death, "cause")
    assert proposal.proposed_by == world.people["clerk"] and proposal.new_value == "pneumonia"
    assert corrections_written() == 0  # nothing in the ledger until approved
    mine = clerk.get(child_page(child)).context["proposals"]
    assert [(r["mine"], r["may_decide"]) for r in mine] == [(True, False)]

    supervisor = signed_in_client(world.people["facility_supervisor"])
    page = supervisor.get(child_page(child))
    assert [(r["mine"], r["may_decide"]) for r in page.context["proposals"]] == [(False, True)]
    assert f'action="{approve_path(proposal)}"'.encode() in page.content
    leaves = LedgerLeaf.objects.count()
    approved = supervisor.post(approve_path(proposal))
    assert approved.status_code == 302 and approved["Location"] == child_page(child)
    assert LedgerLeaf.objects.count() == leaves + 1
    event = CustodyEvent.objects.get(type="correction")
    assert event.corrects == death and event.corrected_field == "cause" and event.new_value == "pneumonia"
    assert event.approved_by == world.people["facility_supervisor"]
    assert event.recorded_by.name == "Perawat Dewi" and event.recorded_by_user == world.people["clerk"]
    assert LedgerLeaf.objects.filter(idx=event.ledger_index).exists()
    proposal.refresh_from_db()
    assert (proposal.status, proposal.event, proposal.decided_by) == (
        "approved",
        event,
        world.people["facility_supervisor"],
    )
    for action, object_type, object_id in (
        ("registry.correction.propose", "correction_proposal", proposal.pk),
        ("registry.correction.approve", "correction_proposal", proposal.pk),
        ("registry.custody.record", "custody_event", event.pk),
    ):
        assert AuditEntry.objects.filter(
            action=action, object_type=object_type, object_id=str(object_id), outcome="allowed"
        ).exists(), action
    record = child_record(actor=actor_of(world.people["registrar"]), newborn_id=child.newborn_id)
    assert record.states[0].values["cause"] == "pneumonia" and record.states[0].corrected_fields == ["cause"]
    death.refresh_from_db()
    assert death.cause == "sepsis"  # the original is never overwritten


def test_the_proposer_can_never_approve_or_reject_their_own_proposal(world):
    proposal = rh.a_proposal(world, persona="facility_supervisor")  # holds both permissions
    supervisor = world.people["facility_supervisor"]
    page = signed_in_client(supervisor).get(child_page(proposal.child))
    assert [(r["mine"], r["may_decide"]) for r in page.context["proposals"]] == [(True, False)]
    response = signed_in_client(supervisor).post(approve_path(proposal), follow=True)
    assert "another person than the one who proposed it" in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        correction_reject(actor=actor_of(supervisor), proposal_id=proposal.pk, reason="never mind")
    assert "approver" in refused.value.message_dict
    api = signed_in_client(supervisor).post(f"{API}/corrections/{proposal.pk}/approve")
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "approver"
    proposal.refresh_from_db()
    assert proposal.status == "pending" and corrections_written() == 0
    assert (
        AuditEntry.objects.filter(
            action="registry.correction.approve", outcome="denied", actor_user_id=supervisor.pk
        ).count()
        == 3
    )


def test_a_rejection_records_its_reason_and_writes_no_leaf(world):
    proposal = rh.a_proposal(world)
    registrar = signed_in_client(world.people["registrar"])
    leaves = LedgerLeaf.objects.count()
    empty = registrar.post(reject_path(proposal), {"reason": "  "}, follow=True)
    assert "give the reason for rejecting" in empty.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    rejected = registrar.post(reject_path(proposal), {"reason": "the chart says sepsis"})
    assert rejected.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_reason, proposal.decided_by, proposal.event) == (
        "rejected",
        "the chart says sepsis",
        world.people["registrar"],
        None,
    )
    assert LedgerLeaf.objects.count() == leaves and corrections_written() == 0
    assert AuditEntry.objects.filter(action="registry.correction.reject", object_id=str(proposal.pk)).exists()
    page = registrar.get(child_page(proposal.child))
    assert b"the chart says sepsis" in page.content and b'data-proposal-status="rejected"' in page.content


def test_a_proposal_is_decided_once(world):
    proposal = rh.a_proposal(world)
    registrar, supervisor = actor_of(world.people["registrar"]), actor_of(world.people["facility_supervisor"])
    correction_approve(actor=registrar, proposal_id=proposal.pk)
    for decide in (
        lambda: correction_approve(actor=supervisor, proposal_id=proposal.pk),
        lambda: correction_reject(actor=supervisor, proposal_id=proposal.pk, reason="too late"),
    ):
        with pytest.raises(ValidationError) as refused:
            decide()
        assert refused.value.message_dict == {"proposal": ["this correction was already approved"]}
    again = signed_in_client(world.people["facility_supervisor"]).post(
        f"{API}/corrections/{proposal.pk}/approve"
    )
    assert again.status_code == 422
    assert corrections_written() == 1
    rejected = rh.a_proposal(world)
    correction_reject(actor=registrar, proposal_id=rejected.pk, reason="no evidence")
    with pytest.raises(ValidationError):
        correction_approve(actor=supervisor, proposal_id=rejected.pk)
    assert corrections_written() == 1


def test_only_approvers_of_the_childs_region_or_facility_may_decide(world):
    proposal = rh.a_proposal(world)
    east_office = f.agency("registry_office", world.east_district, "East Registry Office")
    east_registrar = f.person(east_office, ["registrar"], username="registrar_east")
    east_supervisor = f.person(world.other_hospital, ["facility_supervisor"], username="supervisor_east")
    for user in (east_registrar, east_supervisor, world.people["clerk"], world.people["caseworker"]):
        page = signed_in_client(user).post(approve_path(proposal))
        api = signed_in_client(user).post(
            f"{API}/corrections/{proposal.pk}/reject", {"reason": "x"}, content_type="application/json"
        )
        assert (page.status_code, api.status_code) == (403, 403), user.username
        assert AuditEntry.objects.filter(
            action="registry.correction.approve", outcome="denied", actor_user_id=user.pk
        ).exists()
    listed = signed_in_client(east_registrar).get(f"{API}/corrections")
    assert listed.status_code == 200 and listed.json()["items"] == []
    assert signed_in_client(world.people["clerk"]).get(f"{API}/corrections").status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == "pending" and corrections_written() == 0


def test_a_supervisor_of_the_receiving_facility_may_decide_after_a_transfer(world):
    child = rh.a_birth(world)
    clerk = actor_of(world.people["clerk"])
    custody_event_record(
        actor=clerk,
        child=child,
        data=CustodyInput(
            type="transfer", time=child.time + dt.timedelta(hours=1), to_facility=world.other_hospital
        ),
    )
    death = custody_event_record(
        actor=actor_of(world.people["clerk_other_hospital"]),
        child=child,
        data=CustodyInput(
            type="death",
            time=child.time + dt.timedelta(hours=3),
            cause="sepsis",
            facility=world.other_hospital,
        ),
    )
    proposal = rh.a_proposal(world, persona="clerk_other_hospital", event=death)
    receiving = f.person(world.other_hospital, ["facility_supervisor"], username="supervisor_east")
    listed = signed_in_client(receiving).get(f"{API}/corrections").json()["items"]
    assert [p["id"] for p in listed] == [proposal.pk]
    correction_approve(actor=actor_of(receiving), proposal_id=proposal.pk)
    assert CustodyEvent.objects.get(type="correction").approved_by == receiving


def test_the_api_proposes_lists_and_approves_and_the_old_route_now_proposes(world):
    death = rh.recorded_death(world)
    child = death.child
    clerk = signed_in_client(world.people["clerk"])
    body = {"corrects": str(death.event_id), "field": "cause", "new_value": "pneumonia", "reason": "chart"}
    made = clerk.post(f"{API}/children/{child.newborn_id}/corrections", body, content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending" and made.json()["event_id"] is None
    old_route = clerk.post(
        f"{API}/children/{child.newborn_id}/custody-events",
        {
            "type": "correction",
            "time": timezone.now().isoformat(),
            "corrects": str(death.event_id),
            "field": "time",
            "new_value": (death.time + dt.timedelta(minutes=30)).isoformat(),
            "reason": "clock",
        },
        content_type="application/json",
    )
    assert old_route.status_code == 202 and old_route.json()["field"] == "time"
    assert corrections_written() == 0
    twice = clerk.post(
        f"{API}/children/{child.newborn_id}/corrections", body, content_type="application/json"
    )
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "field"  # one pending per field
    wrong = clerk.post(
        f"{API}/children/{child.newborn_id}/corrections",
        {**body, "field": "place"},
        content_type="application/json",
    )
    assert (
        wrong.status_code == 422
    )  # a death has no place: refused when proposed, as a recorded event would be
    registrar = signed_in_client(world.people["registrar"])
    pending = registrar.get(f"{API}/corrections?newborn_id={child.newborn_id}").json()
    assert [p["field"] for p in pending["items"]] == ["cause", "time"] and pending["count"] == 2
    approved = registrar.post(f"{API}/corrections/{made.json()['id']}/approve")
    assert approved.status_code == 200
    out = approved.json()
    assert out["status"] == "approved" and out["decided_by"] == "registrar"
    event = CustodyEvent.objects.get(type="correction")
    assert (out["event_id"], out["ledger_index"]) == (str(event.event_id), event.ledger_index)
    no_reason = registrar.post(
        f"{API}/corrections/{old_route.json()['id']}/reject", {}, content_type="application/json"
    )
    assert no_reason.status_code == 422
    assert registrar.post(f"{API}/corrections/999999/approve").status_code == 404


def test_a_correction_is_never_recorded_directly_nor_in_a_batch(world):
    death = rh.recorded_death(world)
    data = CustodyInput(
        type="correction", time=timezone.now(), corrects=death, field="cause", new_value="x", reason="typo"
    )
    with pytest.raises(ValidationError) as refused:
        custody_event_record(actor=actor_of(world.people["clerk"]), child=death.child, data=data)
    assert "approves it" in refused.value.message_dict["type"][0]
    batch = rh.offline_batch_body(world)
    batch["custody_events"].append(
        {
            "newborn_id": death.child.newborn_id,
            "type": "correction",
            "time": timezone.now().isoformat(),
            "corrects": str(death.event_id),
            "field": "cause",
            "new_value": "x",
            "reason": "typo",
        }
    )
    response = signed_in_client(world.people["clerk"]).post(
        f"{API}/batches", batch, content_type="application/json"
    )
    assert response.status_code == 201, response.content  # the batch's birth and discharge are written
    rejected = response.json()["rejected"]
    assert [(r["record"], r["field"]) for r in rejected] == [("custody_events[1]", "custody_events[1].type")]
    assert "approves it" in rejected[0]["reason"]
    assert corrections_written() == 0


def test_a_new_value_of_the_wrong_type_is_refused_when_proposed(world):
    death = rh.recorded_death(world)
    clerk = signed_in_client(world.people["clerk"])
    path = f"{API}/children/{death.child.newborn_id}/corrections"
    cases = {
        ("time", "yesterday"): "a time with its UTC offset",
        ("time", "2026-12-01T10:00:00"): "a time with its UTC offset",
        ("facility", 999999): "no such record of agencies",
        ("facility", "West General Hospital"): "give the id of a record of agencies",
        ("cause", ""): "the new text",
    }
    for (field, value), problem in cases.items():
        body = {"corrects": str(death.event_id), "field": field, "new_value": value, "reason": "typo"}
        response = clerk.post(path, body, content_type="application/json")
        assert response.status_code == 422, (field, value)
        assert response.json()["errors"] == [
            {"field": "new_value", "problem": response.json()["errors"][0]["problem"]}
        ]
        assert problem in response.json()["errors"][0]["problem"], (field, value)
    blank = {"corrects": str(death.event_id), "field": "cause", "new_value": "pneumonia", "reason": "   "}
    refused = clerk.post(path, blank, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    assert not CorrectionProposal.objects.exists()


def test_the_registrars_review_page_lists_the_corrections_waiting_in_the_region(world):
    proposal = rh.a_proposal(world)
    page = signed_in_client(world.people["registrar"]).get("/registry/review/")
    assert [p.pk for p in page.context["corrections"]] == [proposal.pk]
    assert f'data-proposal="{proposal.pk}"'.encode() in page.content
    assert AuditEntry.objects.filter(action="registry.correction.view", actor_user_id=world.people["registrar"].pk)
