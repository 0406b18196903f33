"""The adoption order form on the child's page: offered to adoption officers of the child's region only, through
`custody_event_record`; the child's record is linked to the adoptive parents, never overwritten."""

from __future__ import annotations

import datetime as dt
import json

from django.core.exceptions import ValidationError
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerLeaf, Person
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client

ADOPTION = "adoption_order"


def child_page(birth) -> str:
    return f"/registry/children/{birth.newborn_id}/"


def adoption_path(birth) -> str:
    return f"/registry/children/{birth.newborn_id}/events/{ADOPTION}"


def bound_form(response):
    return next(f for f in response.context["event_forms"] if f.is_bound)


def test_an_adoption_officer_is_offered_only_the_adoption_form_and_a_clerk_never(world):
    birth = rh.a_birth(world)
    officer = rh.adoption_officer(world)
    page = signed_in_client(officer).get(child_page(birth))
    assert page.status_code == 200
    assert [f.event_type for f in page.context["event_forms"]] == [ADOPTION]
    form = page.context["event_forms"][0]
    assert form.initial["authority"] == world.court.pk  # the officer's own court, by default
    assert dict(form.fields["authority"].choices) == {world.court.pk: world.court.name}
    assert b'id="event-adoption_order"' in page.content and b"Adoption order" in page.content
    clerk = signed_in_client(world.people["clerk"]).get(child_page(birth))
    assert ADOPTION not in [f.event_type for f in clerk.context["event_forms"]]


def test_an_adoption_order_links_the_child_to_its_adoptive_parents_without_overwriting_the_birth(world):
    birth = rh.a_birth(world)
    before = Birth.objects.values().get(pk=birth.pk)
    officer = rh.adoption_officer(world)
    client = signed_in_client(officer)
    response = client.post(
        adoption_path(birth), rh.adoption_form_body(world, decision_number="51/Pdt.P/2026/PN")
    )
    assert response.status_code == 302 and response["Location"] == child_page(birth)
    event = CustodyEvent.objects.get()
    assert (event.type, event.authority, event.adoption_agency) == (
        ADOPTION,
        world.court,
        world.adoption_agency,
    )
    assert event.decision_number == "51/Pdt.P/2026/PN" and event.decided_on == timezone.localdate()
    parents = [link.person for link in event.adoptive_parent_links.all()]
    assert [p.given_name for p in parents] == ["Rina", "Budi"]
    assert [p.id_document_type for p in parents] == ["national_id", "passport"]
    assert event.facility == world.court and event.recorded_by.agency == world.court
    assert event.recorded_by_user == officer
    assert LedgerLeaf.objects.filter(idx=event.ledger_index).exists()
    assert AuditEntry.objects.filter(action="registry.adoption.record", object_id=str(event.pk)).exists()
    # linked, never overwritten: the birth row (mother, facility, leaf) is exactly as it was
    assert Birth.objects.values().get(pk=birth.pk) == before
    assert birth.mother not in parents
    page = client.get(child_page(birth))
    assert b'data-status="adopted"' in page.content
    # the same adoptive parent named again (same document) is the same person, not a second one
    again = rh.a_birth(world)
    body = rh.adoption_form_body(world)
    body["adoption_order-parent1_id_document_number"] = parents[0].id_document_number
    assert client.post(adoption_path(again), body).status_code == 302
    assert Person.objects.filter(id_document_number=parents[0].id_document_number).count() == 1


def test_a_single_adoptive_parent_is_enough(world):
    birth = rh.a_birth(world)
    client = signed_in_client(rh.adoption_officer(world))
    body = rh.adoption_form_body(world, adoption_agency="")
    for name in (
        "given_name",
        "family_name",
        "id_document_type",
        "id_document_number",
        "id_document_country",
    ):
        body[f"adoption_order-parent2_{name}"] = ""
    assert client.post(adoption_path(birth), body).status_code == 302
    event = CustodyEvent.objects.get()
    assert event.adoptive_parent_links.count() == 1 and event.adoption_agency is None


def test_an_adoptive_parent_without_an_identity_document_is_refused_with_a_clear_message(world):
    birth = rh.a_birth(world)
    client = signed_in_client(rh.adoption_officer(world))
    leaves = LedgerLeaf.objects.count()
    for slot in ("parent1_", "parent2_"):
        body = rh.adoption_form_body(world)
        body[f"adoption_order-{slot}id_document_type"] = ""
        body[f"adoption_order-{slot}id_document_number"] = ""
        body[f"adoption_order-{slot}id_document_country"] = ""
        response = client.post(adoption_path(birth), body)
        assert response.status_code == 400, slot
        errors = bound_form(response).errors
        assert errors[f"{slot}id_document_number"] == [
            "Name each adoptive parent with an identity document: its type, number and country."
        ]
        assert b'id="event-adoption_order" open' in response.content
    body = rh.adoption_form_body(world)
    body["adoption_order-parent2_id_document_number"] = body["adoption_order-parent1_id_document_number"]
    body["adoption_order-parent2_id_document_type"] = "national_id"
    twice = client.post(adoption_path(birth), body)
    assert "Both adoptive parents have this document." in str(bound_form(twice).errors)
    assert not CustodyEvent.objects.exists() and LedgerLeaf.objects.count() == leaves
    assert not Person.objects.filter(given_name__in=["Rina", "Budi"]).exists()  # nobody half-written


