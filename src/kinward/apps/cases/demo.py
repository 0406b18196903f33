"""Demo cases (synthetic): infants sold through a private-clinic ring in the Batam area, a girl recruited online,
a boy forced to beg. Every page of the cases app has something to show for `caseworker`, `case_supervisor` and
the NGO's `ngo_caseworker`. Idempotent: when the agency already holds cases, nothing is added."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.models import Agency, User
from kinward.apps.accounts.services import actor_for_user, user_create
from kinward.apps.cases import services as cs
from kinward.apps.cases.models import Case, Referral

NGO_USER = "ngo_caseworker"


def _people(cp: Agency, ngo: Agency):
    caseworker = User.objects.filter(agency=cp, roles__code="caseworker").order_by("pk").first()
    supervisor = User.objects.filter(agency=cp, roles__code="case_supervisor").order_by("pk").first()
    ngo_worker = User.objects.filter(username=NGO_USER).first()
    if ngo_worker is None:
        from kinward.apps.core.demo import DEMO_PASSWORD

        ngo_worker = user_create(
            actor=None, username=NGO_USER, password=DEMO_PASSWORD, agency=ngo, roles=["caseworker"]
        )
    return caseworker, supervisor, ngo_worker


def demo_seed(*, stdout) -> None:
    cp = Agency.objects.filter(kind="child_protection").order_by("pk").first()
    ngo = (
        Agency.objects.filter(kind="ngo").order_by("pk").first()
        or Agency.objects.filter(kind="child_protection").exclude(pk=getattr(cp, "pk", None)).first()
    )
    if cp is None or ngo is None:
        stdout.write("cases: no child-protection agency and NGO to seed; skipped\n")
        return
    if Case.objects.filter(agency=cp).exists():
        return
    caseworker, supervisor, ngo_worker = _people(cp, ngo)
    if caseworker is None or supervisor is None:
        stdout.write("cases: the demo caseworker and case supervisor are missing; skipped\n")
        return
    with transaction.atomic():
        cs.agency_services_seed(
            agency=ngo, kinds=["emergency_shelter", "psychosocial", "legal_aid", "education"]
        )
        cs.agency_services_seed(agency=cp, kinds=["alternative_care", "family_tracing"])
        hospital = Agency.objects.filter(kind="public_hospital").order_by("pk").first()
        if hospital is not None:
            cs.agency_services_seed(agency=hospital, kinds=["medical"])
        _seed_cases(actor_for_user(caseworker), actor_for_user(supervisor), actor_for_user(ngo_worker), ngo)
    stdout.write(f"cases: 4 demo cases at {cp.name}; NGO login {NGO_USER} at {ngo.name}\n")


def _clinic_place() -> str:
    """The demo country's private clinic in the Batam area, when it has one (the demo country of core does)."""
    from django.db.models import Q

    clinic = Agency.objects.filter(
        Q(name__icontains="Batam") | Q(region__name__icontains="Batam"), kind="private_clinic"
    ).first()
    return clinic.name if clinic else "Batam (private clinic)"


def _clinic_infant(worker, supervisor, given_name, sex, weeks_old):
    today = timezone.localdate()
    case = cs.case_open(
        actor=worker,
        given_name=given_name,
        sex=sex,
        birth_date=today - timedelta(weeks=weeks_old),
        nationality="ID",
        exploitation_type="illegal_adoption",
        exploitation_details="Taken from a private clinic in Batam; papers name another mother.",
        vulnerabilities="Newborn; birth mother in debt to the clinic",
    )
    cs.event_add(
        actor=worker,
        case=case,
        type="recruitment",
        date=today - timedelta(weeks=weeks_old),
        city=_clinic_place(),
        country="ID",
        description="Mother pressed by clinic staff to give the baby up after the delivery.",
    )
    cs.event_add(
        actor=worker,
        case=case,
        type="transit",
        date=today - timedelta(weeks=weeks_old) + timedelta(days=9),
        city="Batam ferry terminal",
        country="ID",
        description="Stopped with forged papers naming a couple as the parents, bound for Singapore.",
    )
    cs.perpetrator_add(actor=worker, case=case, role="facility_staff", details="Midwife at the clinic")
    cs.perpetrator_add(actor=worker, case=case, role="broker", details="Arranged the 'adoption' for a fee")
    cs.perpetrator_add(
        actor=worker, case=case, role="document_forger", details="Birth certificate not in registry"
    )
    cs.screening_record(
        actor=worker,
        case=case,
        instrument="infant_adoption",
        version=1,
        answers={
            "records_inconsistent": True,
            "facility_irregular": True,
            "mother_pressured": True,
            "intermediary_fee": True,
            "taken_abroad_as_own": True,
        },
    )
    cs.consent_record(
        actor=worker,
        case=case,
        purpose="information_sharing",
        decision="override",
        reason="Infant in state care; the shelter needs the medical and identity details.",
    )
    cs.status_decide(
        actor=supervisor,
        case=case,
        status="possible",
        authority="Provincial anti-trafficking task force (Kepulauan Riau)",
        decided_on=today - timedelta(days=2),
        reasons="Sale by clinic staff indicated; inquiry open.",
    )
    return case


