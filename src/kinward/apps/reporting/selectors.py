"""Reads of mandatory reporting, scoped by role and agency; every opening of a report, lead or proceeding is
audited.

Scopes (roles.yaml): a health worker and the facility supervisor see their own facility; the safeguarding nurse
her facility's reports; case supervisors (child protection) and analysts (police) every facility in their
agency's region and below. The overdue dashboard follows `reporting.overdue.view`: facility supervisor, own
facility; case supervisor and analyst, their region.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied, Actor, authorize, scope_filter
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.reporting.models import MissedReport, PenaltyProceeding, ReportFiling, ReportStep


def report_list(*, actor: Actor, late_only: bool = False) -> QuerySet[ReportFiling]:
    """Filed reports the actor may read, newest first (the list is audited as one read)."""
    require(actor, "reporting.report.view", object_type="abandonment_report")
    filings = ReportFiling.objects.select_related("report__child", "facility__region").filter(
        scope_filter(actor, "reporting.report.view", agency_field="facility")
    )
    if late_only:
        filings = filings.filter(is_late=True)
    audit_record(actor=actor, action="reporting.report.view", object_type="abandonment_report_list")
    return filings


def report_open(*, actor: Actor, filing_id: int) -> ReportFiling:
    """One report with its steps and penalty: a sensitive read, audited; refused (audited) outside scope."""
    filing = ReportFiling.objects.select_related(
        "report__child", "report__event", "report__reported_by", "facility__region", "filed_by"
    ).get(pk=filing_id)
    require(
        actor, "reporting.report.view", filing, object_type="abandonment_report", object_id=filing.report_id
    )
    audit_record(
        actor=actor,
        action="reporting.report.view",
        object_type="abandonment_report",
        object_id=filing.report_id,
    )
    return filing


def step_for_action(*, step_id: int) -> ReportStep:
    """A step to act on; the service decides whether the actor may."""
    return ReportStep.objects.select_related("filing__facility__region", "recipient_agency__region").get(
        pk=step_id
    )


def steps_of(filing: ReportFiling) -> list[ReportStep]:
    return list(filing.steps.select_related("recipient_agency", "done_by"))


@dataclass
class OverdueStep:
    step: ReportStep
    overdue_since: dt.datetime
    overdue_for: dt.timedelta

    @property
    def who(self) -> str:
        agency = (
            self.step.recipient_agency.name if self.step.recipient_agency else "no agency of this kind found"
        )
        return f"{self.step.recipient_label} ({agency})"


@dataclass
class FacilityRow:
    facility: Agency
    open_steps: int = 0
    overdue_steps: list[OverdueStep] = field(default_factory=list)
    reports: int = 0
    late_reports: list[ReportFiling] = field(default_factory=list)
    missed_new: int = 0
    missed_confirmed: int = 0


def overdue_steps(*, actor: Actor, now: dt.datetime | None = None) -> list[OverdueStep]:
    """Open steps past their due time, in the actor's scope, longest overdue first (overdue since due time)."""
    require(actor, "reporting.overdue.view", object_type="reporting_dashboard")
    now = now or timezone.now()
    steps = (
        ReportStep.objects.select_related("filing__facility__region", "filing__report", "recipient_agency")
        .filter(
            scope_filter(actor, "reporting.overdue.view", agency_field="filing__facility"),
            done_at__isnull=True,
            due_at__lt=now,
        )
        .order_by("due_at", "pk")
    )
    return [OverdueStep(s, s.due_at, now - s.due_at) for s in steps]


def dashboard(*, actor: Actor, now: dt.datetime | None = None) -> list[FacilityRow]:
    """Per facility in scope with any report or lead: open and overdue steps (who must act, since when), late
    reports, missed-report leads. Audited as one read of the dashboard."""
    require(actor, "reporting.overdue.view", object_type="reporting_dashboard")
    now = now or timezone.now()
    rows: dict[int, FacilityRow] = {}

    def row(facility: Agency) -> FacilityRow:
        return rows.setdefault(facility.pk, FacilityRow(facility))

    in_scope = scope_filter(actor, "reporting.overdue.view", agency_field="facility")
    for filing in ReportFiling.objects.select_related("facility", "report").filter(in_scope):
        r = row(filing.facility)
        r.reports += 1
        if filing.is_late:
            r.late_reports.append(filing)
    for step in ReportStep.objects.select_related("filing__facility", "recipient_agency").filter(
        scope_filter(actor, "reporting.overdue.view", agency_field="filing__facility"), done_at__isnull=True
    ):
        r = row(step.filing.facility)
        r.open_steps += 1
        if step.due_at < now:
            r.overdue_steps.append(OverdueStep(step, step.due_at, now - step.due_at))
    for lead in (
        MissedReport.objects.select_related("facility")
        .filter(in_scope)
        .exclude(status=MissedReport.Status.DISMISSED)
    ):
        r = row(lead.facility)
        if lead.status == MissedReport.Status.NEW:
            r.missed_new += 1
        else:
            r.missed_confirmed += 1
    audit_record(actor=actor, action="reporting.overdue.view", object_type="reporting_dashboard")
    for r in rows.values():
        r.overdue_steps.sort(key=lambda o: o.overdue_since)
    return sorted(rows.values(), key=lambda r: (-len(r.overdue_steps), -r.missed_new, r.facility.name))