def test_a_bad_decision_date_is_refused_on_its_field(world):
    birth = rh.a_birth(world, days_ago=10)
    client = signed_in_client(rh.adoption_officer(world))
    today = timezone.localdate()
    cases = {
        str(today + dt.timedelta(days=3)): "a decision cannot be dated in the future",
        str(today - dt.timedelta(days=40)): "decided before the child's birth",
        "2026-02-30": "Enter a valid date.",
    }
    for decided_on, message in cases.items():
        response = client.post(adoption_path(birth), rh.adoption_form_body(world, decided_on=decided_on))
        assert response.status_code == 400, decided_on
        assert message in " ".join(bound_form(response).errors["decided_on"]), decided_on
    time, offset = rh.wall_time(24 * 3)  # the order took effect three days ago, decided today: impossible
    late = client.post(adoption_path(birth), rh.adoption_form_body(world, time=time, utc_offset=str(offset)))
    assert "decided after the order took effect" in str(bound_form(late).errors["decided_on"])
    assert not CustodyEvent.objects.exists()


def test_who_may_not_record_an_adoption_order_and_denials_are_audited(world):
    birth = rh.a_birth(world)
    rh.adoption_officer(world)  # the court and agency the body names
    far = rh.adoption_officer(world, region=world.east_district, username="officer_east")
    for user in (world.people["clerk"], world.people["facility_supervisor"], world.people["registrar"], far):
        response = signed_in_client(user).post(adoption_path(birth), rh.adoption_form_body(world))
        assert response.status_code == 403, user.username
        assert AuditEntry.objects.filter(
            action="registry.adoption.record", outcome="denied", actor_user_id=user.pk
        ).exists()
    page = signed_in_client(far).get(child_page(birth))
    assert page.status_code == 403  # another region's officer cannot even read the child
    assert not CustodyEvent.objects.exists()


def test_the_api_refuses_an_authority_that_is_not_a_court_or_adoption_authority(world):
    birth = rh.a_birth(world)
    officer = rh.adoption_officer(world)
    body = {
        "type": ADOPTION,
        "time": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "authority_id": world.hospital.pk,
        "adoption_agency_id": world.court.pk,
        "decision_number": "7/2026",
        "decided_on": str(timezone.localdate()),
        "adoptive_parents": [
            {
                "given_name": "Rina",
                "id_document": {"type": "national_id", "number": "317400001", "country": "ID"},
            }
        ],
    }
    response = signed_in_client(officer).post(
        f"/api/v1/registry/children/{birth.newborn_id}/custody-events", body, content_type="application/json"
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"authority", "adoption_agency"}
    assert not CustodyEvent.objects.exists()


def api_adoption_body(world, parents: list[dict]) -> dict:
    return {
        "type": ADOPTION,
        "time": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "authority_id": world.court.pk,
        "adoption_agency_id": world.adoption_agency.pk,
        "decision_number": "8/Pdt.P/2026/PN",
        "decided_on": str(timezone.localdate()),
        "adoptive_parents": parents,
    }


RINA = {
    "given_name": "Rina",
    "id_document": {"type": "national_id", "number": "3174000011110001", "country": "ID"},
}
BUDI = {"given_name": "Budi", "id_document": {"type": "passport", "number": "C1110001", "country": "ID"}}


