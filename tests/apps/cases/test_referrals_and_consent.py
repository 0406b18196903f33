"""The national referral mechanism: services declared by agencies, consent where the law needs it, a lifecycle with
reasons and deadlines, and no enforcement track for a child."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import services
from kinward.apps.cases.catalogue import CatalogueError, check_service_kinds, consent_rules, service_catalogue
from kinward.apps.cases.models import ConsentRecord, Referral, ReferralStep
from kinward.apps.core.models import Notification
from tests.apps.cases import helpers as ch
from tests.conftest import actor_of


def worker(world):
    return actor_of(world.people["caseworker"])


def test_a_childs_referral_to_services_does_not_wait_for_consent(world):
    case = ch.case(world)
    assert consent_rules().required("services", is_child=True) is False
    services.consent_record(
        actor=worker(world), case=case, purpose="services", decision="refused", given_by="child"
    )
    referral = ch.referral(world, of_case=case, service="emergency_shelter")
    assert referral.status == "requested"


def test_a_child_of_unknown_age_is_treated_as_a_child(world):
    case = ch.case(world, age_estimate_years=None)
    assert services.case_is_child(case) is True
    assert ch.referral(world, of_case=case).pk


def test_an_adults_referral_does_need_consent_to_services(world):
    case = ch.case(world, age_estimate_years=None, birth_date=date(2001, 3, 1))
    with pytest.raises(ValidationError) as refused:
        ch.referral(world, of_case=case)
    assert "services" in refused.value.message_dict["service"][0]
    services.consent_record(
        actor=worker(world), case=case, purpose="services", decision="given", given_by="child"
    )
    assert ch.referral(world, of_case=case).pk


def test_sharing_beyond_the_minimum_needs_consent_and_writes_nothing_without_it(world, as_person):
    case = ch.case(world)
    client = as_person("caseworker")
    body = {
        "to_agency_id": world.other_child_protection.pk,
        "service": "emergency_shelter",
        "shared_sections": ["victim_context"],
    }
    refused = client.post(f"/api/v1/cases/{case.pk}/referrals", body, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "shared_sections"
    assert Referral.objects.count() == 0 and ReferralStep.objects.count() == 0
    assert Notification.objects.count() == 0


def test_a_consent_override_needs_a_reason_is_audited_and_then_allows_sharing(world, as_person):
    case = ch.case(world)
    client = as_person("caseworker")
    no_reason = client.post(
        f"/api/v1/cases/{case.pk}/consents",
        {"purpose": "information_sharing", "decision": "override"},
        content_type="application/json",
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    assert ConsentRecord.objects.count() == 0
    done = client.post(
        f"/api/v1/cases/{case.pk}/consents",
        {
            "purpose": "information_sharing",
            "decision": "override",
            "reason": "Infant in state care; the shelter needs the medical details.",
        },
        content_type="application/json",
    )
    assert done.status_code == 201
    assert AuditEntry.objects.filter(action="cases.consent.override", object_id=str(case.pk)).count() == 1
    referral = ch.referral(world, of_case=case, shared=["victim_context"])
    assert referral.shared_sections == ["referral", "child_basic", "victim_context"]


def test_withdrawn_consent_stops_further_sharing(world):
    case = ch.case(world)
    services.consent_record(
        actor=worker(world), case=case, purpose="information_sharing", decision="given", given_by="child"
    )
    services.consent_record(
        actor=worker(world), case=case, purpose="information_sharing", decision="withdrawn", given_by="child"
    )
    with pytest.raises(ValidationError):
        ch.referral(world, of_case=case, shared=["events"])


def test_family_tracing_needs_the_consent_to_tracing(world):
    case = ch.case(world)
    with pytest.raises(ValidationError) as refused:
        ch.referral(world, of_case=case, service="family_tracing")
    assert "family tracing" in refused.value.message_dict["service"][0]
    services.consent_record(
        actor=worker(world), case=case, purpose="family_tracing", decision="given", given_by="guardian"
    )
    assert ch.referral(world, of_case=case, service="family_tracing").service == "family_tracing"


def test_a_referral_to_an_agency_that_does_not_offer_the_service_is_refused_and_writes_nothing(
    world, as_person
):
    case = ch.case(world)
    client = as_person("caseworker")
    answer = client.post(
        f"/api/v1/cases/{case.pk}/referrals",
        {"to_agency_id": world.other_child_protection.pk, "service": "legal_aid"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert error["field"] == "to_agency" and "does not offer legal_aid" in error["problem"]
    page = client.post(
        f"/cases/{case.pk}/act/refer/",
        {"refer-to_agency": world.other_child_protection.pk, "refer-service": "legal_aid"},
    )
    assert page.status_code == 400 and "does not offer legal_aid" in page.content.decode()
    assert Referral.objects.count() == 0
    assert not AuditEntry.objects.filter(action="cases.referral.create").exists()


def test_the_catalogue_has_no_detention_or_deportation_track(world):
    banned = ("detention", "immigration_detention", "deportation", "removal_to_border", "juvenile_justice")
    for kind in banned:
        with pytest.raises(ValidationError) as refused:
            services.service_kind_check(kind)
        assert "no " in refused.value.message_dict["service"][0]
        with pytest.raises(ValidationError):
            services.agency_service_declare(
                actor=actor_of(world.people["case_supervisor"]), agency=world.child_protection, kind=kind
            )
    with pytest.raises(CatalogueError, match="detention"):
        check_service_kinds(
            {
                "forbidden_words": ["detention"],
                "kinds": {"holding": {"title": "Detention centre", "response_hours": 24}},
            }
        )
    assert not any(service_catalogue().forbidden_words[0] in k for k in service_catalogue().kinds)


def test_no_case_model_has_an_offender_or_enforcement_field_or_status():
    from django.apps import apps

    words = (
        "offender",
        "suspect",
        "detention",
        "deport",
        "immigration",
        "illegal_migrant",
        "arrest",
        "criminal",
    )
    for model in apps.get_app_config("cases").get_models():
        for field in model._meta.get_fields():
            assert not any(w in field.name for w in words), f"{model.__name__}.{field.name}"
            for value, _label in getattr(field, "choices", None) or ():
                assert not any(w in str(value) for w in words), f"{model.__name__}.{field.name}={value}"
        assert isinstance(model, type) and issubclass(model, models.Model)


def test_the_lifecycle_is_requested_accepted_completed_with_every_step_audited(world, as_person):
    referral = ch.referral(world)
    assert referral.due_at - referral.requested_at == timedelta(hours=24)  # emergency shelter: 24 h
    receiving = as_person("caseworker_other_agency")
    accepted = receiving.post(
        f"/api/v1/cases/referrals/{referral.pk}/respond",
        {"decision": "accept"},
        content_type="application/json",
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    done = receiving.post(
        f"/cases/referrals/{referral.pk}/service/",
        {
            "service-entry": "outcome",
            "service-occurred_on": timezone.localdate().isoformat(),
            "service-outcome": "improved",
            "service-description": "Settled, sleeping well.",
        },
    )
    assert done.status_code == 302
    receiving.post(f"/cases/referrals/{referral.pk}/respond/", {"respond-decision": "complete"})
    referral.refresh_from_db()
    assert referral.status == "completed"
    assert list(referral.steps.values_list("to_status", flat=True)) == ["requested", "accepted", "completed"]
    actions = set(
        AuditEntry.objects.filter(object_type="referral", object_id=str(referral.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"cases.referral.create", "cases.referral.accept", "cases.referral.complete"} <= actions
    assert referral.service_records.get().agency == world.other_child_protection


def test_a_rejection_needs_a_reason_and_only_the_receiving_agency_answers(world, as_person):
    referral = ch.referral(world, service="psychosocial")
    assert referral.due_at - referral.requested_at == timedelta(hours=72)
    owner = as_person("caseworker")
    assert (
        owner.post(
            f"/api/v1/cases/referrals/{referral.pk}/respond",
            {"decision": "accept"},
            content_type="application/json",
        ).status_code
        == 403
    )
    receiving = as_person("caseworker_other_agency")
    no_reason = receiving.post(
        f"/api/v1/cases/referrals/{referral.pk}/respond",
        {"decision": "reject"},
        content_type="application/json",
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    receiving.post(
        f"/api/v1/cases/referrals/{referral.pk}/respond",
        {"decision": "reject", "reason": "no female counsellor this month"},
        content_type="application/json",
    )
    referral.refresh_from_db()
    assert referral.status == "rejected"
    assert Notification.objects.filter(
        recipient=world.people["caseworker"], subject__contains="rejected"
    ).exists()


def test_only_the_referring_agency_revokes_and_only_an_open_referral(world, as_person):
    referral = ch.referral(world)
    receiving = as_person("caseworker_other_agency")
    assert (
        receiving.post(
            f"/api/v1/cases/referrals/{referral.pk}/revoke", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    owner = as_person("caseworker")
    assert (
        owner.post(
            f"/api/v1/cases/referrals/{referral.pk}/revoke",
            {"reason": "placed with kin"},
            content_type="application/json",
        ).status_code
        == 200
    )
    again = owner.post(
        f"/api/v1/cases/referrals/{referral.pk}/revoke", {"reason": "again"}, content_type="application/json"
    )
    assert again.status_code == 422


def test_a_case_cannot_be_referred_twice_to_the_same_open_service(world):
    case = ch.case(world)
    ch.referral(world, of_case=case)
    with pytest.raises(ValidationError):
        ch.referral(world, of_case=case)


def test_reminders_go_to_the_receiving_caseworkers_once_near_and_once_late(world):
    referral = ch.referral(world)
    now = timezone.now()
    assert services.referral_deadlines_remind(now=now) == {"reminded": 0, "overdue": 0}
    near = referral.due_at - timedelta(hours=2)
    assert services.referral_deadlines_remind(now=near) == {"reminded": 1, "overdue": 0}
    assert services.referral_deadlines_remind(now=near) == {"reminded": 0, "overdue": 0}
    east = world.people["caseworker_other_agency"]
    assert Notification.objects.filter(recipient=east, subject__contains="due by").count() == 1
    late = referral.due_at + timedelta(minutes=5)
    assert services.referral_deadlines_remind(now=late) == {"reminded": 0, "overdue": 1}
    assert services.referral_deadlines_remind(now=late) == {"reminded": 0, "overdue": 0}
    assert Notification.objects.filter(
        recipient=world.people["caseworker"], subject__contains="overdue"
    ).exists()
    assert not Notification.objects.filter(recipient=world.people["clerk"]).exists()


def test_the_reminder_task_runs(world):
    from kinward.apps.cases.tasks import referral_deadlines_remind

    ch.referral(world)
    assert referral_deadlines_remind.call() == {"reminded": 0, "overdue": 0}


def test_the_deadlines_page_lists_answers_due_and_follow_ups(world, as_person):
    referral = ch.referral(world)
    page = as_person("caseworker_other_agency").get("/cases/deadlines/").content.decode()
    assert referral.case.reference in page
    other = actor_of(world.people["caseworker_other_agency"])
    services.referral_respond(actor=other, referral=referral, decision="accept")
    services.service_record_add(
        actor=other,
        case=referral.case,
        referral=referral,
        entry="delivery",
        occurred_on=timezone.localdate(),
        next_follow_up_on=timezone.localdate() + timedelta(days=2),
    )
    page = as_person("caseworker_other_agency").get("/cases/deadlines/").content.decode()
    assert "Follow-ups due" in page and referral.case.reference in page


def test_only_a_supervisor_declares_the_agencys_services(world, as_person):
    assert (
        as_person("caseworker").post("/cases/services/", {"kind": "education", "active": "on"}).status_code
        == 403
    )
    assert (
        as_person("case_supervisor")
        .post("/cases/services/", {"kind": "education", "active": "on"})
        .status_code
        == 302
    )
    assert world.child_protection.offered_services.filter(kind="education", is_active=True).exists()
    with pytest.raises(AccessDenied):
        services.agency_service_declare(
            actor=actor_of(world.people["case_supervisor"]),
            agency=world.other_child_protection,
            kind="education",
        )


def test_through_the_pages_sharing_needs_consent_and_an_override_is_recorded_with_its_reason(
    world, as_person
):
    case = ch.case(world)
    client = as_person("caseworker")
    form = {
        "refer-to_agency": world.other_child_protection.pk,
        "refer-service": "emergency_shelter",
        "refer-shared_sections": ["events"],
    }
    refused = client.post(f"/cases/{case.pk}/act/refer/", form)
    assert refused.status_code == 400 and "consent to information sharing" in refused.content.decode()
    assert Referral.objects.count() == 0
    no_reason = client.post(
        f"/cases/{case.pk}/act/consent/",
        {"consent-purpose": "information_sharing", "consent-decision": "override"},
    )
    assert no_reason.status_code == 400 and ConsentRecord.objects.count() == 0
    client.post(
        f"/cases/{case.pk}/act/consent/",
        {
            "consent-purpose": "information_sharing",
            "consent-decision": "override",
            "consent-reason": "The shelter must know the route taken.",
        },
    )
    assert AuditEntry.objects.filter(action="cases.consent.override", object_id=str(case.pk)).count() == 1
    assert client.post(f"/cases/{case.pk}/act/refer/", form).status_code == 302
    assert Referral.objects.get().shared_sections == ["referral", "child_basic", "events"]
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Overridden in the child" in page and "The shelter must know the route taken." in page