def _seed_cases(worker, supervisor, ngo_worker, ngo: Agency) -> None:
    today = timezone.localdate()
    melati = _clinic_infant(worker, supervisor, "Melati", "female", 6)
    cs.support_plan_set(
        actor=worker,
        case=melati,
        plan="Emergency shelter with infant care; medical check; "
        "family tracing once the birth mother is found safe.",
    )
    shelter = cs.referral_create(
        actor=worker,
        case=melati,
        to_agency=ngo,
        service="emergency_shelter",
        details="Infant, 6 weeks; formula-fed.",
        shared_sections=["child_identity", "support_plan"],
    )
    cs.referral_respond(actor=ngo_worker, referral=shelter, decision="accept")
    cs.service_record_add(
        actor=ngo_worker,
        case=melati,
        referral=shelter,
        entry="delivery",
        occurred_on=today - timedelta(days=1),
        description="Admitted to the infant unit.",
        next_follow_up_on=today + timedelta(days=3),
    )
    _clinic_infant(worker, supervisor, "Kenanga", "male", 9)

    dewi = cs.case_open(
        actor=worker,
        given_name="Dewi",
        sex="female",
        age_estimate_years=14,
        nationality="ID",
        languages="Indonesian, Javanese",
        exploitation_type="sexual",
        exploitation_details="Recruited through a job post for 'café work' in Batam.",
    )
    cs.screening_record(
        actor=worker,
        case=dewi,
        instrument="child_indicators",
        version=1,
        answers={
            "no_contact_with_family": True,
            "travels_with_non_relatives": True,
            "told_what_to_say": True,
            "fearful": True,
        },
    )
    cs.consent_record(
        actor=worker, case=dewi, purpose="information_sharing", decision="given", given_by="child"
    )
    pending = cs.referral_create(
        actor=worker,
        case=dewi,
        to_agency=ngo,
        service="psychosocial",
        details="Prefers a female counsellor.",
        shared_sections=["child_identity"],
    )
    # For the demo the answer is due in three hours, so the deadline pages and reminders have something to show.
    Referral.objects.filter(pk=pending.pk).update(due_at=timezone.now() + timedelta(hours=3))

    rudi = cs.case_open(
        actor=worker,
        given_name="Rudi",
        sex="male",
        age_estimate_years=12,
        nationality="ID",
        exploitation_type="begging",
        exploitation_details="Made to beg at a bus terminal.",
    )
    legal = cs.referral_create(actor=worker, case=rudi, to_agency=ngo, service="legal_aid")
    cs.referral_respond(actor=ngo_worker, referral=legal, decision="accept")
    cs.service_record_add(
        actor=ngo_worker,
        case=rudi,
        referral=legal,
        entry="outcome",
        occurred_on=today - timedelta(days=3),
        outcome="goal_met",
        description="Guardianship order obtained for his aunt.",
    )
    cs.referral_respond(actor=ngo_worker, referral=legal, decision="complete")
    cs.closure_request(actor=worker, case=rudi, reason="Living safely with his aunt; school enrolment done.")
