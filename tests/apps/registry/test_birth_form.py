"""The delivery room's birth notification form: the API's fields and rules through the same service, the newborn
ID shown large with its check character, a double submit that never makes two children, twins, and who may."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from kinward.apps.audit.models import AuditEntry
from kinward.apps.core.models import IdempotencyRecord
from kinward.apps.registry.models import Birth, LedgerLeaf, Person
from kinward.apps.registry.selectors import pregnancies_open
from kinward.engines.ids import check_character, format_id
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client

FORM = "/registry/births/notify/"


def submission_token(page) -> str:
    return re.search(r'name="submission" value="([0-9a-f]{32})"', page.content.decode()).group(1)


def test_a_clerk_notifies_a_birth_and_sees_the_newborn_id_large_with_its_check_character(world):
    client = signed_in_client(world.people["clerk"])
    page = client.get(FORM)
    assert page.status_code == 200 and b'type="datetime-local"' in page.content
    assert b"<script" not in page.content.split(b"<main")[1]  # a plain form: nothing to load on a slow line
    response = client.post(FORM, rh.birth_form_body(submission_token(page)))
    birth = Birth.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/registry/births/{birth.newborn_id}/notified/"
    )
    assert birth.facility == world.hospital and birth.weight_g == 3050 and birth.outcome == "live"
    assert birth.utc_offset == 420 and birth.attendant.name == "Bidan Ratna Sari"
    assert birth.mother.id_document_type == "national_id" and birth.mother_absent_reason == ""
    assert LedgerLeaf.objects.filter(idx=birth.ledger_index).exists()
    assert AuditEntry.objects.filter(action="registry.birth.notify", object_id=str(birth.pk)).exists()

    shown = client.get(response["Location"])
    html = shown.content.decode()
    display = format_id(birth.newborn_id)
    assert shown.status_code == 200 and f'data-newborn-id="{birth.newborn_id}"' in html
    assert f'{display[:-1]}<span class="check"' in html
    assert display[-1] == check_character(birth.newborn_id[:-1])
    assert f"?twin_of={birth.newborn_id}" in html


def test_a_double_submit_creates_one_birth_and_answers_both_with_it(world):
    client = signed_in_client(world.people["clerk"])
    body = rh.birth_form_body()
    first = client.post(FORM, body)
    leaves = LedgerLeaf.objects.count()
    second = client.post(FORM, body)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Birth.objects.count() == 1 and Person.objects.count() == 1 and LedgerLeaf.objects.count() == leaves
    assert IdempotencyRecord.objects.filter(key__startswith="form:registry.birth_notify:").count() == 1

    changed = client.post(FORM, {**body, "weight_g": "2900"})  # the same form sent again with other values
    assert changed.status_code == 400 and Birth.objects.count() == 1
    assert "already sent with other values" in changed.content.decode()
    assert submission_token(changed) != body["submission"]  # a fresh token: the corrected form can be sent


def test_another_person_reusing_a_token_gets_their_own_birth(world):
    body = rh.birth_form_body()
    signed_in_client(world.people["clerk"]).post(FORM, body)
    signed_in_client(world.people["facility_supervisor"]).post(FORM, body)
    assert Birth.objects.count() == 2  # tokens are per person, as API idempotency keys are


def test_a_refused_form_keeps_its_token_and_creates_nothing(world):
    client = signed_in_client(world.people["clerk"])
    body = rh.birth_form_body(
        mother_given_name="",
        mother_family_name="",
        mother_id_document_type="",
        mother_id_document_number="",
        mother_id_document_country="",
    )
    refused = client.post(FORM, body)
    assert refused.status_code == 400 and "mother_absent_reason" in refused.context["form"].errors
    assert not Birth.objects.exists() and not IdempotencyRecord.objects.exists()
    assert submission_token(refused) == body["submission"]
    accepted = client.post(FORM, {**body, "mother_absent_reason": "foundling"})
    assert accepted.status_code == 302 and Birth.objects.get().mother_absent_reason == "foundling"


def test_the_form_names_each_wrong_field_as_the_api_does(world):
    client = signed_in_client(world.people["clerk"])
    future, offset = rh.wall_time(-3)
    cases = {
        "weight_g": {"weight_g": "90"},
        "time": {"time": future},
        "mother_id_document_number": {"mother_id_document_country": ""},
        "mother_absent_reason": {"mother_absent_reason": "withheld"},  # a reason although the mother is named
        "newborn_id": {"newborn_id": "U2AN-VFJ6-HPX"},
        "twin_of": {
            "twin_of": format_id(
                rh.a_birth(world, facility=world.other_hospital, persona="clerk_other_hospital").newborn_id
            )
        },
        "sex": {"sex": ""},
    }
    births = Birth.objects.count()
    for field, change in cases.items():
        response = client.post(FORM, rh.birth_form_body(**change))
        assert response.status_code == 400, field
        assert field in response.context["form"].errors, (field, response.context["form"].errors)
    assert Birth.objects.count() == births


def test_a_birth_linked_to_an_enrolled_pregnancy_and_its_twin_share_the_pregnancy_and_delivery(world):
    pregnancy = rh.a_pregnancy(world, enrolled_days_ago=200, expected_in_days=5)
    client = signed_in_client(world.people["clerk"])
    prefilled = client.get(f"{FORM}?pregnancy={pregnancy.pk}")
    assert prefilled.context["form"].initial["mother_family_name"] == pregnancy.mother.family_name
    body = rh.birth_form_body(
        pregnancy=str(pregnancy.pk),
        mother_family_name=pregnancy.mother.family_name,
        mother_id_document_number=pregnancy.mother.id_document_number,
    )
    assert client.post(FORM, body).status_code == 302
    first = Birth.objects.get()
    assert first.pregnancy == pregnancy and first.mother == pregnancy.mother
    assert pregnancies_open(actor=actor_of(world.people["clerk"]), facility=world.hospital) == []

    twin_page = client.get(f"{FORM}?twin_of={first.newborn_id}")
    assert twin_page.context["form"].initial["twin_of"] == format_id(first.newborn_id)
    twin = client.post(
        FORM,
        {
            **rh.birth_form_body(
                mother_family_name=pregnancy.mother.family_name,
                mother_id_document_number=pregnancy.mother.id_document_number,
            ),
            "twin_of": format_id(first.newborn_id),
            "sex": "male",
        },
    )
    assert twin.status_code == 302
    second = Birth.objects.exclude(pk=first.pk).get()
    assert second.delivery == first.delivery and second.pregnancy == pregnancy and second.sex == "male"
    assert second.mother == first.mother  # the same identity document: the same person

    third = client.post(FORM, rh.birth_form_body(pregnancy=str(pregnancy.pk)))
    assert third.status_code == 400 and "pregnancy" in third.context["form"].errors


def test_a_stillbirth_is_notified_and_offers_no_custody_event(world):
    client = signed_in_client(world.people["clerk"])
    assert client.post(FORM, rh.birth_form_body(outcome="still", weight_g="")).status_code == 302
    birth = Birth.objects.get()
    assert birth.outcome == "still" and birth.weight_g is None
    page = client.get(f"/registry/children/{birth.newborn_id}/")
    assert page.status_code == 200 and page.context["event_forms"] == []


def test_who_may_use_the_birth_form(world):
    body = rh.birth_form_body()
    for persona in ("registrar", "caseworker", "analyst"):
        client = signed_in_client(world.people[persona])
        assert client.get(FORM).status_code == 403
        assert client.post(FORM, body).status_code == 403
    assert AuditEntry.objects.filter(
        action="registry.birth.notify", outcome="denied", actor_user_id=world.people["caseworker"].pk
    ).exists()
    anonymous = Client().post(FORM, body)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    other = signed_in_client(world.people["clerk_other_hospital"])
    assert other.post(FORM, rh.birth_form_body()).status_code == 302
    assert Birth.objects.get().facility == world.other_hospital  # always the clerk's own facility
    birth = Birth.objects.get()
    assert (
        signed_in_client(world.people["clerk"])
        .get(f"/registry/births/{birth.newborn_id}/notified/")
        .status_code
        == 403
    )


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submits_of_one_form_make_one_birth(settings, tmp_path):
    """Two requests racing with the same token (a double click on a slow line): the second waits for the
    first's transaction on the token's unique key and answers with the first birth."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL (scripts/with-postgres.sh)")
    from tests import factories as f

    settings.LEDGER_KEY_FILE = tmp_path / "ledger.signer"
    region = f.district(f.province(f.country("ID"), "ID-RACE"), "ID-RACE-1")
    clerk = f.person(f.agency("public_hospital", region, "Race Hospital"), ["health_worker"])
    body = rh.birth_form_body()
    start = threading.Barrier(2)
    answers = []

    def submit():
        try:
            client = signed_in_client(clerk)
            start.wait()
            answers.append(client.post(FORM, body))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert Birth.objects.count() == 1
