"""Builders for registry tests and for the access matrix's registry routes (test data only, invented names)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from tests import factories as f
from tests.conftest import actor_of

_n = itertools.count(1)


def a_birth(world, *, days_ago: float = 2, persona: str = "clerk", facility=None, **fields):
    """A birth notified through the service by a clerk of the world's hospital."""
    from kinward.apps.registry.services import PersonData, birth_notify

    number = next(_n)
    mother = fields.pop(
        "mother",
        PersonData(
            given_name="Sekar",
            family_name=f"Wulandari{number}",
            birth_date=dt.date(1999, 4, 2),
            sex="female",
            id_document_type="national_id",
            id_document_number=f"31740152049{number:05d}",
            id_document_country="ID",
            phone="+6281234567890",
        ),
    )
    when = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=7))) - dt.timedelta(days=days_ago)
    return birth_notify(
        actor=actor_of(world.people[persona]),
        facility=facility or world.hospital,
        time=when,
        sex=fields.pop("sex", "female"),
        outcome=fields.pop("outcome", "live"),
        weight_g=fields.pop("weight_g", 3120),
        mother=mother,
        attendant_name=fields.pop("attendant_name", "Bidan Ratna Sari"),
        **fields,
    )


def late_registration_pending(world):
    """A birth registered late by another registrar of the same office, waiting for a second approval."""
    from kinward.apps.registry.services import birth_register

    birth = a_birth(world, days_ago=400)
    other = f.person(world.registry, ["registrar"])
    birth_register(actor=actor_of(other), birth=birth)
    return birth


def signed_log(world) -> int:
    """Two births and a signed checkpoint; returns the log size."""
    from kinward.apps.registry.selectors import checkpoint_size
    from kinward.apps.registry.services import checkpoint_sign

    a_birth(world)
    a_birth(world)
    return checkpoint_size(checkpoint_sign())


def discharge_body(**overrides) -> dict:
    body = {
        "type": "discharge",
        "time": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "to": {
            "given_name": "Sekar",
            "family_name": "Wulandari",
            "sex": "female",
            "id_document": {"type": "national_id", "number": "3174015204990007", "country": "ID"},
        },
        "relationship": "mother",
        "id_document_checked": True,
        "recorded_by": {"name": "Perawat Dewi", "role": "nurse"},
    }
    body.update(overrides)
    return body


def notification_body(world, **overrides) -> dict:
    body = {
        "facility_id": world.hospital.pk,
        "time": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "sex": "female",
        "outcome": "live",
        "weight_g": 3120,
        "mother": {
            "given_name": "Sekar",
            "family_name": "Wulandari",
            "birth_date": "1999-04-02",
            "sex": "female",
            "id_document": {"type": "national_id", "number": "3174015204990007", "country": "ID"},
            "phone": "+6281234567890",
        },
        "attendant": {"name": "Bidan Ratna Sari", "role": "midwife"},
    }
    body.update(overrides)
    return body


def offline_batch_body(world, **overrides) -> dict:
    from kinward.engines.ids import new_id

    newborn_id = new_id()
    body = {
        "births": [notification_body(world, newborn_id=newborn_id)],
        "custody_events": [discharge_body(newborn_id=newborn_id)],
    }
    body.update(overrides)
    return body


def fhir_bundle(world, **child) -> dict:
    """A FHIR R4 birth-notification Bundle (child Patient, mother RelatedPerson, birth weight, facility)."""
    patient = {
        "resourceType": "Patient",
        "gender": "female",
        "birthDate": "2026-11-30",
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                "valueDateTime": (timezone.now() - dt.timedelta(hours=2)).isoformat(),
            }
        ],
    }
    patient.update(child)
    return {
        "resourceType": "Bundle",
        "type": "message",
        "entry": [
            {"resource": patient},
            {
                "resource": {
                    "resourceType": "RelatedPerson",
                    "relationship": [{"coding": [{"code": "MTH"}]}],
                    "name": [{"family": "Wulandari", "given": ["Sekar"]}],
                    "birthDate": "1999-04-02",
                    "identifier": [{"value": "3174015204990007", "assigner": {"display": "ID"}}],
                    "telecom": [{"system": "phone", "value": "+6281234567890"}],
                }
            },
            {
                "resource": {
                    "resourceType": "Observation",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8339-4"}]},
                    "valueQuantity": {"value": 3.12, "code": "kg"},
                }
            },
            {"resource": {"resourceType": "Organization", "identifier": [{"value": str(world.hospital.pk)}]}},
        ],
    }


