"""Writes about tips: the public submission and follow-ups (anonymous), and analysts' triage decisions.

The public tip line has no acting person. Its writes are audited under the anonymous actor `TIPSTER`, which
carries NO client address: an explicit exception to the rule that audit entries record the caller's address,
made for the tipster's safety (docs/tips.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinward.apps.accounts.authz import Actor, Scope, authorize
from kinward.apps.accounts.models import Agency, Region, User
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.services import audit_record, require
from kinward.apps.tips.attachments import (
    CleanAttachment,
    attachment_delete,
    attachment_store,
    attachments_clean,
)
from kinward.apps.tips.models import Tip, TipAction, TipAttachment, TipMessage
from kinward.apps.tips.receipts import receipt_code_new, receipt_code_normalise, receipt_hash

TIPSTER = Actor(username="public:tipster")  # no client address, on purpose

LIMITS = {
    "what_happened": 5000,
    "where": 500,
    "when": 200,
    "seen_identifiers": 2000,
    "contact_name": 200,
    "contact_phone": 50,
    "text": 5000,
}


@dataclass(frozen=True)
class Submitted:
    """A stored tip and its receipt code, which exists only here: the database keeps its hash."""

    tip: Tip
    receipt_code: str


def triage_action(tip: Tip) -> str:
    """The action that reaches this tip: a region's analysts for a routed tip, the country's for the others."""
    return "tips.tip.triage" if tip.region_id else "tips.unrouted.triage"


def deployment_country() -> str:
    """The country of a tip that names no region: the one country-level region, if there is exactly one."""
    countries = list(Region.objects.filter(level=Region.Level.COUNTRY).values_list("country", flat=True)[:2])
    return countries[0] if len(countries) == 1 else ""


def _check_lengths(values: dict[str, str]) -> dict[str, str]:
    cleaned = {name: (value or "").strip() for name, value in values.items()}
    errors = {
        name: _("Please keep this under %(n)s characters.") % {"n": LIMITS[name]}
        for name, value in cleaned.items()
        if len(value) > LIMITS[name]
    }
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_tip_fields(*, category: str, fields: dict[str, str]) -> None:
    errors = {}
    if category not in Tip.Category.values:
        errors["category"] = _("Choose what the tip is about.")
    if not fields["what_happened"]:
        errors["what_happened"] = _("Tell us what happened.")
    if not fields["where"]:
        errors["where"] = _("Tell us where it happened, as well as you can.")
    if fields["contact_email"]:
        try:
            validate_email(fields["contact_email"])
        except ValidationError:
            errors["contact_email"] = _("This is not an e-mail address.")
    if fields["contact_phone"] and any(ch not in "0123456789+ -()" for ch in fields["contact_phone"]):
        errors["contact_phone"] = _("A phone number has only digits, spaces, +, - and brackets.")
    if errors:
        raise ValidationError(errors)


def _store_attachments(
    tip: Tip, cleaned: list[CleanAttachment], written: list[str], message: TipMessage | None = None
) -> None:
    for clean in cleaned:
        name = attachment_store(clean)
        written.append(name)
        TipAttachment.objects.create(
            tip=tip,
            message=message,
            stored_name=name,
            content_type=clean.content_type,
            size=len(clean.content),
            sha256=clean.sha256,
        )


def tip_submit(
    *,
    category: str,
    what_happened: str,
    where: str,
    region: Region | None = None,
    when: str = "",
    seen_identifiers: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    attachments: list[bytes] = (),
    language: str = "",
) -> Submitted:
    """Store a public tip and return its receipt code. Everything is checked first: a refused field or file
    stores nothing (no tip row, no file)."""
    fields = _check_lengths(
        {
            "what_happened": what_happened,
            "where": where,
            "when": when,
            "seen_identifiers": seen_identifiers,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
        }
    )
    fields["contact_email"] = (contact_email or "").strip()
    _check_tip_fields(category=category, fields=fields)
    cleaned = attachments_clean(list(attachments))
    code = receipt_code_new()
    written: list[str] = []
    try:
        with transaction.atomic():
            tip = Tip.objects.create(
                category=category,
                region=region,
                country=region.country if region else deployment_country(),
                language=(language or "")[:10],
                receipt_hash=receipt_hash(code),
                **fields,
            )
            _store_attachments(tip, cleaned, written)
            audit_record(actor=TIPSTER, action="tips.tip.submit", object_type="tip", object_id=tip.pk)
    except BaseException:
        for name in written:
            attachment_delete(name)
        raise
    return Submitted(tip, code)


def tip_find_by_receipt(receipt_code: str) -> Tip:
    """The tip a receipt code belongs to, or a field error that reveals nothing else."""
    if receipt_code_normalise(receipt_code) is None:
        raise ValidationError(
            {"receipt_code": _("A receipt code has 16 letters and digits, like K7QM-2HXD-9RTA-WBNE.")}
        )
    tip = Tip.objects.filter(receipt_hash=receipt_hash(receipt_code)).first()
    if tip is None:
        raise ValidationError({"receipt_code": _("No tip has this receipt code. Check it and try again.")})
    return tip


def tip_add_information(*, receipt_code: str, text: str = "", attachments: list[bytes] = ()) -> Tip:
    """A tipster adds a message and/or files to their tip with its receipt code (not once it is closed)."""
    tip = tip_find_by_receipt(receipt_code)
    text = _check_lengths({"text": text})["text"]
    if tip.status == Tip.Status.CLOSED:
        raise ValidationError(
            {"text": _("This tip is closed. If something new happened, please send a new tip.")}
        )
    if not text and not attachments:
        raise ValidationError({"text": _("Write what you want to add, or attach a file.")})
    cleaned = attachments_clean(list(attachments))
    written: list[str] = []
    try:
        with transaction.atomic():
            message = TipMessage.objects.create(tip=tip, text=text)
            _store_attachments(tip, cleaned, written, message)
            Tip.objects.filter(pk=tip.pk).update(updated_at=timezone.now())
            audit_record(
                actor=TIPSTER, action="tips.tip.add_information", object_type="tip", object_id=tip.pk
            )
    except BaseException:
        for name in written:
            attachment_delete(name)
        raise
    return tip


# --- triage ------------------------------------------------------------------------------------------------

_OPEN = (Tip.Status.NEW, Tip.Status.IN_REVIEW, Tip.Status.REVIEWED)


def _act(
    actor: Actor,
    tip: Tip,
    kind: str,
    *,
    to_status: str | None = None,
    detail: str = "",
    reason: str = "",
    reason_required: bool = False,
) -> Tip:
    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    reason = (reason or "").strip()
    if tip.status == Tip.Status.CLOSED:
        raise ValidationError({"action": _("This tip is closed.")})
    if reason_required and not reason:
        raise ValidationError({"reason": _("Say why: the reason is kept with the decision.")})
    with transaction.atomic():
        from_status = tip.status
        tip.status = to_status or tip.status
        tip.save()
        TipAction.objects.create(
            tip=tip,
            kind=kind,
            taken_by_id=actor.user_id,
            from_status=from_status,
            to_status=tip.status,
            detail=detail[:300],
            reason=reason,
        )
        audit_record(actor=actor, action=triage_action(tip), object_type="tip", object_id=tip.pk)
    return tip


def tip_assign(*, actor: Actor, tip: Tip, assignee: User) -> Tip:
    """Give a tip to an analyst who may see it; a new tip is then in review."""
    from kinward.apps.accounts.services import actor_for_user

    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    if not authorize(actor_for_user(assignee), triage_action(tip), tip).allowed:
        raise ValidationError({"assignee": _("This person may not triage tips of this region.")})
    tip.assignee = assignee
    to_status = Tip.Status.IN_REVIEW if tip.status == Tip.Status.NEW else None
    return _act(actor, tip, TipAction.Kind.ASSIGN, to_status=to_status, detail=f"user {assignee.pk}")


def tip_mark_reviewed(*, actor: Actor, tip: Tip, reason: str = "") -> Tip:
    return _act(actor, tip, TipAction.Kind.REVIEWED, to_status=Tip.Status.REVIEWED, reason=reason)


def tip_close(*, actor: Actor, tip: Tip, reason: str) -> Tip:
    """Close a tip with the reason; the tipster then sees only "closed"."""
    tip.close_reason = (reason or "").strip()
    return _act(
        actor, tip, TipAction.Kind.CLOSE, to_status=Tip.Status.CLOSED, reason=reason, reason_required=True
    )


def tip_refer(*, actor: Actor, tip: Tip, target: str, reason: str) -> Tip:
    """Record that the tip was referred onwards (a case, a police unit, a service) and why."""
    target = (target or "").strip()
    if not target:
        raise ValidationError({"target": _("Say to whom or to what case the tip is referred.")})
    tip.referral_target, tip.referral_reason = target[:200], (reason or "").strip()
    return _act(
        actor,
        tip,
        TipAction.Kind.REFER,
        to_status=Tip.Status.REVIEWED,
        detail=target,
        reason=reason,
        reason_required=True,
    )


def tip_route(*, actor: Actor, tip: Tip, region: Region, reason: str = "") -> Tip:
    """Send a tip to the analysts of another region of the same country (for instance an unrouted tip)."""
    if tip.country and region.country != tip.country:
        raise ValidationError({"region": _("Choose a region of the tip's country.")})
    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    if tip.status == Tip.Status.CLOSED:
        raise ValidationError({"action": _("This tip is closed.")})
    tip.region, tip.country = region, region.country
    return _act_after_route(actor, tip, region, reason)


def _act_after_route(actor: Actor, tip: Tip, region: Region, reason: str) -> Tip:
    with transaction.atomic():
        from_status = tip.status
        tip.save()
        TipAction.objects.create(
            tip=tip,
            kind=TipAction.Kind.ROUTE,
            taken_by_id=actor.user_id,
            from_status=from_status,
            to_status=tip.status,
            detail=region.code,
            reason=(reason or "").strip(),
        )
        audit_record(actor=actor, action="tips.tip.route", object_type="tip", object_id=tip.pk)
    return tip


def alert_from_tip(*, actor: Actor, tip: Tip, reason: str, agency: Agency | None = None) -> Alert:
    """Turn a tip into a red-flag alert (rule `public_tip`) for the alert queue, held by `agency` (by default
    the analyst's own), so that it is reviewed like every other lead."""
    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    if tip.status == Tip.Status.CLOSED:
        raise ValidationError({"action": _("This tip is closed.")})
    if tip.alert_id is not None:
        raise ValidationError({"action": _("An alert was already made from this tip.")})
    agency = agency or (
        Agency.objects.select_related("region").get(pk=actor.agency_id) if actor.agency_id else None
    )
    if agency is None:
        raise ValidationError({"agency": _("Choose the agency the alert concerns.")})
    require(
        actor,
        "alerts.alert.review",
        Scope(agency.pk, agency.region.path, agency.country),
        object_type="agency",
        object_id=agency.pk,
    )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why: the reason is kept with the decision.")})
    with transaction.atomic():
        alert = Alert.objects.create(
            alert_key=f"tip-{tip.pk}",
            rule="public_tip",
            rule_version=1,
            source="public tip line",
            subject_type="tips",
            subject_ref=tip.number,
            evidence=[{"type": "tips", "ref": tip.number}],
            facts={"category": tip.category, "region": tip.region.code if tip.region_id else ""},
            reason=reason.strip(),
            agency=agency,
            last_seen_at=timezone.now(),
        )
        audit_record(actor=actor, action="alerts.alert.create", object_type="alert", object_id=alert.pk)
        tip.alert = alert
        _act(
            actor,
            tip,
            TipAction.Kind.ALERT,
            to_status=Tip.Status.REVIEWED,
            detail=f"alert {alert.pk}",
            reason=reason,
        )
    return alert


def tip_case_opened(*, actor: Actor, tip: Tip, case_reference: str, reason: str) -> Tip:
    """Record on the tip that a case was opened from it (called by `cases.services.case_open_from_tip`, inside
    its transaction): the triage history shows the case reference and the tip counts as reviewed."""
    return _act(
        actor,
        tip,
        TipAction.Kind.CASE,
        to_status=Tip.Status.REVIEWED,
        detail=f"case {case_reference}",
        reason=reason,
        reason_required=True,
    )


def tip_triage(
    *,
    actor: Actor,
    tip: Tip,
    action: str,
    reason: str = "",
    target: str = "",
    region: Region | None = None,
    assignee: User | None = None,
    agency: Agency | None = None,
) -> Tip | Alert:
    """One triage action, as chosen on the page or in the API."""
    if action == "assign":
        if assignee is None:
            raise ValidationError({"assignee": _("Choose who reviews the tip.")})
        return tip_assign(actor=actor, tip=tip, assignee=assignee)
    if action == "reviewed":
        return tip_mark_reviewed(actor=actor, tip=tip, reason=reason)
    if action == "close":
        return tip_close(actor=actor, tip=tip, reason=reason)
    if action == "refer":
        return tip_refer(actor=actor, tip=tip, target=target, reason=reason)
    if action == "route":
        if region is None:
            raise ValidationError({"region": _("Choose the region to send the tip to.")})
        return tip_route(actor=actor, tip=tip, region=region, reason=reason)
    if action == "alert":
        return alert_from_tip(actor=actor, tip=tip, reason=reason, agency=agency)
    raise ValidationError({"action": _("Unknown action.")})
