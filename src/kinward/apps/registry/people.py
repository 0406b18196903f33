"""Who and where registry records name: people (resolved by identity document), staff, and a facility's scope.

Shared by the registry's services (`services.py`, `antenatal.py`), the API, forms and other apps; they reach it
through `services` too (the names are imported there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency
from kinward.apps.registry.models import Person, Staff

FACILITY_KINDS = tuple(str(k) for k in Agency.HEALTH_FACILITY_KINDS)


def agency_scope(agency: Agency) -> Scope:
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


# --- people and staff named in records ---------------------------------------------------------------------


@dataclass(frozen=True)
class PersonData:
    """A person as a hospital system sends it. The identity document, when given, decides who it is."""

    given_name: str
    family_name: str = ""
    birth_date: dt.date | None = None
    sex: str = "unknown"
    id_document_type: str = ""
    id_document_number: str = ""
    id_document_country: str = ""
    phone: str = ""


def person_resolve(*, data: PersonData) -> Person:
    """The person with this identity document (INTERCHANGE.md: the document, not the name, is identity), or a
    new person. Call inside the caller's transaction."""
    if not data.given_name.strip():
        raise ValidationError({"given_name": "a person needs at least a given name"})
    if data.id_document_number:
        if not (data.id_document_type and len(data.id_document_country) == 2):
            raise ValidationError({"id_document": "give the document's type, number and country together"})
        found = Person.objects.filter(
            id_document_type=data.id_document_type,
            id_document_number=data.id_document_number,
            id_document_country=data.id_document_country.upper(),
            source="",
        ).first()
        if found is not None:
            return found
    person = Person(**{**data.__dict__, "id_document_country": data.id_document_country.upper()})
    person.full_clean(exclude=["region"])
    person.save()
    return person


def staff_resolve(*, agency: Agency, name: str, role: str) -> Staff:
    """The staff member of `agency` with this name and role, or a new one."""
    if role not in Staff.Role.values:
        raise ValidationError({"attendant.role": f"unknown staff role {role!r}"})
    if not name.strip():
        raise ValidationError({"attendant.name": "give the staff member's name"})
    staff, _ = Staff.objects.get_or_create(agency=agency, name=name.strip(), role=role, source="")
    return staff
