"""Writes about alerts: ingesting a rules scan, and people's review decisions. Nothing is acted on automatically."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, User
from kinward.apps.alerts.models import Alert, AlertDecision
from kinward.apps.audit.services import audit_record, require

RULES_ENGINE = Actor(username="system:rules")

# Where the facility or agency behind each kind of subject is found in an interchange dataset (DuckDB tables).
_AGENCY_OF_SUBJECT_SQL = {
    "agencies": "SELECT ref, ref FROM agencies WHERE ref IN (SELECT unnest($refs))",
    "births": "SELECT ref, facility FROM births WHERE ref IN (SELECT unnest($refs))",
    "pregnancies": "SELECT ref, facility FROM pregnancies WHERE ref IN (SELECT unnest($refs))",
    "custody_events": "SELECT e.ref, coalesce(e.facility, b.facility) FROM custody_events e "
                      "LEFT JOIN births b ON b.ref = e.child WHERE e.ref IN (SELECT unnest($refs))",
    "persons": "SELECT mother, arg_max(facility, time) FROM births WHERE mother IN (SELECT unnest($refs)) "
               "GROUP BY mother",
    "adoption_files": "SELECT ref, adoption_agency FROM adoption_files WHERE ref IN (SELECT unnest($refs))",
    "certificates": "SELECT ref, issued_by FROM certificates WHERE ref IN (SELECT unnest($refs))",
    "abandonment_reports": "SELECT ref, facility FROM abandonment_reports WHERE ref IN (SELECT unnest($refs))",
}


@dataclass(frozen=True)
class IngestReport:
    scanned: int
    created: int
    seen_again: int
    without_agency: int


def subject_agency_refs(con, subjects: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Map each (type, ref) subject to the ref of the agency it concerns, using the dataset in `con`."""
    by_type: dict[str, list[str]] = {}
    for subject_type, ref in subjects:
        by_type.setdefault(subject_type, []).append(ref)
    found: dict[tuple[str, str], str] = {}
    for subject_type, refs in by_type.items():
        sql = _AGENCY_OF_SUBJECT_SQL.get(subject_type)
        if sql is None:
            continue
        for ref, agency_ref in con.execute(sql, {"refs": refs}).fetchall():
            if agency_ref is not None:
                found[(subject_type, ref)] = agency_ref
    return found


def alerts_ingest(
    *,
    alerts: Iterable,
    source: str,
    agency_refs: Mapping[tuple[str, str], str],
    agency_ids: Mapping[str, int] | None = None,
) -> IngestReport:
    """Store the alerts of a rules scan as leads to review. Idempotent: an alert already stored (same rule,
    version and subject) is only marked as seen again, never reset, so no review work is lost.

    `agency_refs` maps each subject to the ref of the agency it concerns; that ref is an agency's
    `external_ref`, or, with `agency_ids` (an export of this registry: ref -> agency key), one of its refs."""
    alerts = list(alerts)
    if agency_ids is None:
        agencies = {a.external_ref: a for a in Agency.objects.exclude(external_ref="")}
    else:
        wanted = {agency_ids[r] for r in agency_refs.values() if r in agency_ids}
        by_pk = Agency.objects.in_bulk(wanted)
        agencies = {ref: by_pk[pk] for ref, pk in agency_ids.items() if pk in by_pk}
    now = timezone.now()
    created = seen = without_agency = 0
    with transaction.atomic():
        existing = set(Alert.objects.filter(alert_key__in=[a.id for a in alerts]).values_list("alert_key", flat=True))
        for alert in alerts:
            if alert.id in existing:
                seen += 1
                continue
            agency = agencies.get(agency_refs.get((alert.subject.type, alert.subject.ref), ""))
            without_agency += agency is None
            stored = Alert.objects.create(
                alert_key=alert.id, rule=alert.rule, rule_version=alert.rule_version, source=source,
                subject_type=alert.subject.type, subject_ref=alert.subject.ref,
                evidence=[{"type": e.type, "ref": e.ref} for e in alert.evidence],
                facts=_jsonable(alert.facts), reason=alert.reason, agency=agency, last_seen_at=now,
            )
            audit_record(actor=RULES_ENGINE, action="alerts.alert.create", object_type="alert", object_id=stored.pk)
            created += 1
        if existing:
            Alert.objects.filter(alert_key__in=existing).update(last_seen_at=now)
    return IngestReport(scanned=len(alerts), created=created, seen_again=seen, without_agency=without_agency)


def _jsonable(value):
    import json

    return json.loads(json.dumps(value, default=str))


