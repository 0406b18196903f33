"""Reads of tips. Analysts see the tips of their region (and the unrouted ones of their country); every
opening of a tip or of one of its files is audited. The tipster's read gives only the coarse status."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models import Count, Q, QuerySet

from kinward.apps.accounts.authz import Actor, grant_scopes
from kinward.apps.audit.services import audit_record, require
from kinward.apps.tips.models import Tip, TipAttachment
from kinward.apps.tips.services import TIPSTER, tip_find_by_receipt, triage_action


def _visible_tips(actor: Actor) -> Q:
    """The same decision as `authorize` on each tip's `access_scope()`, as one queryset filter."""
    visible = Q(pk__in=[])
    for scope in grant_scopes(actor, "tips.tip.triage"):
        if scope == "any":
            visible |= Q(region__isnull=False)
        elif scope == "country":
            visible |= Q(region__isnull=False, region__country=actor.country)
        elif scope == "region" and actor.region_path:
            visible |= Q(region__path=actor.region_path) | Q(region__path__startswith=actor.region_path + "/")
    for scope in grant_scopes(actor, "tips.unrouted.triage"):
        if scope == "any":
            visible |= Q(region__isnull=True)
        elif scope == "country" and actor.country:
            visible |= Q(region__isnull=True, country=actor.country)
    return visible


def tip_queue(*, actor: Actor, status: str = "open", category: str = "", mine: bool = False) -> QuerySet[Tip]:
    """The tips an analyst may triage, newest first, with how many follow-ups each has."""
    if not grant_scopes(actor, "tips.tip.triage") and not grant_scopes(actor, "tips.unrouted.triage"):
        require(actor, "tips.tip.triage", object_type="tip")
    tips = Tip.objects.select_related("region", "assignee", "case_origin__case").filter(_visible_tips(actor))
    if status == "open":
        tips = tips.exclude(status=Tip.Status.CLOSED)
    elif status:
        tips = tips.filter(status=status)
    if category:
        tips = tips.filter(category=category)
    if mine:
        tips = tips.filter(assignee_id=actor.user_id)
    return tips.annotate(follow_ups=Count("messages")).order_by("-created_at", "-id")


def tip_open(*, actor: Actor, tip_id: int) -> Tip:
    """One tip with everything the tipster sent: a sensitive read, audited; refused (and audited) elsewhere."""
    tip = Tip.objects.select_related("region", "assignee", "alert").get(pk=tip_id)
    require(actor, triage_action(tip), tip, object_type="tip", object_id=tip.pk)
    audit_record(actor=actor, action="tips.tip.view", object_type="tip", object_id=tip.pk)
    return tip


def tip_case(tip: Tip):
    """The case opened from this tip (its CaseOrigin, with the case and its agency), or None. Only the case's
    reference and agency are shown on the tip: the analyst may not read the case itself."""
    from kinward.apps.cases.models import CaseOrigin

    return CaseOrigin.objects.select_related("case__agency").filter(tip_id=tip.pk).first()


def tip_attachment_open(*, actor: Actor, tip_id: int, attachment_id: int) -> tuple[TipAttachment, bytes]:
    """One file of a tip, for an analyst who may open the tip; audited."""
    attachment = TipAttachment.objects.select_related("tip__region").get(pk=attachment_id, tip_id=tip_id)
    require(actor, triage_action(attachment.tip), attachment.tip, object_type="tip", object_id=tip_id)
    audit_record(
        actor=actor, action="tips.attachment.view", object_type="tip_attachment", object_id=attachment.pk
    )
    with default_storage.open(attachment.stored_name, "rb") as stored:
        return attachment, stored.read()


def tip_status_check(*, receipt_code: str) -> Tip:
    """The tip of a receipt code, for its tipster's status page (who shows only `public_status`)."""
    tip = tip_find_by_receipt(receipt_code)
    audit_record(actor=TIPSTER, action="tips.tip.status", object_type="tip", object_id=tip.pk)
    return tip