def registered_birth(world):
    """A birth of the world's hospital, registered on time by the world's registrar."""
    from kinward.apps.registry.services import birth_register

    birth = a_birth(world, days_ago=3)
    birth_register(actor=actor_of(world.people["registrar"]), birth=birth)
    return birth


def issued_certificate(world):
    """A birth certificate the world's registrar issued for a registered birth."""
    from kinward.apps.registry.certificates import certificate_issue

    birth = registered_birth(world)
    return certificate_issue(actor=actor_of(world.people["registrar"]), newborn_id=birth.newborn_id)


# --- antenatal care, the birth form and custody forms (pages) ---------------------------------------------


def mother_data(number: int | None = None):
    """An invented mother with a national identity document unique to this test run."""
    from kinward.apps.registry.services import PersonData

    number = number if number is not None else next(_n)
    return PersonData(
        given_name="Ayu",
        family_name=f"Lestari{number}",
        birth_date=dt.date(2000, 6, 1),
        sex="female",
        id_document_type="national_id",
        id_document_number=f"32010255059{number:05d}",
        id_document_country="ID",
    )


def a_pregnancy(
    world,
    *,
    persona: str = "clerk",
    facility=None,
    enrolled_days_ago: int = 30,
    expected_in_days: int = 120,
    mother=None,
):
    """A pregnancy enrolled through the service at the world's hospital (by default due in four months)."""
    from kinward.apps.registry.antenatal import pregnancy_enrol

    today = timezone.localdate()
    return pregnancy_enrol(
        actor=actor_of(world.people[persona]),
        facility=facility or world.hospital,
        mother=mother or mother_data(),
        enrolled_on=today - dt.timedelta(days=enrolled_days_ago),
        expected_date=today + dt.timedelta(days=expected_in_days),
    )


def pregnancy_body(world, **overrides) -> dict:
    number = next(_n)
    body = {
        "facility_id": world.hospital.pk,
        "mother": {
            "given_name": "Ayu",
            "family_name": f"Lestari{number}",
            "sex": "female",
            "id_document": {"type": "national_id", "number": f"32010255059{number:05d}", "country": "ID"},
        },
        "expected_date": (timezone.localdate() + dt.timedelta(days=150)).isoformat(),
    }
    body.update(overrides)
    return body


def wall_time(hours_ago: float = 1, offset_hours: int = 7) -> tuple[str, int]:
    """A datetime-local value (as a browser sends it) some hours ago, and its UTC offset in minutes."""
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    when = timezone.now().astimezone(zone) - dt.timedelta(hours=hours_ago)
    return when.strftime("%Y-%m-%dT%H:%M"), offset_hours * 60


def birth_form_body(submission: str | None = None, **overrides) -> dict:
    """What the delivery room's form posts for a live girl whose mother shows her identity card."""
    import uuid

    number = next(_n)
    time, offset = wall_time(2)
    body = {
        "submission": submission or uuid.uuid4().hex,
        "time": time,
        "utc_offset": str(offset),
        "outcome": "live",
        "sex": "female",
        "weight_g": "3050",
        "mother_given_name": "Sekar",
        "mother_family_name": f"Wulandari{number}",
        "mother_id_document_type": "national_id",
        "mother_id_document_number": f"31740152049{number:05d}",
        "mother_id_document_country": "ID",
        "attendant_name": "Bidan Ratna Sari",
        "attendant_role": "midwife",
    }
    body.update(overrides)
    return body


