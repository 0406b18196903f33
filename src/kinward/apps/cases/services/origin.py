"""Opening a case from a lead: a public tip or an online post that an analyst triages.

Who opens it, by least privilege: the analyst who triages the lead (action `cases.case.open_from_lead`, in the
analyst's region), naming the receiving child-protection agency. Not that agency's caseworkers: they would have
to be given the tips and posts queue, with the tipsters' contact details and the analysts' work. And opening the
case gives the analyst no access to it: the case belongs to the receiving agency, whose case supervisor becomes
its primary caseworker and whose case staff are notified.

What the case receives: the lead's facts as its initial victim context (`exploitation_details`), never the
tipster's contact details. A tip stores contact details only when the tipster typed them, and with them the
tipster agreed to be asked about the tip by the tip line, not to be passed on to another agency: there is no
consent to share them, so they stay with the tip, and the same values are blanked out wherever the tipster
repeated them in the free text. One lead opens at most one case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, User
from kinward.apps.audit.services import audit_record, require
from kinward.apps.cases.models import Case, CaseOrigin, agency_scope
from kinward.apps.cases.services.case import case_create, child_fields_clean
from kinward.apps.core.services import notify

if TYPE_CHECKING:
    from kinward.apps.tips.models import Tip
    from kinward.apps.watch.models import Post

OPEN_FROM_LEAD = "cases.case.open_from_lead"
UNKNOWN_CHILD = "Unknown"
WITHHELD = "[tipster's contact withheld]"
_TIP_EXPLOITATION = {"baby_offered": "illegal_adoption", "adoption": "illegal_adoption"}
_POST_EXPLOITATION = {
    "offer_sale": "illegal_adoption",
    "seek_buy": "illegal_adoption",
    "illegal_adoption": "illegal_adoption",
    "surrogacy_broker": "surrogacy",
}


def lead_agency_check(*, actor: Actor, agency: Agency) -> User:
    """May `actor` open a case at `agency` from a lead? Refused (audited) outside the actor's region; a clear
    field error when the agency is not an active child-protection agency with case staff. Returns the person
    who becomes the case's primary caseworker: the agency's case supervisor, else one of its caseworkers."""
    require(actor, OPEN_FROM_LEAD, agency_scope(agency), object_type="agency", object_id=agency.pk)
    if actor.user_id is None:
        raise ValidationError({"actor": "a case is opened by a person, not by a system client"})
    if agency.kind != Agency.Kind.CHILD_PROTECTION or not agency.is_active:
        raise ValidationError({"agency": "choose an active child-protection agency: it will hold the case"})
    staff = User.objects.filter(agency_id=agency.pk, is_active=True)
    primary = (
        staff.filter(roles__code="case_supervisor").order_by("pk").first()
        or staff.filter(roles__code="caseworker").order_by("pk").first()
    )
    if primary is None:
        raise ValidationError({"agency": "this agency has no caseworker in Kinward to receive the case"})
    return primary


def lead_agencies(*, actor: Actor):
    """The child-protection agencies `actor` may open a case at (for the choice on the pages)."""
    from kinward.apps.accounts.authz import scope_filter

    return (
        Agency.objects.filter(kind=Agency.Kind.CHILD_PROTECTION, is_active=True)
        .filter(scope_filter(actor, OPEN_FROM_LEAD, agency_field=""))
        .select_related("region")
        .order_by("name")
    )


def _child(given_name: str, sex: str, age_estimate_years: int | None, exploitation_type: str, details: str):
    return child_fields_clean(
        {
            "given_name": (given_name or "").strip() or UNKNOWN_CHILD,
            "family_name": "",
            "sex": sex or Case.Sex.UNKNOWN,
            "birth_date": None,
            "age_estimate_years": age_estimate_years,
            "nationality": "",
            "languages": "",
            "newborn_id": "",
            "exploitation_type": exploitation_type,
            "exploitation_details": details,
            "vulnerabilities": "",
        }
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "say why a case is opened: the reason is kept with the case"})
    return reason


# --- the tipster's contact details stay with the tip ---------------------------------------------------------


def _contact_patterns(tip: Tip) -> list[re.Pattern]:
    patterns = []
    if len(tip.contact_name.strip()) >= 3:
        patterns.append(re.compile(re.escape(tip.contact_name.strip()), re.I))
    if tip.contact_email.strip():
        patterns.append(re.compile(re.escape(tip.contact_email.strip()), re.I))
    digits = re.sub(r"\D", "", tip.contact_phone)
    if len(digits) >= 6:
        # the same digits however they are written: spaces, dashes, dots, brackets; a leading 0 for +62
        body = r"[\s\-.()]*".join(digits[-8:])
        patterns.append(re.compile(r"(?:\+?\d[\s\-.()]*){0,6}" + body))
    return patterns


def tip_text_without_contact(tip: Tip, text: str) -> str:
    """`text` with the tipster's own name, e-mail and phone number blanked out where the tipster repeated them."""
    for pattern in _contact_patterns(tip):
        text = pattern.sub(WITHHELD, text)
    return text


