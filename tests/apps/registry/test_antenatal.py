"""Antenatal care: enrolment (pages and API), visits, an ending without a birth as a ledger fact, and the
facility's list of open pregnancies with overdue ones marked; who may and who may not."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.antenatal import pregnancy_end_record
from kinward.apps.registry.ledger_audit import ledger_audit
from kinward.apps.registry.models import LedgerLeaf, Person, Pregnancy, PregnancyEvent
from kinward.apps.registry.selectors import pregnancies_open
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client

TODAY = timezone.localdate


def days(n: int) -> str:
    return (TODAY() + dt.timedelta(days=n)).isoformat()


def enrol_form(number: int, **overrides) -> dict:
    body = {
        "mother_given_name": "Ayu",
        "mother_family_name": "Lestari",
        "mother_id_document_type": "national_id",
        "mother_id_document_number": f"3201025505900{number:03d}",
        "mother_id_document_country": "id",
        "enrolled_on": days(0),
        "expected_date": days(150),
    }
    body.update(overrides)
    return body


def post_json(client: Client, path: str, body: dict):
    return client.post(path, data=body, content_type="application/json")


def test_a_clerk_enrols_a_pregnancy_on_the_page_and_the_mother_is_found_again_by_her_document(world):
    client = signed_in_client(world.people["clerk"])
    response = client.post("/registry/pregnancies/enrol/", enrol_form(1))
    pregnancy = Pregnancy.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/pregnancies/{pregnancy.pk}/"
    assert pregnancy.facility == world.hospital and pregnancy.expected_date.isoformat() == days(150)
    assert pregnancy.mother.id_document_country == "ID" and pregnancy.visits == [days(0)]
    assert AuditEntry.objects.filter(action="registry.pregnancy.enrol", object_id=str(pregnancy.pk)).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200 and b'data-open="true"' in page.content

    again = client.post("/registry/pregnancies/enrol/", enrol_form(1, mother_given_name="Ayu Dewi"))
    assert again.status_code == 400 and b"already enrolled here" in again.content
    assert Pregnancy.objects.count() == 1 and Person.objects.count() == 1


def test_the_enrolment_form_names_each_wrong_field(world):
    client = signed_in_client(world.people["clerk"])
    response = client.post(
        "/registry/pregnancies/enrol/",
        enrol_form(2, expected_date=days(-10), mother_id_document_country="", mother_phone="0812"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"mother_id_document_number", "mother_phone"} <= set(form.errors)
    assert not Pregnancy.objects.exists()
    refused = client.post("/registry/pregnancies/enrol/", enrol_form(3, expected_date=days(-10)))
    assert refused.status_code == 400
    assert "expected_date" in refused.context["form"].errors and not Pregnancy.objects.exists()


def test_the_api_enrols_lists_and_refuses_with_field_errors(world):
    client = signed_in_client(world.people["clerk"])
    created = post_json(client, "/api/v1/registry/pregnancies", rh.pregnancy_body(world))
    assert created.status_code == 201, created.content
    assert created.json()["overdue"] is False and created.json()["visits"] == [days(0)]
    wrong = post_json(
        client,
        "/api/v1/registry/pregnancies",
        rh.pregnancy_body(world, expected_date=days(400), enrolled_on=days(1)),
    )
    assert wrong.status_code == 422
    assert {e["field"] for e in wrong.json()["errors"]} == {"enrolled_on", "expected_date"}
    listed = client.get("/api/v1/registry/pregnancies")
    assert listed.status_code == 200 and [p["id"] for p in listed.json()["items"]] == [created.json()["id"]]


def test_who_may_enrol_and_read_pregnancies(world):
    pregnancy = rh.a_pregnancy(world)
    other_clerk = signed_in_client(world.people["clerk_other_hospital"])
    assert other_clerk.get(f"/registry/pregnancies/{pregnancy.pk}/").status_code == 403
    assert AuditEntry.objects.filter(
        action="registry.pregnancy.view", outcome="denied", object_id=str(pregnancy.pk)
    ).exists()
    assert b"Lestari" not in other_clerk.get("/registry/pregnancies/").content  # her own facility's list only
    refused = post_json(other_clerk, "/api/v1/registry/pregnancies", rh.pregnancy_body(world))
    assert refused.status_code == 403
    for persona in ("registrar", "caseworker", "analyst"):
        client = signed_in_client(world.people[persona])
        assert client.get("/registry/pregnancies/").status_code == 403
        assert client.get(f"/registry/pregnancies/{pregnancy.pk}/").status_code == 403
        assert (
            client.post(f"/registry/pregnancies/{pregnancy.pk}/visits", {"visit-date": days(0)}).status_code
            == 403
        )
    assert Client().get("/registry/pregnancies/").status_code == 302
    assert Client().get("/api/v1/registry/pregnancies").status_code == 401
    assert Pregnancy.objects.get(pk=pregnancy.pk).visit_dates() == [days(-30)]


def test_visits_are_recorded_once_each_and_never_in_the_future(world):
    pregnancy = rh.a_pregnancy(world)
    client = signed_in_client(world.people["clerk"])
    path = f"/registry/pregnancies/{pregnancy.pk}/visits"
    assert client.post(path, {"visit-date": days(-2)}).status_code == 302
    duplicate = client.post(path, {"visit-date": days(-2)})
    assert duplicate.status_code == 400 and "date" in duplicate.context["visit_form"].errors
    future = post_json(client, f"/api/v1/registry/pregnancies/{pregnancy.pk}/visits", {"date": days(3)})
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "date"
    assert Pregnancy.objects.get(pk=pregnancy.pk).visit_dates() == [days(-30), days(-2)]


def test_a_loss_is_a_ledger_fact_shaped_like_an_imported_one_with_no_personal_value(world):
    pregnancy = rh.a_pregnancy(world)
    client = signed_in_client(world.people["clerk"])
    response = client.post(
        f"/registry/pregnancies/{pregnancy.pk}/end",
        {
            "end-type": "loss",
            "end-date": days(-1),
            "end-recorded_by_name": "Bidan Ratna",
            "end-recorded_by_role": "midwife",
        },
    )
    assert response.status_code == 302
    event = PregnancyEvent.objects.get()
    leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=event.ledger_index).data))
    assert leaf["kind"] == "pregnancy.loss" and leaf["event_id"] == str(event.event_id)
    assert leaf["time"] == days(-1) and leaf["facility"] is None and "newborn_id" not in leaf
    assert set(leaf["commitments"]) == {"pregnancy", "recorded_by"}
    assert "Ratna" not in json.dumps(leaf) and "Lestari" not in json.dumps(leaf)
    assert event.recorded_by.name == "Bidan Ratna" and event.recorded_by_user_id == world.people["clerk"].pk
    assert AuditEntry.objects.filter(action="registry.pregnancy.end", object_id=str(event.pk)).exists()
    assert ledger_audit().ok
    # ended: off the open list, and nothing more is recorded on it
    assert pregnancies_open(actor=actor_of(world.people["clerk"]), facility=world.hospital) == []
    visit = post_json(client, f"/api/v1/registry/pregnancies/{pregnancy.pk}/visits", {"date": days(0)})
    assert visit.status_code == 422 and visit.json()["errors"][0]["field"] == "pregnancy"


def test_a_transfer_names_another_health_facility_and_a_refusal_leaves_no_leaf(world):
    pregnancy = rh.a_pregnancy(world)
    client = signed_in_client(world.people["clerk"])
    path = f"/api/v1/registry/pregnancies/{pregnancy.pk}/outcomes"
    leaves = LedgerLeaf.objects.count()
    missing = post_json(client, path, {"type": "transfer_out", "date": days(0)})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "to_facility"
    to_police = post_json(
        client, path, {"type": "transfer_out", "date": days(0), "to_facility_id": world.police.pk}
    )
    assert to_police.status_code == 422
    assert LedgerLeaf.objects.count() == leaves and not PregnancyEvent.objects.exists()
    moved = post_json(
        client, path, {"type": "transfer_out", "date": days(0), "to_facility_id": world.other_hospital.pk}
    )
    assert moved.status_code == 201, moved.content
    event = PregnancyEvent.objects.get()
    assert event.facility == world.other_hospital and moved.json()["ledger_index"] == event.ledger_index
    leaf = json.loads(bytes(LedgerLeaf.objects.get(idx=event.ledger_index).data))
    assert leaf["kind"] == "pregnancy.transfer_out" and leaf["facility"] == world.other_hospital.pk
    again = post_json(client, path, {"type": "loss", "date": days(0)})
    assert again.status_code == 422 and PregnancyEvent.objects.count() == 1


def test_another_hospitals_clerk_cannot_end_a_pregnancy_and_the_denial_is_audited(world):
    pregnancy = rh.a_pregnancy(world)
    response = post_json(
        signed_in_client(world.people["clerk_other_hospital"]),
        f"/api/v1/registry/pregnancies/{pregnancy.pk}/outcomes",
        {"type": "loss", "date": days(0)},
    )
    assert response.status_code == 403 and not PregnancyEvent.objects.exists()
    assert AuditEntry.objects.filter(
        action="registry.pregnancy.record", outcome="denied", object_id=str(pregnancy.pk)
    ).exists()


def test_the_open_list_marks_overdue_pregnancies_and_drops_those_a_birth_ended(world):
    clerk = actor_of(world.people["clerk"])
    overdue = rh.a_pregnancy(world, enrolled_days_ago=300, expected_in_days=-60)
    past_due = rh.a_pregnancy(world, enrolled_days_ago=250, expected_in_days=-5)
    in_care = rh.a_pregnancy(world, expected_in_days=90)
    mother = rh.mother_data()
    born = rh.a_pregnancy(world, enrolled_days_ago=200, expected_in_days=-3, mother=mother)
    rh.a_birth(world, days_ago=2, mother=mother)  # notified without the pregnancy: same woman, in the window
    rh.a_pregnancy(world, facility=world.other_hospital, persona="clerk_other_hospital")
    rows = pregnancies_open(actor=clerk, facility=world.hospital)
    assert [r.pregnancy.pk for r in rows] == [overdue.pk, past_due.pk, in_care.pk]
    assert [(r.overdue, r.past_expected) for r in rows] == [(True, True), (False, True), (False, False)]
    assert born.pk not in {r.pregnancy.pk for r in rows}
    page = signed_in_client(world.people["clerk"]).get("/registry/pregnancies/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-overdue-count="1"' in html
    assert f'data-pregnancy="{overdue.pk}" class="overdue" data-overdue="true"' in html
    assert f'data-pregnancy="{past_due.pk}" data-past-expected="true"' in html
    assert "overdue: 60 days past the expected date" in html
    listed = AuditEntry.objects.filter(action="registry.pregnancy.view", object_type="agency")
    assert listed.filter(object_id=str(world.hospital.pk), outcome="allowed").exists()


def test_a_facility_supervisor_of_the_hospital_may_end_its_pregnancies(world):
    pregnancy = rh.a_pregnancy(world)
    event = pregnancy_end_record(
        actor=actor_of(world.people["facility_supervisor"]),
        pregnancy=pregnancy,
        type="moved_away",
        date=TODAY(),
    )
    assert event.type == "moved_away" and event.facility is None
    assert (
        pregnancies_open(actor=actor_of(world.people["facility_supervisor"]), facility=world.hospital) == []
    )
