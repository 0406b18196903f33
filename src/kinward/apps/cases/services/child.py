"""Writes about the case's record of the child: correcting the child's identity and changing the primary caseworker.

A case opened from a tip or an online post often starts with a child called "Unknown"; once the child is met,
the caseworker corrects the record. Each change keeps its reason and author in a `CaseRecordChange` row (the audit
chain holds identifiers only). Giving the case to another caseworker is a supervisor's decision
(`cases.case.assign`), and only to a caseworker of the same agency: the case never leaves its agency this way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import User
from kinward.apps.audit.services import audit_record, require
from kinward.apps.cases.models import Case, CaseRecordChange
from kinward.apps.cases.services.case import _person, agency_case_staff, child_fields_clean

CHILD_IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "sex",
    "birth_date",
    "age_estimate_years",
    "nationality",
    "languages",
    "newborn_id",
)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why the record changes (for example: the child told us her name)"})
    return reason


def case_child_correct(*, actor: Actor, case: Case, reason: str, changes: dict[str, Any]) -> Case:
    """Correct the child's identity fields named in `changes`, checked as at opening; record which and why.

    Fields not named keep their values. A correction that changes nothing is refused, so the record of changes
    stays a record of changes."""
    require(actor, "cases.case.manage", case, object_type="case", object_id=case.pk)
    unknown = sorted(set(changes) - set(CHILD_IDENTITY_FIELDS))
    if unknown:
        raise ValidationError(
            {unknown[0]: f"not a field of the child's identity; one of {', '.join(CHILD_IDENTITY_FIELDS)}"}
        )
    reason = _reason(reason)
    current: dict[str, Any] = {name: getattr(case, name) for name in CHILD_IDENTITY_FIELDS}
    wanted = {**current, **changes}
    for name in ("family_name", "languages"):
        wanted[name] = (wanted[name] or "").strip()
    if isinstance(wanted["birth_date"], str):
        wanted["birth_date"] = _iso_date(wanted["birth_date"])
    cleaned = child_fields_clean({**wanted, "exploitation_type": case.exploitation_type})
    changed = [name for name in CHILD_IDENTITY_FIELDS if cleaned[name] != current[name]]
    if not changed:
        raise ValidationError({"__all__": "nothing to correct: every field already has that value"})
    by = _person(actor)
    with transaction.atomic():
        for name in changed:
            setattr(case, name, cleaned[name])
        case.save(update_fields=changed)
        CaseRecordChange.objects.create(
            case=case, kind=CaseRecordChange.Kind.IDENTITY, fields=changed, reason=reason, changed_by_id=by
        )
        audit_record(actor=actor, action="cases.case.child_correct", object_type="case", object_id=case.pk)
    return case


def _iso_date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError({"birth_date": f"{text!r} is not a date: use YYYY-MM-DD"}) from None


def case_caseworker_reassign(*, actor: Actor, case: Case, caseworker: User, reason: str) -> Case:
    """Make `caseworker` the case's primary caseworker. Only a caseworker or case supervisor of the case's own
    agency can take it; the previous and the new caseworker are recorded with the reason."""
    require(actor, "cases.case.assign", case, object_type="case", object_id=case.pk)
    reason = _reason(reason)
    if case.status == Case.Status.CLOSED:
        raise ValidationError({"caseworker": "the case is closed: a closed case keeps the caseworker who closed it"})
    if not agency_case_staff(case.agency_id).filter(pk=caseworker.pk).exists():
        raise ValidationError(
            {"caseworker": f"that user is not an active caseworker or case supervisor of {case.agency.name}"}
        )
    if caseworker.pk == case.caseworker_id:
        raise ValidationError({"caseworker": f"{caseworker.username} is already the primary caseworker"})
    by = _person(actor)
    with transaction.atomic():
        previous = case.caseworker_id
        case.caseworker = caseworker
        case.save(update_fields=["caseworker"])
        CaseRecordChange.objects.create(
            case=case,
            kind=CaseRecordChange.Kind.CASEWORKER,
            reason=reason,
            from_caseworker_id=previous,
            to_caseworker=caseworker,
            changed_by_id=by,
        )
        audit_record(actor=actor, action="cases.case.reassign", object_type="case", object_id=case.pk)
    return case
