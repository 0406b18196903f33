"""Reads of alerts, scoped to the reviewer's region; every opening of an alert is audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from kinward.apps.accounts.authz import Actor, scope_filter
from kinward.apps.alerts.models import Alert
from kinward.apps.audit.services import audit_record, require


def alert_queue(*, actor: Actor, status: str = "", rule: str = "", assigned_to_me: bool = False) -> QuerySet[Alert]:
    """The alerts a reviewer may see, newest first, filtered."""
    require(actor, "alerts.alert.view", object_type="alert")
    alerts = Alert.objects.select_related("agency", "assignee").filter(scope_filter(actor, "alerts.alert.view"))
    if status == "open":
        alerts = alerts.filter(status__in=Alert.OPEN_STATUSES)
    elif status:
        alerts = alerts.filter(status=status)
    if rule:
        alerts = alerts.filter(rule=rule)
    if assigned_to_me:
        alerts = alerts.filter(assignee_id=actor.user_id)
    return alerts


def alert_open(*, actor: Actor, alert_id: int) -> Alert:
    """One alert with its evidence: a sensitive read, audited; refused (and audited) outside the region."""
    alert = Alert.objects.select_related("agency__region", "merged_into").get(pk=alert_id)
    require(actor, "alerts.alert.view", alert, object_type="alert", object_id=alert.pk)
    audit_record(actor=actor, action="alerts.alert.view", object_type="alert", object_id=alert.pk)
    return alert


@dataclass(frozen=True)
class RulePrecision:
    """Reviewers' verdicts on one version of a rule: a new version (its meaning changed) starts a new record."""

    rule: str
    rule_version: int
    alerts: int
    decided: int
    escalated: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        """Share of decided alerts that reviewers escalated: the rule's measured precision."""
        return self.escalated / self.decided if self.decided else None


def rule_precision(*, actor: Actor) -> list[RulePrecision]:
    """Per rule and rule version, from reviewers' decisions in the caller's region (merged duplicates are not
    counted). Versions are kept apart: a retuned rule must earn its precision again, and an old version's
    dismissals must not be charged to the new one."""
    require(actor, "alerts.precision.view", object_type="alert")
    rows = (
        Alert.objects.filter(scope_filter(actor, "alerts.precision.view"))
        .exclude(status=Alert.Status.MERGED)
        .values("rule", "rule_version")
        .annotate(
            total=Count("id"),
            escalated=Count("id", filter=Q(status__in=[Alert.Status.ESCALATED_CASE, Alert.Status.ESCALATED_POLICE])),
            dismissed=Count("id", filter=Q(status=Alert.Status.DISMISSED)),
        )
        .order_by("rule", "-rule_version")
    )
    return [RulePrecision(r["rule"], r["rule_version"], r["total"], r["escalated"] + r["dismissed"], r["escalated"],
                          r["dismissed"]) for r in rows]


def alerts_interchange(queryset: QuerySet[Alert] | None = None) -> Iterator[dict]:
    """Alerts in the interchange "Alerts out" form (INTERCHANGE.md), for export and scoring."""
    for alert in (queryset if queryset is not None else Alert.objects.all()).order_by("id").iterator():
        yield {
            "id": alert.alert_key,
            "rule": alert.rule,
            "rule_version": alert.rule_version,
            "status": alert.status,
            "subject": {"type": alert.subject_type, "ref": alert.subject_ref},
            "evidence": alert.evidence,
            "reason": alert.reason,
        }
