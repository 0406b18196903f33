"""A custody event carries only the fields of its type: a body with a field of another type (the wrong type picked,
or the wrong form filled in) is refused on the API and in an offline batch, naming each such field and the type,
with nothing written; dropping the field would lose a fact (`services.custody_foreign_fields`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kinward.apps.audit.models import AuditEntry
from kinward.apps.registry.api import CustodyEventIn
from kinward.apps.registry.models import CorrectionProposal, CustodyEvent, LedgerLeaf, Person
from kinward.engines.interchange.format import CUSTODY_COMMON_FIELDS, CUSTODY_EVENT_FIELDS
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client

API = "/api/v1/registry"
RINA = {
    "given_name": "Rina",
    "family_name": "Kusuma",
    "id_document": {"type": "national_id", "number": "3174000011112222", "country": "ID"},
}
BUDI = {"given_name": "Budi", "id_document": {"type": "passport", "number": "C2220001", "country": "ID"}}


def an_hour_ago() -> str:
    return (timezone.now() - dt.timedelta(hours=1)).isoformat()


def valid_body(world, kind: str) -> tuple[object, str, dict]:
    """(a client allowed to record it, the child's newborn ID, a valid body) of one event of `kind`."""
    clerk = signed_in_client(world.people["clerk"])
    if kind == "correction":
        death = rh.recorded_death(world)
        body = {
            "type": "correction",
            "time": an_hour_ago(),
            "corrects": str(death.event_id),
            "field": "cause",
            "new_value": "pneumonia",
            "reason": "the cause was copied from another child's chart",
        }
        return clerk, death.child.newborn_id, body
    birth = rh.a_birth(world)
    bodies = {
        "discharge": rh.discharge_body(),
        "transfer": {"type": "transfer", "time": an_hour_ago(), "to_facility_id": world.other_hospital.pk},
        "abandonment_found": {
            "type": "abandonment_found",
            "time": an_hour_ago(),
            "place": "the bench at the east gate",
            "found_by": "Satpam Joko",
            "condition": "warm, fed",
        },
        "death": {"type": "death", "time": an_hour_ago(), "cause": "sepsis"},
    }
    if kind != "adoption_order":
        return clerk, birth.newborn_id, bodies[kind]
    officer = signed_in_client(rh.adoption_officer(world))
    body = {
        "type": "adoption_order",
        "time": an_hour_ago(),
        "authority_id": world.court.pk,
        "adoption_agency_id": world.adoption_agency.pk,
        "decision_number": "12/Pdt.P/2026/PN",
        "decided_on": str(timezone.localdate()),
        "adoptive_parents": [RINA, BUDI],
    }
    return officer, birth.newborn_id, body


def written() -> tuple[int, ...]:
    """What a write leaves behind: events, proposals, leaves, people, audit entries."""
    return tuple(
        m.objects.count() for m in (CustodyEvent, CorrectionProposal, LedgerLeaf, Person, AuditEntry)
    )


# (type, a field of another type with a value, the type it belongs to)
FOREIGN = [
    ("discharge", {"to_facility_id": "other_hospital"}, "transfer"),
    ("transfer", {"adoptive_parents": [RINA]}, "adoption_order"),
    ("abandonment_found", {"cause": "hypothermia"}, "death"),
    ("adoption_order", {"to": RINA}, "discharge"),
    ("death", {"to": RINA}, "discharge"),
    ("death", {"place": "ward 3"}, "abandonment_found"),
    ("correction", {"cause": "pneumonia"}, "death"),  # the corrected value belongs in new_value
    ("discharge", {"reason": "typo"}, "correction"),
]


@pytest.mark.parametrize(
    ("kind", "extra", "owner"), FOREIGN, ids=[f"{k}+{next(iter(e))}" for k, e, _ in FOREIGN]
)
def test_a_field_of_another_event_type_is_refused_naming_the_field_and_the_type(world, kind, extra, owner):
    client, newborn_id, body = valid_body(world, kind)
    ((name, value),) = extra.items()
    value = world.other_hospital.pk if value == "other_hospital" else value
    before = written()
    response = client.post(
        f"{API}/children/{newborn_id}/custody-events", {**body, name: value}, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_input"
    [error] = response.json()["errors"]
    assert error["field"] == name
    assert f"not a field of a {kind}" in error["problem"] and f"of a {owner} event" in error["problem"]
    assert written() == before  # no event, proposal, leaf, person, nor an audit entry


@pytest.mark.parametrize("kind", list(CUSTODY_EVENT_FIELDS))
def test_a_valid_body_of_each_type_is_still_accepted(world, kind):
    client, newborn_id, body = valid_body(world, kind)
    response = client.post(
        f"{API}/children/{newborn_id}/custody-events", body, content_type="application/json"
    )
    assert response.status_code == (202 if kind == "correction" else 201), response.content


def test_each_field_of_another_type_is_named_and_empty_ones_carry_nothing(world):
    client, newborn_id, body = valid_body(world, "discharge")
    path = f"{API}/children/{newborn_id}/custody-events"
    foreign = {"to_facility_id": world.other_hospital.pk, "cause": "x", "id_document_checked": True}
    response = client.post(path, {**body, **foreign, "type": "death"}, content_type="application/json")
    assert response.status_code == 422
    named = {e["field"] for e in response.json()["errors"]}
    assert named == {"to", "relationship", "id_document_checked", "to_facility_id"}  # cause is a death's own
    empty = {"to_facility_id": None, "cause": "", "adoptive_parents": [], "new_value": None}
    response = client.post(path, {**body, **empty}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_name_the_body_does_not_declare_is_refused_naming_it_and_nothing_is_written(world):
    """A misspelt or invented name is refused (422 naming each), never dropped: `released_to` would have been a
    discharge's `to` sent on a death, `weigth_g` a birth recorded without its weight."""
    client, newborn_id, body = valid_body(world, "death")
    events = CustodyEvent.objects.count()
    response = client.post(
        f"{API}/children/{newborn_id}/custody-events",
        {**body, "released_to": RINA, "colour": "blue"},
        content_type="application/json",
    )
    assert response.status_code == 422, response.content
    errors = {e["field"]: e["problem"] for e in response.json()["errors"]}
    assert set(errors) == {"released_to", "colour"} and "not a field of this request" in errors["colour"]
    assert CustodyEvent.objects.count() == events
    notification = client.post(
        f"{API}/notifications",
        {**rh.notification_body(world), "weigth_g": 3100},
        content_type="application/json",
    )
    assert notification.status_code == 422
    assert [e["field"] for e in notification.json()["errors"]] == ["weigth_g"]


def test_every_field_of_the_body_is_a_field_the_type_map_knows():
    """A field added to CustodyEventIn but not to the interchange map would escape the check."""
    known = {*CUSTODY_COMMON_FIELDS, *(n for fields in CUSTODY_EVENT_FIELDS.values() for n in fields)}
    body_names = set(CustodyEventIn.model_fields) - {"type"}
    as_interchange = {n.removesuffix("_id") if n.removesuffix("_id") in known else n for n in body_names}
    assert as_interchange == known


def test_an_offline_batch_rejects_the_record_with_a_foreign_field_naming_it_and_writes_the_others(world):
    """Each record of a batch stands alone (docs/registry.md): the record is named with each foreign field, the
    valid ones are written, nothing of the rejected one is; sent again without the foreign field, it is accepted."""
    known = rh.a_birth(world)
    body = rh.offline_batch_body(world)
    transfer = {"newborn_id": known.newborn_id, "type": "transfer", "time": an_hour_ago(),
                "to_facility_id": world.other_hospital.pk}
    body["custody_events"] += [
        {**transfer, "adoptive_parents": [RINA], "cause": "x"},
        {"newborn_id": known.newborn_id, "type": "death", "time": an_hour_ago(), "cause": "sepsis"},
    ]
    clerk = signed_in_client(world.people["clerk"])
    response = clerk.post(f"{API}/batches", body, content_type="application/json")
    assert response.status_code == 201, response.content
    out = response.json()
    errors = {r["field"]: r["reason"] for r in out["rejected"]}
    assert set(errors) == {"custody_events[1].adoptive_parents", "custody_events[1].cause"}
    assert {r["record"] for r in out["rejected"]} == {"custody_events[1]"}
    assert "not a field of a transfer event but of a death event" in errors["custody_events[1].cause"]
    assert [(e["record"], e["type"]) for e in out["custody_events"]] == [
        ("custody_events[0]", "discharge"), ("custody_events[2]", "death")]
    assert not CustodyEvent.objects.filter(type="transfer").exists()
    assert not Person.objects.filter(given_name="Rina").exists()
    response = clerk.post(f"{API}/batches", {"custody_events": [transfer]}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["rejected"] == [] and CustodyEvent.objects.filter(type="transfer").count() == 1
