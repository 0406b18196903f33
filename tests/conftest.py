"""Shared fixtures: a small country with two provinces and personas in and out of each other's scope."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

os.environ.setdefault("KINWARD_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "data", "test"))


@dataclass
class World:
    country: object
    west: object
    east: object
    west_district: object
    east_district: object
    hospital: object
    other_hospital: object
    registry: object
    police: object
    child_protection: object
    other_child_protection: object
    oversight: object
    dna_lab: object
    people: dict


PERSONA_ROLES = {
    # persona name: (agency attribute, roles)
    "clerk": ("hospital", ["health_worker"]),
    "clerk_other_hospital": ("other_hospital", ["health_worker"]),
    "facility_supervisor": ("hospital", ["facility_supervisor"]),
    "registrar": ("registry", ["registrar"]),
    "analyst": ("police", ["analyst"]),
    "caseworker": ("child_protection", ["caseworker"]),
    "caseworker_other_agency": ("other_child_protection", ["caseworker"]),
    "case_supervisor": ("child_protection", ["case_supervisor"]),
    "dna_analyst": ("dna_lab", ["dna_analyst"]),
    "auditor": ("oversight", ["auditor"]),
    "admin": ("oversight", ["system_admin"]),
}


@pytest.fixture
def world(db) -> World:
    from tests import factories as f

    country = f.country("ID")
    west = f.province(country, "ID-W")
    east = f.province(country, "ID-E")
    west_district = f.district(west, "ID-W-1")
    east_district = f.district(east, "ID-E-1")
    w = World(
        country=country, west=west, east=east, west_district=west_district, east_district=east_district,
        hospital=f.agency("public_hospital", west_district, "West General Hospital"),
        other_hospital=f.agency("private_clinic", east_district, "East Private Clinic"),
        registry=f.agency("registry_office", west_district, "West Registry Office"),
        police=f.agency("police_unit", west, "West Police Unit"),
        child_protection=f.agency("child_protection", west, "West Child Protection"),
        other_child_protection=f.agency("child_protection", east, "East Child Protection"),
        oversight=f.agency("oversight_body", country, "National Oversight"),
        dna_lab=f.agency("dna_lab", country, "National DNA Laboratory"),
        people={},
    )
    for name, (agency_attr, roles) in PERSONA_ROLES.items():
        w.people[name] = f.person(getattr(w, agency_attr), roles, username=name)
    return w


def signed_in_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_person(world):
    """`as_person("clerk")` returns a test client signed in as that persona."""
    return lambda name: signed_in_client(world.people[name])


def actor_of(user):
    from kinward.apps.accounts.services import actor_for_user

    return actor_for_user(user, client_address="127.0.0.1")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many people: a fast hasher keeps the suite quick (production keeps PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a page request leaves its language (the user's preference, the
    Accept-Language header) active in the thread after the response, and the next test would read it."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
