"""Writes about child cases. Each checks who may act, validates, writes and audits in one transaction.

Rules that matter here, and why:
- A child's referral to protection never waits for the child's consent to services (consent.yaml says which
  purposes need consent, per the law the deployment follows). Sharing more than the minimum does.
- A screening gives a level of concern, never a determination; the trafficking status is a separate decision by
  a competent authority (`cases.status.decide`), with reasons.
- A referral goes only to an agency that declares the service; nothing is half-written when it is refused.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor, authorize
from kinward.apps.accounts.models import User
from kinward.apps.audit.services import audit_record, require
from kinward.apps.cases.catalogue import (
    CatalogueError,
    UnknownInstrument,
    consent_rules,
    forbidden_word_in,
    instrument_get,
    instrument_score,
    service_catalogue,
)
from kinward.apps.cases.models import (
    Case,
    ClosureRequest,
    ConsentRecord,
    Perpetrator,
    Referral,
    Screening,
    ServiceRecord,
    StatusDecision,
    TraffickingEvent,
)
from kinward.apps.core.services import notify

SEED = Actor(username="system:cases-seed")
CASE_ROLES = ("caseworker", "case_supervisor")


# --- helpers -------------------------------------------------------------------------------------------------


def _person(actor: Actor, field: str = "actor") -> int:
    if actor.user_id is None:
        raise ValidationError({field: "this step is taken by a person, not by a system client"})
    return actor.user_id


def _choice(value: str, choices, field: str) -> str:
    allowed = [c for c, _label in choices]
    if value not in allowed:
        raise ValidationError({field: f"{value!r} is not one of: {', '.join(a for a in allowed if a)}"})
    return value


def _not_future(value: date | None, field: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: "this date is in the future"})


def case_age_years(case: Case, on: date | None = None) -> int | None:
    """The child's age in whole years from the birth date, else the recorded estimate, else None."""
    on = on or timezone.localdate()
    if case.birth_date:
        b = case.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))
    return case.age_estimate_years


def case_is_child(case: Case) -> bool:
    """Under the adult age, or of unknown age: the presumption of minority (UNICEF Guidelines § 3.2)."""
    age = case_age_years(case)
    return age is None or age < consent_rules().adult_age


def consent_current(case: Case, purpose: str) -> ConsentRecord | None:
    return case.consents.filter(purpose=purpose).order_by("-recorded_at", "-id").first()


def consent_holds(case: Case, purpose: str) -> bool:
    """True when the latest consent record for `purpose` is a consent given or a recorded override."""
    latest = consent_current(case, purpose)
    return latest is not None and latest.decision in (
        ConsentRecord.Decision.GIVEN,
        ConsentRecord.Decision.OVERRIDE,
    )


def consent_needed_and_missing(case: Case, purpose: str) -> bool:
    return consent_rules().required(purpose, is_child=case_is_child(case)) and not consent_holds(
        case, purpose
    )


def agency_case_staff(agency_id: int):
    return User.objects.filter(agency_id=agency_id, is_active=True, roles__code__in=CASE_ROLES).distinct()


def service_kind_check(kind: str, field: str = "service") -> str:
    """The kind if the catalogue has it; a clear error otherwise (and a specific one for enforcement tracks)."""
    catalogue = service_catalogue()
    word = forbidden_word_in(kind or "", catalogue.forbidden_words)
    if word:
        raise ValidationError(
            {field: f"Kinward gives a child no {word} track: refer the child to protection services only"}
        )
    if kind not in catalogue.kinds:
        raise ValidationError({field: f"unknown service {kind!r}; one of {', '.join(catalogue.kinds)}"})
    return kind


