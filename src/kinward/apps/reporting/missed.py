"""Missed-report detection: leads from the registry for a person to decide, never automatic verdicts.

Two rules, each with its parameters from the facility's jurisdiction:

- `abandonment_unreported`: an `abandonment_found` custody event older than `report_within` with no
  abandonment report about the child;
- `gone_without_discharge`: a live birth older than `missed_report.gone_without_discharge_after` with no
  discharge, transfer, death, adoption order or abandonment event, and no abandonment report.

Only records inside the jurisdiction's `look_back` window are examined. Detection is idempotent: a child already
holding a lead for a rule gets no second one, whatever its status.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, User
from kinward.apps.audit.services import audit_record, require
from kinward.apps.core.services import notify
from kinward.apps.registry.models import AbandonmentReport, Birth, CustodyEvent
from kinward.apps.reporting.jurisdictions import Jurisdiction, jurisdictions_or_last
from kinward.apps.reporting.models import MissedReport
from kinward.apps.reporting.services import human_duration

DETECTOR = Actor(username="system:reporting")
LEAVING_EVENTS = ("discharge", "transfer", "death", "adoption_order", "abandonment_found")


@dataclass
class DetectionReport:
    facilities: int = 0
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        return sum(self.created.values())


def _reported(outer_child: str = "child_id") -> Exists:
    return Exists(AbandonmentReport.objects.filter(child_id=OuterRef(outer_child)))


def _known(rule: str, outer_child: str) -> Exists:
    return Exists(MissedReport.objects.filter(rule=rule, child_id=OuterRef(outer_child)))


def _abandonment_leads(j: Jurisdiction, version: str, ids: list[int], now: dt.datetime) -> list[MissedReport]:
    rule = MissedReport.Rule.ABANDONMENT_UNREPORTED
    events = (
        CustodyEvent.objects.filter(
            type="abandonment_found", time__lt=now - j.report_within, time__gte=now - j.look_back
        )
        .filter(Q(facility_id__in=ids) | Q(facility__isnull=True, child__facility_id__in=ids))
        .filter(~_reported(), ~_known(rule, "child_id"))
        .select_related("child")
    )
    leads = []
    for event in events:
        facility_id = event.facility_id or event.child.facility_id
        overdue = now - (event.time + j.report_within)
        leads.append(
            MissedReport(
                rule=rule,
                facility_id=facility_id,
                child=event.child,
                event=event,
                explanation=(
                    f"The registry records this child found abandoned on {event.time:%Y-%m-%d %H:%M} UTC; "
                    f"the rules of {j.name} require a report within {human_duration(j.report_within)}, "
                    f"and no report has been filed ({human_duration(overdue)} past the deadline)."
                ),
                facts={
                    "newborn_id": event.child.newborn_id,
                    "custody_event": str(event.event_id),
                    "found_at": event.time.isoformat(),
                    "report_within_hours": j.report_within.total_seconds() / 3600,
                    "deadline": (event.time + j.report_within).isoformat(),
                },
                jurisdiction=j.code,
                jurisdiction_version=version,
                detected_at=now,
            )
        )
    return leads


def _gone_leads(j: Jurisdiction, version: str, ids: list[int], now: dt.datetime) -> list[MissedReport]:
    rule = MissedReport.Rule.GONE_WITHOUT_DISCHARGE
    left = Exists(CustodyEvent.objects.filter(child_id=OuterRef("pk"), type__in=LEAVING_EVENTS))
    births = Birth.objects.filter(
        outcome=Birth.Outcome.LIVE,
        facility_id__in=ids,
        time__lt=now - j.gone_without_discharge_after,
        time__gte=now - j.look_back,
    ).filter(~left, ~_reported("pk"), ~_known(rule, "pk"))
    return [
        MissedReport(
            rule=rule,
            facility_id=birth.facility_id,
            child=birth,
            explanation=(
                f"This child was born here on {birth.time:%Y-%m-%d} and, "
                f"{human_duration(now - birth.time)} later, the registry holds no discharge, transfer, "
                f"death, adoption order or abandonment report. The rules of {j.name} flag a newborn "
                f"with no such record after {human_duration(j.gone_without_discharge_after)}."
            ),
            facts={
                "newborn_id": birth.newborn_id,
                "birth_event": str(birth.event_id),
                "born_at": birth.time.isoformat(),
                "threshold_days": j.gone_without_discharge_after.total_seconds() / 86400,
            },
            jurisdiction=j.code,
            jurisdiction_version=version,
            detected_at=now,
        )
        for birth in births
    ]


def missed_reports_detect(*, now: dt.datetime | None = None) -> DetectionReport:
    """Scan the registry for missed reports (both rules) and store new leads; idempotent. Facility
    supervisors get one notification per facility with new leads."""
    now = now or timezone.now()
    rules = jurisdictions_or_last()
    groups: dict[str, list[int]] = defaultdict(list)
    facilities = Agency.objects.select_related("region").filter(kind__in=Agency.HEALTH_FACILITY_KINDS)
    report = DetectionReport()
    for facility in facilities:
        groups[rules.for_region(region_path=facility.region.path, country=facility.country).code].append(
            facility.pk
        )
        report.facilities += 1
    new_by_facility: dict[int, int] = defaultdict(int)
    with transaction.atomic():
        for code, ids in groups.items():
            j = rules.by_code[code]
            for leads in (
                _abandonment_leads(j, rules.version, ids, now),
                _gone_leads(j, rules.version, ids, now),
            ):
                for lead in leads:
                    lead.save()
                    audit_record(
                        actor=DETECTOR,
                        action="reporting.missed.detect",
                        object_type="missed_report",
                        object_id=lead.pk,
                    )
                    report.created[lead.rule] += 1
                    new_by_facility[lead.facility_id] += 1
        for facility_id, count in new_by_facility.items():
            supervisors = User.objects.filter(
                agency_id=facility_id, is_active=True, roles__code="facility_supervisor"
            ).distinct()
            notify(
                recipients=supervisors,
                subject=f"{count} possible missed abandonment report(s) to review",
                body="The registry shows newborns abandoned or gone without a discharge and no report. "
                "Each lead waits for a person to confirm or dismiss it.",
                link="/reporting/dashboard/",
            )
    return report


def missed_report_decide(*, actor: Actor, missed: MissedReport, decision: str, reason: str) -> MissedReport:
    """A person confirms the lead as a missed report, or dismisses it; the reason is kept. Once only."""
    require(actor, "reporting.missed.decide", missed, object_type="missed_report", object_id=missed.pk)
    targets = {"confirm": MissedReport.Status.CONFIRMED, "dismiss": MissedReport.Status.DISMISSED}
    if decision not in targets:
        raise ValidationError({"decision": "confirm or dismiss"})
    if not reason.strip():
        raise ValidationError({"reason": "say why: the reason is kept with the decision"})
    if actor.user_id is None:
        raise ValidationError({"decision": "a person decides, not a system client"})
    with transaction.atomic():
        locked = MissedReport.objects.select_for_update().get(pk=missed.pk)
        if locked.status != MissedReport.Status.NEW:
            raise ValidationError({"decision": "this lead is already decided; a decision is not changed"})
        locked.status = targets[decision]
        locked.decided_by_id = actor.user_id
        locked.decided_at = timezone.now()
        locked.decision_reason = reason.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=actor, action="reporting.missed.decide", object_type="missed_report", object_id=locked.pk
        )
    return locked
