"""Who sees a child's case: its own agency whole; a referred agency only what the referral shares; nobody else."""

import pytest
from django.core.exceptions import ValidationError

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import selectors, services
from kinward.apps.cases.models import Case
from tests.apps.cases import helpers as ch
from tests.conftest import actor_of


@pytest.fixture
def rich_case(world):
    """A case with a secret in every optional section, so leaks are visible in pages and API answers."""
    case = ch.case(
        world,
        given_name="Melati",
        family_name="FAMILYSECRET",
        nationality="ID",
        exploitation_type="illegal_adoption",
        exploitation_details="CONTEXTSECRET",
    )
    worker = actor_of(world.people["caseworker"])
    services.perpetrator_add(actor=worker, case=case, role="broker", details="PERPSECRET")
    services.event_add(actor=worker, case=case, type="transit", city="EVENTSECRET", country="ID")
    services.support_plan_set(actor=worker, case=case, plan="PLANSECRET")
    services.screening_record(
        actor=worker, case=case, instrument="infant_adoption", version=1, answers={"offered_online": True}
    )
    return case


SECRETS = ("FAMILYSECRET", "CONTEXTSECRET", "PERPSECRET", "EVENTSECRET", "PLANSECRET", "offered_online")


def test_a_caseworker_of_another_agency_cannot_open_the_case_by_page_or_api(world, as_person, rich_case):
    client = as_person("caseworker_other_agency")
    page = client.get(f"/cases/{rich_case.pk}/")
    api = client.get(f"/api/v1/cases/{rich_case.pk}")
    assert (page.status_code, api.status_code) == (403, 403)
    assert not any(s in page.content.decode() + api.content.decode() for s in SECRETS)
    denied = AuditEntry.objects.filter(
        action="cases.case.view", outcome="denied", object_id=str(rich_case.pk)
    )
    assert denied.count() == 2


def test_a_caseworker_of_another_agency_sees_none_of_its_cases_in_lists(world, as_person, rich_case):
    listed = as_person("caseworker_other_agency").get("/api/v1/cases/?status=").json()
    assert listed["count"] == 0
    own = as_person("caseworker").get("/api/v1/cases/").json()
    assert [c["reference"] for c in own["items"]] == [rich_case.reference]


def test_the_own_agency_sees_the_whole_case_and_the_reading_is_audited(world, as_person, rich_case):
    body = as_person("caseworker").get(f"/api/v1/cases/{rich_case.pk}").json()
    assert body["full_view"] is True
    assert body["child"]["family_name"] == "FAMILYSECRET"
    assert body["perpetrators"] == [{"role": "broker", "details": "PERPSECRET"}]
    assert AuditEntry.objects.filter(
        action="cases.case.view", outcome="allowed", object_id=str(rich_case.pk)
    ).exists()


def test_a_referred_agency_sees_only_the_minimum_when_nothing_more_is_shared(world, as_person, rich_case):
    referral = ch.referral(world, of_case=rich_case)
    assert referral.shared_sections == ["referral", "child_basic"]
    client = as_person("caseworker_other_agency")
    body = client.get(f"/api/v1/cases/{rich_case.pk}").json()
    assert body["full_view"] is False
    assert body["child"] == {"given_name": "Melati", "sex": "female", "age_years": 1}
    assert not {"victim_context", "perpetrators", "events", "support_plan", "screenings", "consents"} & set(
        body
    )
    page = client.get(f"/cases/{rich_case.pk}/").content.decode()
    assert "Melati" in page
    assert not any(s in page or s in str(body) for s in SECRETS)
    referral_page = client.get(f"/cases/referrals/{referral.pk}/").content.decode()
    assert not any(s in referral_page for s in SECRETS)
    assert (
        AuditEntry.objects.filter(action="cases.case.view_referred", object_id=str(rich_case.pk)).count() == 3
    )


def test_a_referred_agency_sees_exactly_the_sections_shared_with_consent(world, as_person, rich_case):
    services.consent_record(
        actor=actor_of(world.people["caseworker"]),
        case=rich_case,
        purpose="information_sharing",
        decision="given",
        given_by="guardian",
    )
    ch.referral(world, of_case=rich_case, shared=["victim_context", "support_plan"])
    body = as_person("caseworker_other_agency").get(f"/api/v1/cases/{rich_case.pk}").json()
    assert body["victim_context"]["exploitation_details"] == "CONTEXTSECRET"
    assert body["support_plan"] == "PLANSECRET"
    assert "perpetrators" not in body and "events" not in body and "screenings" not in body
    assert "family_name" not in body["child"]


def test_a_revoked_referral_takes_the_case_out_of_the_receiving_agencys_sight(world, as_person, rich_case):
    referral = ch.referral(world, of_case=rich_case)
    services.referral_revoke(
        actor=actor_of(world.people["caseworker"]), referral=referral, reason="placed with kin instead"
    )
    assert as_person("caseworker_other_agency").get(f"/api/v1/cases/{rich_case.pk}").status_code == 403


def test_a_rejected_referral_gives_no_sight_of_the_case(world, rich_case):
    referral = ch.referral(world, of_case=rich_case)
    other = actor_of(world.people["caseworker_other_agency"])
    services.referral_respond(actor=other, referral=referral, decision="reject", reason="shelter full")
    with pytest.raises(AccessDenied):
        selectors.case_view(actor=other, case_id=rich_case.pk)


def test_people_without_a_case_role_are_refused(world, as_person, rich_case):
    for persona in ("clerk", "analyst", "registrar", "auditor"):
        assert as_person(persona).get(f"/cases/{rich_case.pk}/").status_code == 403
    assert as_person("analyst").get("/api/v1/cases/").status_code == 403


def test_the_receiving_agency_cannot_write_to_the_referring_agencys_case(world, rich_case):
    ch.referral(world, of_case=rich_case)
    other = actor_of(world.people["caseworker_other_agency"])
    with pytest.raises(AccessDenied):
        services.support_plan_set(actor=other, case=rich_case, plan="changed")
    with pytest.raises(AccessDenied):
        services.referral_create(
            actor=other, case=rich_case, to_agency=world.child_protection, service="medical"
        )


def test_a_newborn_id_is_validated_and_stored_canonical(world):
    from kinward.engines.ids import format_id, new_id

    issued = new_id()
    case = ch.case(world, newborn_id=format_id(issued).lower())
    assert case.newborn_id == issued
    before = Case.objects.count()
    with pytest.raises(ValidationError) as refused:
        ch.case(world, newborn_id=issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    assert "newborn_id" in refused.value.message_dict
    assert Case.objects.count() == before


def test_opening_a_case_refuses_bad_input_naming_the_field(world, as_person):
    client = as_person("caseworker")
    answer = client.post(
        "/api/v1/cases/", {"given_name": " ", "sex": "female"}, content_type="application/json"
    )
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "given_name"
    page = client.post(
        "/cases/new/",
        {"given_name": "Ayu", "sex": "female", "nationality": "Indonesia", "exploitation_type": "unknown"},
    )
    assert page.status_code == 400
    assert Case.objects.count() == 0