def tip_context(tip: Tip, *, agency_name: str, reason: str) -> str:
    """The tip's facts as the case's initial context: what, where, when, what was seen, the follow-ups, how
    many files — never the contact details (see the module's docstring)."""
    lines = [
        f"From public tip {tip.number} ({tip.get_category_display()}), received {tip.created_at:%Y-%m-%d}; "
        f"case opened by an analyst of {agency_name}.",
        f"Reason: {reason}",
        f"What happened: {tip.what_happened}",
        f"Where: {tip.where}" + (f" (region {tip.region.name})" if tip.region_id else ""),
    ]
    if tip.when:
        lines.append(f"When: {tip.when}")
    if tip.seen_identifiers:
        lines.append(f"Links, phone numbers or accounts seen: {tip.seen_identifiers}")
    for message in tip.messages.all():
        if message.text:
            lines.append(f"Added by the tipster on {message.created_at:%Y-%m-%d}: {message.text}")
    files = tip.attachments.count()
    if files:
        lines.append(f"{files} file(s) sent with the tip stay with the tip.")
    if tip.contact_name or tip.contact_phone or tip.contact_email:
        lines.append(
            f"The tipster left contact details. They stay with the tip: ask the analysts of {tip.number}."
        )
    return tip_text_without_contact(tip, "\n".join(lines))


def case_open_from_tip(
    *,
    actor: Actor,
    tip: Tip,
    agency: Agency,
    reason: str,
    given_name: str = "",
    sex: str = Case.Sex.UNKNOWN,
    age_estimate_years: int | None = None,
) -> Case:
    """An analyst who triages `tip` opens a case for the child it concerns at the child-protection `agency`.

    The case records its origin (the tip; the tip records the case reference), receives the tip's facts as its
    initial context, and the agency's case staff are notified. One tip opens at most one case."""
    from kinward.apps.tips.models import Tip as TipModel
    from kinward.apps.tips.services import tip_case_opened, triage_action

    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    primary = lead_agency_check(actor=actor, agency=agency)
    reason = _reason(reason)
    if tip.status == TipModel.Status.CLOSED:
        raise ValidationError({"tip": "this tip is closed"})
    _refuse_second_case(CaseOrigin.objects.filter(tip_id=tip.pk), "tip")
    opener = Agency.objects.filter(pk=actor.agency_id).first()
    fields = _child(
        given_name,
        sex,
        age_estimate_years,
        _TIP_EXPLOITATION.get(tip.category, Case.Exploitation.UNKNOWN),
        tip_context(tip, agency_name=opener.name if opener else "another agency", reason=reason),
    )
    try:
        with transaction.atomic():
            TipModel.objects.select_for_update().filter(pk=tip.pk).first()
            _refuse_second_case(CaseOrigin.objects.filter(tip_id=tip.pk), "tip")
            case = _open(actor, agency, primary, fields, CaseOrigin.Kind.TIP, reason, tip=tip)
            tip_case_opened(actor=actor, tip=tip, case_reference=case.reference, reason=reason)
    except IntegrityError:
        raise ValidationError({"tip": "a case was already opened from this tip"}) from None
    return case


# --- online posts --------------------------------------------------------------------------------------------


