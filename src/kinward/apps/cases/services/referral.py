"""Writes about the national referral mechanism: the service directory, referrals and their answers, and the
reminders of answers falling due. Nothing is half-written when a referral is refused."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, User
from kinward.apps.audit.services import audit_record, require
from kinward.apps.cases.catalogue import (
    consent_rules,
    service_catalogue,
)
from kinward.apps.cases.models import (
    AgencyService,
    Case,
    Referral,
    ReferralStep,
    agency_scope,
)
from kinward.apps.cases.services.case import (
    SEED,
    _person,
    agency_case_staff,
    consent_needed_and_missing,
    service_kind_check,
)
from kinward.apps.core.services import notify

# --- the service directory -----------------------------------------------------------------------------------


def agency_service_declare(*, actor: Actor, agency: Agency, kind: str, active: bool = True) -> AgencyService:
    """Declare (or withdraw) a service the agency offers to referrals."""
    require(actor, "cases.service.declare", agency_scope(agency), object_type="agency", object_id=agency.pk)
    service_kind_check(kind, "kind")
    with transaction.atomic():
        offer, _ = AgencyService.objects.update_or_create(
            agency=agency, kind=kind, defaults={"is_active": active}
        )
        audit_record(actor=actor, action="cases.service.declare", object_type="agency", object_id=agency.pk)
    return offer


def agency_services_seed(*, agency: Agency, kinds: Iterable[str]) -> int:
    """Set up an agency's declared services (installation and demo seeding, not a person's act). Idempotent."""
    made = 0
    with transaction.atomic():
        for kind in kinds:
            service_kind_check(kind, "kind")
            _, created = AgencyService.objects.get_or_create(agency=agency, kind=kind)
            if created:
                made += 1
                audit_record(
                    actor=SEED, action="cases.service.declare", object_type="agency", object_id=agency.pk
                )
    return made


# --- referrals -----------------------------------------------------------------------------------------------


def _check_sharing(case: Case, sections: list[str]) -> list[str]:
    rules = consent_rules()
    unknown = [s for s in sections if s not in rules.all_sections]
    if unknown:
        raise ValidationError(
            {
                "shared_sections": f"unknown sections {', '.join(unknown)}; "
                f"choose from {', '.join(rules.optional_sections)}"
            }
        )
    beyond = [s for s in sections if s not in rules.minimum_sections]
    if beyond and consent_needed_and_missing(case, "information_sharing"):
        raise ValidationError(
            {
                "shared_sections": "sharing more than the minimum needs the consent to information "
                "sharing, or a recorded override"
            }
        )
    return list(rules.minimum_sections) + [s for s in rules.optional_sections if s in beyond]


def referral_create(
    *,
    actor: Actor,
    case: Case,
    to_agency: Agency,
    service: str,
    details: str = "",
    shared_sections: Iterable[str] = (),
) -> Referral:
    """Refer the child to a service at another agency, sharing the minimum plus the chosen sections."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    service_kind_check(service)
    if case.status == Case.Status.CLOSED:
        raise ValidationError({"case": "the case is closed"})
    if to_agency.pk == case.agency_id:
        raise ValidationError(
            {"to_agency": "refer to another agency; record your own agency's services directly"}
        )
    if not AgencyService.objects.filter(agency=to_agency, kind=service, is_active=True).exists():
        offering = ", ".join(
            AgencyService.objects.filter(kind=service, is_active=True)
            .exclude(agency_id=case.agency_id)
            .values_list("agency__name", flat=True)[:5]
        )
        raise ValidationError(
            {
                "to_agency": f"{to_agency.name} does not offer {service}; "
                f"agencies that do: {offering or 'none declared'}"
            }
        )
    # The child's referral does not wait for consent to services; an adult's does (consent.yaml).
    for purpose in ("services", "family_tracing") if service == "family_tracing" else ("services",):
        if consent_needed_and_missing(case, purpose):
            raise ValidationError(
                {"service": f"this needs consent to {purpose.replace('_', ' ')}, or a recorded override"}
            )
    sections = _check_sharing(case, list(shared_sections))
    if case.referrals.filter(to_agency=to_agency, service=service, status__in=Referral.OPEN).exists():
        raise ValidationError({"service": "this child already has an open referral for this service there"})
    hours = service_catalogue().response_hours(service)
    now = timezone.now()
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            from_agency_id=case.agency_id,
            to_agency=to_agency,
            service=service,
            details=details.strip(),
            shared_sections=sections,
            requested_by_id=_person(actor),
            requested_at=now,
            due_at=now + timedelta(hours=hours),
        )
        ReferralStep.objects.create(
            referral=referral, to_status=Referral.Status.REQUESTED, by_id=actor.user_id
        )
        audit_record(
            actor=actor, action="cases.referral.create", object_type="referral", object_id=referral.pk
        )
        notify(
            recipients=agency_case_staff(to_agency.pk),
            subject=f"New referral for {service}: answer within {hours} hours",
            link=f"/cases/referrals/{referral.pk}/",
        )
    return referral


