"""Birth notification as a FHIR R4 Bundle, the shape hospital systems and OpenCRVS send.

Accepted: a Bundle (any type) holding the child as a `Patient` (gender; the birth time with its offset in the
`patient-birthTime` extension: a date alone is refused, the time matters), optionally the mother as a `Patient` or `RelatedPerson` (relationship `MTH`, HL7 v3 RoleCode) with
name, birthDate, identifier and telecom, and a birth-weight `Observation` (LOINC 8339-4, grams). The facility is
the caller's agency (or an `Organization` whose identifier value is the agency id). Kinward answers with the
newborn ID as a FHIR `Identifier` in the registry's system.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Body, Router, Schema
from ninja.responses import Status

from kinward.apps.core.api_support import ErrorOut, PersonSession, SystemClientToken, request_actor
from kinward.apps.registry import services
from kinward.apps.registry.models import Agency

BIRTH_TIME_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-birthTime"
BIRTH_WEIGHT_LOINC = "8339-4"
MOTHER_CODES = {"MTH", "NMTH", "BMTH", "GESTM"}
NEWBORN_ID_SYSTEM = "https://kinward.org/fhir/newborn-id"
FHIR_GENDER = {"female": "female", "male": "male", "other": "unknown", "unknown": "unknown"}

router = Router(tags=["registry"], auth=[SystemClientToken(), PersonSession()])


def _resources(bundle: dict) -> list[dict]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise ValidationError({"resourceType": "send a FHIR R4 Bundle"})
    entries = bundle.get("entry")
    if not isinstance(entries, list) or not entries:
        raise ValidationError({"entry": "the Bundle has no entries"})
    return [e.get("resource") or {} for e in entries if isinstance(e, dict)]


def _is_mother(resource: dict) -> bool:
    for relationship in resource.get("relationship") or []:
        for coding in relationship.get("coding") or []:
            if coding.get("code") in MOTHER_CODES:
                return True
    return False


def _person(resource: dict) -> services.PersonData:
    name = (resource.get("name") or [{}])[0]
    given = " ".join(name.get("given") or [])
    identifier = (resource.get("identifier") or [{}])[0]
    phone = next(
        (t.get("value", "") for t in resource.get("telecom") or [] if t.get("system") == "phone"), ""
    )
    country = (identifier.get("assigner") or {}).get("display", "")[:2].upper()
    birth_date = resource.get("birthDate")
    return services.PersonData(
        given_name=given or name.get("text", ""),
        family_name=name.get("family", ""),
        birth_date=dt.date.fromisoformat(birth_date) if birth_date else None,
        sex="female",
        id_document_type="national_id" if identifier.get("value") and len(country) == 2 else "",
        id_document_number=identifier.get("value", "") if len(country) == 2 else "",
        id_document_country=country if identifier.get("value") else "",
        phone=phone,
    )


def _birth_time(child: dict) -> dt.datetime:
    for extension in child.get("extension") or []:
        if extension.get("url") == BIRTH_TIME_EXTENSION and extension.get("valueDateTime"):
            value = extension["valueDateTime"]
            break
    else:
        value = child.get("birthDate", "")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise ValidationError(
            {"Patient.birthDate": f"give the birth time with its offset via {BIRTH_TIME_EXTENSION}"}
        )
    return parsed


def bundle_to_notification(bundle: dict) -> dict[str, Any]:
    """The arguments of `services.birth_notify` (without actor and facility) read from a FHIR Bundle."""
    resources = _resources(bundle)
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    related = [r for r in resources if r.get("resourceType") == "RelatedPerson" and _is_mother(r)]
    child = next((p for p in patients if not _is_mother(p) and "link" not in p), None) or (
        patients[0] if patients else None
    )
    if child is None:
        raise ValidationError({"Patient": "the Bundle holds no Patient for the child"})
    mothers = related + [
        p for p in patients if p is not child and (_is_mother(p) or p.get("gender") == "female")
    ]
    weight = None
    for resource in resources:
        codes = {c.get("code") for c in (resource.get("code") or {}).get("coding") or []}
        if resource.get("resourceType") == "Observation" and BIRTH_WEIGHT_LOINC in codes:
            quantity = resource.get("valueQuantity") or {}
            value = quantity.get("value")
            if quantity.get("code", "g") == "kg" and value is not None:
                value = value * 1000
            weight = int(round(value)) if isinstance(value, int | float) else None
    deceased = child.get("deceasedBoolean") is True
    return {
        "time": _birth_time(child),
        "sex": FHIR_GENDER.get(child.get("gender", "unknown"), "unknown"),
        "outcome": "still" if deceased else "live",
        "weight_g": weight,
        "mother": _person(mothers[0]) if mothers else None,
        "mother_absent_reason": "" if mothers else "other",
    }


class FhirIdentifierOut(Schema):
    system: str
    value: str


class FhirNotificationOut(Schema):
    resourceType: str = "Patient"
    identifier: list[FhirIdentifierOut]
    ledger_index: int


@router.post(
    "/Bundle",
    response={201: FhirNotificationOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Notify a birth as a FHIR R4 Bundle (child Patient, mother, birth weight)",
)
def fhir_bundle(request: HttpRequest, bundle: dict = Body(...)):
    actor = request_actor(request)
    facility = Agency.objects.select_related("region").filter(pk=actor.agency_id).first()
    for resource in _resources(bundle):
        if resource.get("resourceType") == "Organization":
            ids = [i.get("value") for i in resource.get("identifier") or []]
            chosen = Agency.objects.select_related("region").filter(
                pk__in=[i for i in ids if str(i).isdigit()]
            )
            facility = chosen.first() or facility
    if facility is None:
        raise ValidationError({"Organization": "name the facility of birth"})
    birth = services.birth_notify(actor=actor, facility=facility, **bundle_to_notification(bundle))
    return Status(
        201,
        FhirNotificationOut(
            identifier=[FhirIdentifierOut(system=NEWBORN_ID_SYSTEM, value=birth.newborn_id)],
            ledger_index=birth.ledger_index,
        ),
    )