def post_context(post: Post, *, agency_name: str, reason: str, note: str = "") -> str:
    """The post's facts as the case's initial context: where it was seen, the classifier's verdict, the
    analyst's reason and note, the text and the contact identifiers found in it."""
    seen = post.platform or post.source.name
    lines = [
        f"From online post {post.pk} ({seen}"
        + (f", {post.url}" if post.url else "")
        + f"), received {post.received_at:%Y-%m-%d}"
        + (f", published {post.published_at:%Y-%m-%d}" if post.published_at else "")
        + f"; case opened by an analyst of {agency_name}.",
        f"Classifier: {post.label or 'not labelled'}"
        + (f", score {post.score:.2f}" if post.score is not None else "")
        + " (a lead, not a finding).",
        f"Reason: {reason}",
    ]
    if note:
        lines.append(f"Note: {note}")
    lines.append(f"Text of the post: {post.text}")
    identifiers = [
        f"{pe.entity.type} {pe.entity.value}" for pe in post.post_entities.select_related("entity")
    ]
    if identifiers:
        lines.append("Contact identifiers in the post: " + ", ".join(sorted(identifiers)))
    return "\n".join(lines)


def case_open_from_post(
    *,
    actor: Actor,
    post: Post,
    agency: Agency,
    reason: str,
    note: str = "",
    given_name: str = "",
    sex: str = Case.Sex.UNKNOWN,
    age_estimate_years: int | None = None,
) -> Case:
    """An analyst who reviews `post` opens a case at the child-protection `agency` (the watch app calls this
    when a needs-help decision is routed to a case). The case records the post as its origin and receives its
    facts; the agency's case staff are notified. One post opens at most one case."""
    from kinward.apps.watch.models import Post as PostModel

    require(actor, "watch.post.review", post, object_type="watch_post", object_id=post.pk)
    primary = lead_agency_check(actor=actor, agency=agency)
    reason = _reason(reason)
    if post.status == PostModel.Status.PENDING:
        raise ValidationError({"post": "the post is not classified yet"})
    _refuse_second_case(CaseOrigin.objects.filter(post_id=post.pk), "post")
    opener = Agency.objects.filter(pk=actor.agency_id).first()
    fields = _child(
        given_name,
        sex,
        age_estimate_years,
        _POST_EXPLOITATION.get(post.label, Case.Exploitation.UNKNOWN),
        post_context(
            post, agency_name=opener.name if opener else "another agency", reason=reason, note=note.strip()
        ),
    )
    try:
        with transaction.atomic():
            PostModel.objects.select_for_update().filter(pk=post.pk).first()
            _refuse_second_case(CaseOrigin.objects.filter(post_id=post.pk), "post")
            case = _open(actor, agency, primary, fields, CaseOrigin.Kind.POST, reason, post=post)
    except IntegrityError:
        raise ValidationError({"post": "a case was already opened from this post"}) from None
    return case


# --- shared --------------------------------------------------------------------------------------------------


def _refuse_second_case(origins, field: str) -> None:
    existing = origins.select_related("case").first()
    if existing is not None:
        raise ValidationError(
            {field: f"a case was already opened from this {field}: {existing.case.reference}"}
        )


def _open(actor: Actor, agency: Agency, primary: User, fields: dict, kind: str, reason: str, **lead) -> Case:
    case = case_create(actor=actor, agency_id=agency.pk, caseworker_id=primary.pk, fields=fields)
    CaseOrigin.objects.create(
        case=case,
        kind=kind,
        reason=reason,
        opened_by_id=actor.user_id,
        opened_by_agency_id=actor.agency_id,
        **lead,
    )
    audit_record(actor=actor, action=f"cases.case.open_from_{kind}", object_type="case", object_id=case.pk)
    notify(
        recipients=User.objects.filter(
            agency_id=agency.pk, is_active=True, roles__code__in=("caseworker", "case_supervisor")
        ).distinct(),
        subject=f"New case {case.reference} opened from {'a public tip' if kind == 'tip' else 'an online post'}",
        body="An analyst opened this case for your agency from a lead; its origin is shown on the case page.",
        link=f"/cases/{case.pk}/",
    )
    return case