_RESPONSES = {
    "accept": (Referral.Status.REQUESTED, Referral.Status.ACCEPTED),
    "reject": (Referral.Status.REQUESTED, Referral.Status.REJECTED),
    "complete": (Referral.Status.ACCEPTED, Referral.Status.COMPLETED),
}


def referral_respond(*, actor: Actor, referral: Referral, decision: str, reason: str = "") -> Referral:
    """The receiving agency accepts or rejects (with a reason) a referral, or marks it completed."""
    require(actor, "cases.referral.respond", referral, object_type="referral", object_id=referral.pk)
    if decision not in _RESPONSES:
        raise ValidationError({"decision": "accept, reject or complete"})
    from_status, to_status = _RESPONSES[decision]
    if referral.status != from_status:
        raise ValidationError(
            {
                "decision": f"a {referral.get_status_display().lower()} referral cannot be "
                f"{to_status.label.lower()}"
            }
        )
    if decision == "reject" and not reason.strip():
        raise ValidationError(
            {"reason": "say why the referral is rejected, so the child can be referred elsewhere"}
        )
    with transaction.atomic():
        referral.status = to_status
        if decision != "complete":
            referral.responded_at = timezone.now()
        referral.save(update_fields=["status", "responded_at"])
        ReferralStep.objects.create(
            referral=referral, to_status=to_status, reason=reason.strip(), by_id=_person(actor)
        )
        audit_record(
            actor=actor, action=f"cases.referral.{decision}", object_type="referral", object_id=referral.pk
        )
        notify(
            recipients=User.objects.filter(pk=referral.requested_by_id),
            subject=f"Referral {to_status.label.lower()}: {referral.service}",
            link=f"/cases/{referral.case_id}/",
        )
    return referral


def referral_revoke(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """The referring agency withdraws an open referral; the receiving agency loses sight of the case."""
    require(actor, "cases.case.manage", referral.case, object_type="referral", object_id=referral.pk)
    if referral.status not in Referral.OPEN:
        raise ValidationError({"referral": "only a requested or accepted referral can be revoked"})
    if not reason.strip():
        raise ValidationError({"reason": "say why the referral is revoked"})
    with transaction.atomic():
        referral.status = Referral.Status.REVOKED
        referral.save(update_fields=["status"])
        ReferralStep.objects.create(
            referral=referral, to_status=Referral.Status.REVOKED, reason=reason.strip(), by_id=_person(actor)
        )
        audit_record(
            actor=actor, action="cases.referral.revoke", object_type="referral", object_id=referral.pk
        )
        notify(
            recipients=agency_case_staff(referral.to_agency_id),
            subject="A referral was revoked",
            link="/cases/referrals/",
        )
    return referral


# --- deadline reminders --------------------------------------------------------------------------------------

REMINDER = Actor(username="system:referral-deadlines")


def referral_deadlines_remind(*, now=None, remind_hours: int | None = None) -> dict:
    """Tell the receiving agency's caseworkers when a referral's answer is due soon, and again once it is late
    (the referring caseworker too). Each referral is reminded once and flagged overdue once: running it again
    sends nothing new."""
    from django.conf import settings

    now = now or timezone.now()
    hours = (
        remind_hours if remind_hours is not None else getattr(settings, "KINWARD_REFERRAL_REMIND_HOURS", 6)
    )
    waiting = Referral.objects.select_related("case", "to_agency").filter(status=Referral.Status.REQUESTED)
    sent = {"reminded": 0, "overdue": 0}
    for referral in waiting.filter(
        due_at__gt=now, due_at__lte=now + timedelta(hours=hours), reminded_at=None
    ):
        with transaction.atomic():
            notify(
                recipients=agency_case_staff(referral.to_agency_id),
                subject=f"Referral for {referral.service} due by {referral.due_at:%Y-%m-%d %H:%M} UTC",
                body="Accept or reject it (with a reason) so the child is not left waiting.",
                link=f"/cases/referrals/{referral.pk}/",
            )
            referral.reminded_at = now
            referral.save(update_fields=["reminded_at"])
            audit_record(
                actor=REMINDER, action="cases.referral.remind", object_type="referral", object_id=referral.pk
            )
        sent["reminded"] += 1
    for referral in waiting.filter(due_at__lte=now, overdue_notified_at=None):
        with transaction.atomic():
            staff = list(agency_case_staff(referral.to_agency_id)) + list(
                User.objects.filter(pk=referral.requested_by_id, is_active=True)
            )
            notify(
                recipients=staff,
                subject=f"Referral for {referral.service} is overdue",
                body=f"The answer was due by {referral.due_at:%Y-%m-%d %H:%M} UTC.",
                link=f"/cases/referrals/{referral.pk}/",
            )
            referral.overdue_notified_at = now
            referral.save(update_fields=["overdue_notified_at"])
            audit_record(
                actor=REMINDER, action="cases.referral.overdue", object_type="referral", object_id=referral.pk
            )
        sent["overdue"] += 1
    return sent