def alerts_scan_dataset(*, dataset_dir: str | Path) -> IngestReport:
    """Run the current rules over an interchange dataset and store their alerts for review.

    When the dataset was imported, its certificates are judged by the outcome the import stored (verified once,
    at import) rather than verified again; a dataset never imported is verified here."""
    from kinward.apps.registry.import_facts import imported_certificate_verifier
    from kinward.apps.registry.models import ImportRun
    from kinward.engines.rules import load_ruleset, open_dataset, scan_connection

    con, manifest = open_dataset(dataset_dir)
    try:
        imported = bool(manifest.source) and ImportRun.objects.filter(source=manifest.source).exists()
        verifier = imported_certificate_verifier(manifest.source) if imported else None
        result = scan_connection(con, manifest, load_ruleset(), verifier=verifier)
        refs = subject_agency_refs(con, {(a.subject.type, a.subject.ref) for a in result.alerts})
    finally:
        con.close()
    return alerts_ingest(alerts=result.alerts, source=manifest.source or str(dataset_dir), agency_refs=refs)


# --- review ------------------------------------------------------------------------------------------------

_ALLOWED_MOVES = {
    Alert.Status.NEW: {Alert.Status.IN_REVIEW, Alert.Status.DISMISSED, Alert.Status.ESCALATED_CASE,
                       Alert.Status.ESCALATED_POLICE, Alert.Status.MERGED},
    Alert.Status.IN_REVIEW: {Alert.Status.DISMISSED, Alert.Status.ESCALATED_CASE, Alert.Status.ESCALATED_POLICE,
                             Alert.Status.MERGED, Alert.Status.NEW},
}
_REASON_REQUIRED = {Alert.Status.DISMISSED, Alert.Status.ESCALATED_CASE, Alert.Status.ESCALATED_POLICE,
                    Alert.Status.MERGED}


def _decide(actor: Actor, alert: Alert, to_status: str, reason: str) -> Alert:
    require(actor, "alerts.alert.review", alert, object_type="alert", object_id=alert.pk)
    reason = (reason or "").strip()
    if to_status not in _ALLOWED_MOVES.get(alert.status, set()):
        raise ValidationError({"status": f"an alert that is {alert.get_status_display().lower()} cannot become "
                                         f"{Alert.Status(to_status).label.lower()}"})
    if to_status in _REASON_REQUIRED and not reason:
        raise ValidationError({"reason": "say why: the reason is kept with the decision"})
    with transaction.atomic():
        AlertDecision.objects.create(alert=alert, decided_by_id=actor.user_id, from_status=alert.status,
                                     to_status=to_status, reason=reason)
        alert.status = to_status
        alert.save(update_fields=["status"])
        audit_record(actor=actor, action="alerts.alert.review", object_type="alert", object_id=alert.pk)
    return alert


def alert_assign(*, actor: Actor, alert: Alert, assignee: User) -> Alert:
    """Give an alert to a reviewer who may see it; taking it starts the review."""
    require(actor, "alerts.alert.review", alert, object_type="alert", object_id=alert.pk)
    from kinward.apps.accounts.authz import authorize
    from kinward.apps.accounts.services import actor_for_user

    if not authorize(actor_for_user(assignee), "alerts.alert.review", alert).allowed:
        raise ValidationError({"assignee": "this person may not review alerts of this facility"})
    with transaction.atomic():
        alert.assignee = assignee
        alert.save(update_fields=["assignee"])
        audit_record(actor=actor, action="alerts.alert.review", object_type="alert", object_id=alert.pk)
    if alert.status == Alert.Status.NEW:
        _decide(actor, alert, Alert.Status.IN_REVIEW, f"assigned to {assignee.username}")
    return alert


def alert_dismiss(*, actor: Actor, alert: Alert, reason: str) -> Alert:
    return _decide(actor, alert, Alert.Status.DISMISSED, reason)


def alert_escalate(*, actor: Actor, alert: Alert, to: str, reason: str) -> Alert:
    """Escalate to a case (child protection) or to police. The escalation is a referral for a person there."""
    targets = {"case": Alert.Status.ESCALATED_CASE, "police": Alert.Status.ESCALATED_POLICE}
    if to not in targets:
        raise ValidationError({"to": "escalate to 'case' or 'police'"})
    return _decide(actor, alert, targets[to], reason)


def alert_merge(*, actor: Actor, alert: Alert, into: Alert, reason: str) -> Alert:
    """Mark `alert` a duplicate of `into` (same subject or same facts); its evidence stays readable."""
    require(actor, "alerts.alert.review", into, object_type="alert", object_id=into.pk)
    if into.pk == alert.pk or into.status == Alert.Status.MERGED:
        raise ValidationError({"into": "merge into another alert that is not itself merged"})
    with transaction.atomic():
        _decide(actor, alert, Alert.Status.MERGED, reason)
        alert.merged_into = into
        alert.save(update_fields=["merged_into"])
    return alert