def test_the_api_refuses_an_adoptive_parent_without_a_document_or_two_with_one_as_the_page_does(world):
    birth = rh.a_birth(world)
    client = signed_in_client(rh.adoption_officer(world))
    path = f"/api/v1/registry/children/{birth.newborn_id}/custody-events"
    leaves, people = LedgerLeaf.objects.count(), Person.objects.count()
    shared = {**BUDI, "id_document": RINA["id_document"]}
    partial = {"given_name": "Budi", "id_document": None}
    cases = [
        ([RINA, {"given_name": "Budi"}], "adoptive_parents[1].id_document", "Name each adoptive parent"),
        ([partial], "adoptive_parents[0].id_document", "Name each adoptive parent with an identity document"),
        ([RINA, shared], "adoptive_parents[1].id_document", "Both adoptive parents have this document."),
    ]
    for parents, field, message in cases:
        response = client.post(path, api_adoption_body(world, parents), content_type="application/json")
        assert response.status_code == 422, response.content
        errors = {e["field"]: e["problem"] for e in response.json()["errors"]}
        assert list(errors) == [field] and message in errors[field], errors
    # nothing written: no event, no leaf, not even the people the refused orders named
    assert not CustodyEvent.objects.exists() and LedgerLeaf.objects.count() == leaves
    assert Person.objects.count() == people
    response = client.post(path, api_adoption_body(world, [RINA, BUDI]), content_type="application/json")
    assert response.status_code == 201, response.content
    assert CustodyEvent.objects.get().adoptive_parent_links.count() == 2


def test_the_offline_batch_refuses_an_adoption_order_without_parent_documents_naming_the_item(world):
    from kinward.apps.registry.services import CustodyInput, PersonData, custody_events_record, person_resolve
    from tests.conftest import actor_of

    birth = rh.a_birth(world)
    officer = rh.adoption_officer(world)
    nameless = person_resolve(data=PersonData(given_name="Rina"))
    data = CustodyInput(
        type=ADOPTION,
        time=timezone.now() - dt.timedelta(hours=1),
        authority=world.court,
        decision_number="9/Pdt.P/2026/PN",
        decided_on=timezone.localdate(),
        adoptive_parents=(nameless,),
    )
    try:
        custody_events_record(actor=actor_of(officer), items=[(birth, data)])
    except ValidationError as refused:
        assert list(refused.message_dict) == ["items[0].adoptive_parents[0].id_document"]
    else:
        raise AssertionError("an adoptive parent without a document was accepted")
    assert not CustodyEvent.objects.exists()


def test_an_imported_adoption_order_needs_no_parent_documents_as_the_interchange_format_allows(
    world, tmp_path
):
    from kinward.apps.registry.importer import dataset_import
    from kinward.engines.synth.generate import SynthOptions, generate_dataset

    folder = tmp_path / "country"
    generate_dataset(folder, SynthOptions(births=200, seed=17))
    events = [json.loads(line) for line in (folder / "custody_events.jsonl").read_text().splitlines()]
    parents = {p for e in events if e["type"] == ADOPTION for p in e["adoptive_parents"]}
    assert parents, "the synthetic country has no adoption order"
    persons = [json.loads(line) for line in (folder / "persons.jsonl").read_text().splitlines()]
    for person in persons:
        if person["ref"] in parents:
            person.pop("id_document", None)
    (folder / "persons.jsonl").write_text("".join(json.dumps(p) + "\n" for p in persons))
    report = dataset_import(folder)
    assert report.total_rejected == 0, report.problems[:3]
    orders = CustodyEvent.objects.filter(type=ADOPTION)
    assert orders.count() == sum(e["type"] == ADOPTION for e in events)
    assert all(not p.id_document_number for o in orders for p in o.adoptive_parents.all())


def test_a_correction_naming_new_adoptive_parents_needs_their_documents_too(world):
    from kinward.apps.registry.corrections import correction_propose
    from kinward.apps.registry.services import CustodyInput, PersonData, person_resolve
    from tests.conftest import actor_of

    birth = rh.a_birth(world)
    officer = rh.adoption_officer(world)
    path = f"/api/v1/registry/children/{birth.newborn_id}/custody-events"
    body = api_adoption_body(world, [RINA, BUDI])
    assert signed_in_client(officer).post(path, body, content_type="application/json").status_code == 201
    order = CustodyEvent.objects.get()
    nameless = person_resolve(data=PersonData(given_name="Sari"))
    documented = list(order.adoptive_parents.values_list("pk", flat=True))

    def propose(new_value):
        return correction_propose(
            actor=actor_of(world.people["clerk"]),  # the facility of birth proposes it
            child=birth,
            data=CustodyInput(
                type="correction",
                time=timezone.now() - dt.timedelta(minutes=5),
                facility=world.hospital,
                corrects=order,
                field="adoptive_parents",
                new_value=new_value,
                reason="the court's order names another parent",
            ),
        )

    for new_value, message in (
        ([documented[0], nameless.pk], "adoptive_parents[1].id_document: Name each adoptive parent"),
        ([documented[0], documented[0]], "adoptive_parents[1].id_document: Both adoptive parents"),
    ):
        try:
            propose(new_value)
        except ValidationError as refused:
            assert message in refused.message_dict["new_value"][0]
        else:
            raise AssertionError(f"{new_value} was accepted")
    assert propose(list(reversed(documented))).corrected_field == "adoptive_parents"
