"""Birth notification as a FHIR R4 Bundle."""

from __future__ import annotations

from kinward.apps.registry.models import Birth
from tests.apps.registry import helpers as rh
from tests.conftest import signed_in_client


def post(world, persona, bundle):
    return signed_in_client(world.people[persona]).post(
        "/api/v1/registry/fhir/Bundle", data=bundle, content_type="application/json"
    )


def test_a_fhir_bundle_notifies_the_birth_with_mother_and_weight(world):
    response = post(world, "clerk", rh.fhir_bundle(world))
    assert response.status_code == 201, response.content
    identifier = response.json()["identifier"][0]
    birth = Birth.objects.get(newborn_id=identifier["value"])
    assert (birth.sex, birth.weight_g, birth.facility) == ("female", 3120, world.hospital)
    assert birth.mother.family_name == "Wulandari" and birth.mother.id_document_number == "3174015204990007"


def test_a_bundle_without_a_birth_time_is_refused_naming_the_field(world):
    response = post(world, "clerk", rh.fhir_bundle(world, extension=[]))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Patient.birthDate"
    assert not Birth.objects.exists()


def test_a_bundle_for_another_hospital_is_refused(world):
    assert post(world, "clerk_other_hospital", rh.fhir_bundle(world)).status_code == 403