def discharge_form_body(**overrides) -> dict:
    """The child page's discharge form (prefix `discharge-`): to the mother, identity document checked."""
    time, offset = wall_time(1)
    body = {
        "time": time,
        "utc_offset": str(offset),
        "recorded_by_name": "Perawat Dewi",
        "recorded_by_role": "nurse",
        "to_given_name": "Sekar",
        "to_family_name": "Wulandari",
        "to_id_document_type": "national_id",
        "to_id_document_number": "3174015204990007",
        "to_id_document_country": "ID",
        "relationship": "mother",
        "id_document_checked": "yes",
    }
    body.update(overrides)
    return {f"discharge-{k}": v for k, v in body.items()}


def adoption_officer(world, *, region=None, username: str = "officer"):
    """An adoption officer of a court (an adoption authority) of the west district, or of `region`; the court
    and an adoption agency of the same region are kept on the world as `court` and `adoption_agency`."""
    from tests import factories as f

    region = region or world.west_district
    court = f.agency("adoption_authority", region, f"Court of {region.name} {next(_n)}")
    world.court = court
    world.adoption_agency = f.agency("adoption_agency", region, f"Adoption agency {next(_n)}")
    world.people[username] = f.person(court, ["adoption_officer"], username=username)
    return world.people[username]


def adoption_form_body(world, **overrides) -> dict:
    """The child page's adoption order form (prefix `adoption_order-`): two adoptive parents with documents."""
    time, offset = wall_time(1)
    number = next(_n)
    body = {
        "time": time,
        "utc_offset": str(offset),
        "recorded_by_name": "Hakim Santoso",
        "recorded_by_role": "other",
        "authority": str(world.court.pk),
        "decision_number": f"{number}/Pdt.P/2026/PN",
        "decided_on": str(timezone.localdate()),
        "adoption_agency": str(world.adoption_agency.pk),
        "parent1_given_name": "Rina",
        "parent1_family_name": "Kusuma",
        "parent1_id_document_type": "national_id",
        "parent1_id_document_number": f"31740000{number:08d}",
        "parent1_id_document_country": "ID",
        "parent2_given_name": "Budi",
        "parent2_family_name": "Kusuma",
        "parent2_id_document_type": "passport",
        "parent2_id_document_number": f"C{number:07d}",
        "parent2_id_document_country": "ID",
    }
    body.update(overrides)
    return {f"adoption_order-{k}": v for k, v in body.items()}


# --- corrections under four eyes -----------------------------------------------------------------------------


def recorded_death(world, *, persona: str = "clerk", cause: str = "sepsis"):
    """A death recorded by the world's hospital for a new child (an event to correct); kept as
    `world.correctable`."""
    from kinward.apps.registry.services import CustodyInput, custody_event_record

    birth = a_birth(world)
    world.correctable = custody_event_record(
        actor=actor_of(world.people[persona]),
        child=birth,
        data=CustodyInput(type="death", time=birth.time + dt.timedelta(hours=1), cause=cause),
    )
    return world.correctable


def a_proposal(world, *, persona: str = "clerk", event=None, field: str = "cause", new_value="pneumonia"):
    """A correction of a recorded death (or of `event`), proposed by `persona` and waiting for approval."""
    from kinward.apps.accounts.models import Agency
    from kinward.apps.registry.corrections import correction_propose
    from kinward.apps.registry.services import CustodyInput, staff_resolve

    event = event or recorded_death(world)
    actor = actor_of(world.people[persona])
    facility = Agency.objects.get(pk=actor.agency_id)  # proposed where the person works
    return correction_propose(
        actor=actor,
        child=event.child,
        data=CustodyInput(
            type="correction",
            time=timezone.now() - dt.timedelta(minutes=5),
            facility=facility,
            recorded_by=staff_resolve(agency=facility, name="Perawat Dewi", role="nurse"),
            corrects=event,
            field=field,
            new_value=new_value,
            reason="the cause was copied from another child's chart",
        ),
    )