def missed_list(*, actor: Actor, status: str = "") -> QuerySet[MissedReport]:
    require(actor, "reporting.overdue.view", object_type="missed_report")
    leads = MissedReport.objects.select_related("facility", "child").filter(
        scope_filter(actor, "reporting.overdue.view", agency_field="facility")
    )
    if status:
        leads = leads.filter(status=status)
    audit_record(actor=actor, action="reporting.overdue.view", object_type="missed_report_list")
    return leads


def missed_open(*, actor: Actor, missed_id: int) -> MissedReport:
    """One missed-report lead with its explanation: audited; refused (audited) outside scope."""
    lead = MissedReport.objects.select_related("facility__region", "child", "event", "decided_by").get(
        pk=missed_id
    )
    require(actor, "reporting.overdue.view", lead, object_type="missed_report", object_id=lead.pk)
    audit_record(actor=actor, action="reporting.overdue.view", object_type="missed_report", object_id=lead.pk)
    return lead


def penalty_open_for(*, actor: Actor, proceeding_id: int) -> PenaltyProceeding:
    """A proceeding, for the health worker it names or for those who may read the report or decide: audited."""
    proceeding = PenaltyProceeding.objects.select_related(
        "facility__region", "health_worker", "notice_by", "decided_by", "filing", "missed"
    ).get(pk=proceeding_id)
    is_subject = actor.user_id is not None and actor.user_id == proceeding.health_worker_id
    allowed = is_subject and authorize(actor, "reporting.penalty.respond", proceeding).allowed
    allowed = allowed or any(
        authorize(actor, a, proceeding).allowed for a in ("reporting.penalty.decide", "reporting.report.view")
    )
    if not allowed:
        audit_record(
            actor=actor,
            action="reporting.penalty.view",
            object_type="penalty",
            object_id=proceeding.pk,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise AccessDenied("reporting.penalty.view", "not permitted")
    audit_record(actor=actor, action="reporting.penalty.view", object_type="penalty", object_id=proceeding.pk)
    return proceeding


def my_penalties(*, actor: Actor) -> QuerySet[PenaltyProceeding]:
    """Proceedings naming the actor, or that the actor may decide."""
    mine = Q(health_worker_id=actor.user_id) if actor.user_id else Q(pk__in=[])
    decide = scope_filter(actor, "reporting.penalty.decide", agency_field="facility")
    return PenaltyProceeding.objects.select_related("facility", "health_worker").filter(mine | decide)


HOME_TITLES = {
    "overdue": ("Overdue reporting steps in your scope", "/reporting/dashboard/"),
    "missed_new": ("Possible missed abandonment reports to decide", "/reporting/dashboard/"),
    "to_acknowledge": ("Abandonment reports for your agency to acknowledge", "/reporting/reports/"),
    "penalties_to_answer": ("Penalty notices waiting for your response", "/reporting/penalties/"),
}


def home_counts(*, actor: Actor) -> dict[str, int]:
    """Numbers for the home page (not audited: counts only)."""
    counts = {}
    now = timezone.now()
    if authorize(actor, "reporting.overdue.view").allowed:
        counts["overdue"] = ReportStep.objects.filter(
            scope_filter(actor, "reporting.overdue.view", agency_field="filing__facility"),
            done_at__isnull=True,
            due_at__lt=now,
        ).count()
        counts["missed_new"] = MissedReport.objects.filter(
            scope_filter(actor, "reporting.overdue.view", agency_field="facility"),
            status=MissedReport.Status.NEW,
        ).count()
    if authorize(actor, "reporting.step.acknowledge").allowed:
        counts["to_acknowledge"] = (
            ReportStep.objects.filter(
                scope_filter(actor, "reporting.step.acknowledge", agency_field="recipient_agency"),
                done_at__isnull=True,
            )
            .filter(Q(recipient_role="") | Q(recipient_role__in=actor.roles))
            .count()
        )
    if actor.user_id is not None and authorize(actor, "reporting.penalty.respond").allowed:
        waiting = PenaltyProceeding.objects.filter(
            health_worker_id=actor.user_id, stage=PenaltyProceeding.Stage.AWAITING_RESPONSE
        ).count()
        if waiting:  # shown only when a notice waits: most health workers never get one
            counts["penalties_to_answer"] = waiting
    return counts