def _canonical_newborn_id(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    from kinward.engines.ids import validate

    result = validate(text)
    if not result.valid:
        raise ValidationError({"newborn_id": f"not a valid newborn ID: {result.message}"})
    return result.id or ""


def _new_reference() -> str:
    while True:
        reference = f"CW-{timezone.now():%Y}-{secrets.token_hex(3).upper()}"
        if not Case.objects.filter(reference=reference).exists():
            return reference


# --- the case and the child ----------------------------------------------------------------------------------


def _clean_child(fields: dict) -> dict:
    if not (fields.get("given_name") or "").strip():
        raise ValidationError({"given_name": "give the name the child uses (a first name is enough)"})
    _choice(fields.get("sex", ""), Case.Sex.choices, "sex")
    _not_future(fields.get("birth_date"), "birth_date")
    age = fields.get("age_estimate_years")
    if age is not None and not 0 <= age <= 25:
        raise ValidationError({"age_estimate_years": "an age estimate is between 0 and 25 years"})
    nationality = (fields.get("nationality") or "").strip().upper()
    if nationality and (len(nationality) != 2 or not nationality.isalpha()):
        raise ValidationError({"nationality": "use the two-letter ISO 3166-1 code, e.g. ID"})
    fields["nationality"] = nationality
    fields["newborn_id"] = _canonical_newborn_id(fields.get("newborn_id", ""))
    _choice(
        fields.get("exploitation_type", Case.Exploitation.UNKNOWN),
        Case.Exploitation.choices,
        "exploitation_type",
    )
    fields["given_name"] = fields["given_name"].strip()
    return fields


def case_open(
    *,
    actor: Actor,
    given_name: str,
    sex: str,
    family_name: str = "",
    birth_date: date | None = None,
    age_estimate_years: int | None = None,
    nationality: str = "",
    languages: str = "",
    newborn_id: str = "",
    exploitation_type: str = Case.Exploitation.UNKNOWN,
    exploitation_details: str = "",
    vulnerabilities: str = "",
) -> Case:
    """Open a case for a child at the actor's agency, with the actor as primary caseworker."""
    require(actor, "cases.case.manage", object_type="case")
    caseworker_id = _person(actor)
    if actor.agency_id is None:
        raise ValidationError({"agency": "you do not belong to an agency that can hold cases"})
    fields = _clean_child(
        {
            "given_name": given_name,
            "family_name": family_name.strip(),
            "sex": sex,
            "birth_date": birth_date,
            "age_estimate_years": age_estimate_years,
            "nationality": nationality,
            "languages": languages.strip(),
            "newborn_id": newborn_id,
            "exploitation_type": exploitation_type or Case.Exploitation.UNKNOWN,
            "exploitation_details": exploitation_details,
            "vulnerabilities": vulnerabilities,
        }
    )
    with transaction.atomic():
        case = case_create(actor=actor, agency_id=actor.agency_id, caseworker_id=caseworker_id, fields=fields)
    return case


def case_create(*, actor: Actor, agency_id: int, caseworker_id: int, fields: dict) -> Case:
    """Write a case with checked child fields (`_clean_child`) and audit its opening. No access check: callers
    (`case_open`, `case_open_from_tip`, `case_open_from_post`) decide who may, inside their transaction."""
    case = Case.objects.create(
        reference=_new_reference(), agency_id=agency_id, caseworker_id=caseworker_id, **fields
    )
    audit_record(actor=actor, action="cases.case.open", object_type="case", object_id=case.pk)
    return case


def child_fields_clean(fields: dict) -> dict:
    """The child's fields checked as `case_open` checks them (a clear error naming the field)."""
    return _clean_child(fields)


def case_context_update(
    *,
    actor: Actor,
    case: Case,
    exploitation_type: str,
    exploitation_details: str = "",
    vulnerabilities: str = "",
) -> Case:
    """Record the victim context: the type of exploitation and the child's vulnerabilities."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    _choice(exploitation_type, Case.Exploitation.choices, "exploitation_type")
    with transaction.atomic():
        case.exploitation_type = exploitation_type
        case.exploitation_details = exploitation_details.strip()
        case.vulnerabilities = vulnerabilities.strip()
        case.save(update_fields=["exploitation_type", "exploitation_details", "vulnerabilities"])
        audit_record(actor=actor, action="cases.case.context", object_type="case", object_id=case.pk)
    return case


def support_plan_set(*, actor: Actor, case: Case, plan: str) -> Case:
    """Write the support plan: what the child needs, agreed with the child."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    if not plan.strip():
        raise ValidationError({"plan": "write what the child needs"})
    with transaction.atomic():
        case.support_plan = plan.strip()
        case.support_plan_updated_at = timezone.now()
        case.save(update_fields=["support_plan", "support_plan_updated_at"])
        audit_record(actor=actor, action="cases.case.support_plan", object_type="case", object_id=case.pk)
    return case


def perpetrator_add(*, actor: Actor, case: Case, role: str, details: str = "") -> Perpetrator:
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    _choice(role, Perpetrator.Role.choices, "role")
    with transaction.atomic():
        found = Perpetrator.objects.create(
            case=case, role=role, details=details.strip(), recorded_by_id=_person(actor)
        )
        audit_record(actor=actor, action="cases.case.perpetrator", object_type="case", object_id=case.pk)
    return found


def event_add(
    *,
    actor: Actor,
    case: Case,
    type: str,
    date: date | None = None,
    city: str = "",
    country: str = "",
    description: str = "",
) -> TraffickingEvent:
    """Record a recruitment, transit or exploitation event with its place and date."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    _choice(type, TraffickingEvent.Type.choices, "type")
    _not_future(date, "date")
    country = country.strip().upper()
    if country and len(country) != 2:
        raise ValidationError({"country": "use the two-letter ISO 3166-1 code"})
    with transaction.atomic():
        event = TraffickingEvent.objects.create(
            case=case,
            type=type,
            date=date,
            city=city.strip(),
            country=country,
            description=description.strip(),
            recorded_by_id=_person(actor),
        )
        audit_record(actor=actor, action="cases.case.event", object_type="case", object_id=case.pk)
    return event


def status_decide(
    *, actor: Actor, case: Case, status: str, authority: str, decided_on: date, reasons: str
) -> StatusDecision:
    """Record a competent authority's decision on the child's trafficking status, with its reasons."""
    require(actor, "cases.status.decide", case, object_type="case", object_id=case.pk)
    _choice(status, StatusDecision._meta.get_field("status").choices, "status")
    if not authority.strip():
        raise ValidationError({"authority": "name the competent authority that decided"})
    if not reasons.strip():
        raise ValidationError({"reasons": "give the reasons for the decision"})
    _not_future(decided_on, "decided_on")
    with transaction.atomic():
        decision = StatusDecision.objects.create(
            case=case,
            status=status,
            authority=authority.strip(),
            decided_on=decided_on,
            reasons=reasons.strip(),
            recorded_by_id=_person(actor),
        )
        case.trafficking_status = status
        case.save(update_fields=["trafficking_status"])
        audit_record(actor=actor, action="cases.status.decide", object_type="case", object_id=case.pk)
    return decision


def consent_record(
    *, actor: Actor, case: Case, purpose: str, decision: str, given_by: str = "", reason: str = ""
) -> ConsentRecord:
    """Record consent for one purpose. An override needs a reason and is audited as an override."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    if purpose not in consent_rules().purposes:
        raise ValidationError({"purpose": f"unknown purpose; one of {', '.join(consent_rules().purposes)}"})
    _choice(decision, ConsentRecord.Decision.choices, "decision")
    _choice(given_by, ConsentRecord.GivenBy.choices, "given_by")
    reason = reason.strip()
    if decision == ConsentRecord.Decision.OVERRIDE:
        if not reason:
            raise ValidationError({"reason": "an override needs the reason, in the child's best interests"})
        given_by = ""
    elif not given_by:
        raise ValidationError({"given_by": "say who gave, refused or withdrew consent"})
    action = (
        "cases.consent.override" if decision == ConsentRecord.Decision.OVERRIDE else "cases.consent.record"
    )
    with transaction.atomic():
        record = ConsentRecord.objects.create(
            case=case,
            purpose=purpose,
            decision=decision,
            given_by=given_by,
            reason=reason,
            recorded_by_id=_person(actor),
        )
        audit_record(actor=actor, action=action, object_type="case", object_id=case.pk)
    return record


def screening_record(
    *, actor: Actor, case: Case, instrument: str, version: int | str, answers: dict, notes: str = ""
) -> Screening:
    """Answer an instrument for the child; store the level of concern and the items that raised it."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    try:
        found = instrument_get(instrument, version)
        result = instrument_score(found, {str(k): bool(v) for k, v in (answers or {}).items()})
    except UnknownInstrument as unknown:
        raise ValidationError({"instrument": str(unknown)}) from unknown
    except CatalogueError as bad:
        raise ValidationError({"answers": str(bad)}) from bad
    with transaction.atomic():
        screening = Screening.objects.create(
            case=case,
            instrument=found.code,
            instrument_version=found.version,
            answers={i.id: bool(answers.get(i.id)) for i in found.items},
            score=result.score,
            level=result.level,
            raised_items=list(result.raised_items),
            reasons=list(result.reasons),
            notes=notes.strip(),
            recorded_by_id=_person(actor),
        )
        audit_record(actor=actor, action="cases.screening.record", object_type="case", object_id=case.pk)
    return screening


# --- services, outcomes, closure -----------------------------------------------------------------------------


def service_record_add(
    *,
    actor: Actor,
    case: Case,
    entry: str,
    occurred_on: date,
    description: str = "",
    outcome: str = "",
    next_follow_up_on: date | None = None,
    referral: Referral | None = None,
    service: str = "",
) -> ServiceRecord:
    """Record a service delivered, a follow-up or an outcome; on a referral, by either agency."""
    if referral is not None:
        if referral.case_id != case.pk:
            raise ValidationError({"referral": "this referral is about another case"})
        if not authorize(actor, "cases.case.manage", case).allowed:
            require(actor, "cases.referral.respond", referral, object_type="referral", object_id=referral.pk)
        if referral.status not in (Referral.Status.ACCEPTED, Referral.Status.COMPLETED):
            raise ValidationError({"referral": "record services once the referral is accepted"})
        service = referral.service
    else:
        require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
        service_kind_check(service)
    _choice(entry, ServiceRecord.Entry.choices, "entry")
    _not_future(occurred_on, "occurred_on")
    if entry == ServiceRecord.Entry.OUTCOME:
        _choice(outcome, ServiceRecord.Outcome.choices, "outcome")
    elif outcome:
        raise ValidationError({"outcome": "an outcome code goes with an outcome entry"})
    if next_follow_up_on is not None and next_follow_up_on < occurred_on:
        raise ValidationError({"next_follow_up_on": "the next follow-up comes after this entry"})
    with transaction.atomic():
        record = ServiceRecord.objects.create(
            case=case,
            referral=referral,
            agency_id=actor.agency_id,
            service=service,
            entry=entry,
            occurred_on=occurred_on,
            description=description.strip(),
            outcome=outcome,
            next_follow_up_on=next_follow_up_on,
            recorded_by_id=_person(actor),
        )
        if case.status == Case.Status.ACTIVE and entry == ServiceRecord.Entry.FOLLOW_UP:
            case.status = Case.Status.FOLLOW_UP
            case.save(update_fields=["status"])
        audit_record(actor=actor, action="cases.service.record", object_type="case", object_id=case.pk)
    return record


def closure_request(*, actor: Actor, case: Case, reason: str) -> ClosureRequest:
    """The caseworker asks to close the case; a supervisor must approve."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    if case.status in (Case.Status.CLOSED, Case.Status.CLOSURE_REQUESTED):
        raise ValidationError({"case": "the case is already closed or waiting for approval to close"})
    if not reason.strip():
        raise ValidationError({"reason": "say why the case can close"})
    if case.referrals.filter(status__in=Referral.OPEN).exists():
        raise ValidationError({"case": "referrals are still open: complete or revoke them first"})
    with transaction.atomic():
        request = ClosureRequest.objects.create(
            case=case, reason=reason.strip(), requested_by_id=_person(actor)
        )
        case.status = Case.Status.CLOSURE_REQUESTED
        case.save(update_fields=["status"])
        audit_record(actor=actor, action="cases.case.close_request", object_type="case", object_id=case.pk)
        notify(
            recipients=User.objects.filter(
                agency_id=case.agency_id, is_active=True, roles__code="case_supervisor"
            ).distinct(),
            subject=f"Case {case.reference}: closure waiting for approval",
            link=f"/cases/{case.pk}/",
        )
    return request


def closure_decide(*, actor: Actor, closure: ClosureRequest, approve: bool, note: str = "") -> ClosureRequest:
    """A supervisor (not the one who asked) approves the closure or returns the case with a note."""
    case = closure.case
    require(actor, "cases.case.close_approve", case, object_type="case", object_id=case.pk)
    if closure.status != ClosureRequest.Status.PENDING:
        raise ValidationError({"closure": "this closure request is already decided"})
    if closure.requested_by_id == actor.user_id:
        raise ValidationError({"closure": "another supervisor approves a closure you asked for"})
    if not approve and not note.strip():
        raise ValidationError({"note": "say what remains to be done"})
    with transaction.atomic():
        closure.status = ClosureRequest.Status.APPROVED if approve else ClosureRequest.Status.RETURNED
        closure.decided_by_id = _person(actor)
        closure.decided_at = timezone.now()
        closure.decision_note = note.strip()
        closure.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        case.status = Case.Status.CLOSED if approve else Case.Status.ACTIVE
        case.closed_at = closure.decided_at if approve else None
        case.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="cases.case.close_approve" if approve else "cases.case.close_return",
            object_type="case",
            object_id=case.pk,
        )
        notify(
            recipients=User.objects.filter(pk=closure.requested_by_id),
            subject=f"Case {case.reference}: closure {'approved' if approve else 'returned'}",
            link=f"/cases/{case.pk}/",
        )
    return closure
