"""Writes of mandatory reporting: filing a report, the steps it sets off, and acknowledging or completing them.

A report's `reported_at` is the server's clock at filing, never a value the client sends: a report cannot be
backdated. Lateness is computed once at filing from the jurisdiction's deadline and kept. Nothing here deletes.
Missed-report leads and the penalty procedure are in `missed.py` and `penalties.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied, Actor, authorize
from kinward.apps.accounts.models import Agency, User
from kinward.apps.accounts.roles import catalogue
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.core.services import notify
from kinward.apps.registry import services as registry
from kinward.apps.registry.events import fact_committed
from kinward.apps.registry.models import AbandonmentReport, Birth, CustodyEvent, Person, Staff
from kinward.apps.reporting.jurisdictions import Jurisdiction, Recipient, jurisdiction_for
from kinward.apps.reporting.models import ReportFiling, ReportStep, facility_scope
from kinward.engines.ids import validate as validate_newborn_id

FUTURE_TOLERANCE = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class AbandonmentInput:
    """What the health worker reports. There is deliberately no `reported_at`: the server's clock decides it."""

    found_at: dt.datetime
    place: str
    found_by: str
    condition: str
    care_given: str
    newborn_id: str = ""
    sex: str = "unknown"
    weight_g: int | None = None
    reporter_name: str = ""
    reporter_role: str = "midwife"


def human_duration(value: dt.timedelta | None) -> str:
    """`1 d 3 h 20 min`: how late, in words a supervisor reads at a glance."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    return " ".join(p for p in parts if p) or "less than a minute"


def _validate(data: AbandonmentInput, now: dt.datetime) -> None:
    errors = {}
    if data.found_at.tzinfo is None or data.found_at.utcoffset() is None:
        errors["found_at"] = "give the time with its UTC offset (2026-03-01T04:12:00+06:00)"
    elif data.found_at > now + FUTURE_TOLERANCE:
        errors["found_at"] = "the child cannot be found in the future"
    for name in ("place", "found_by", "condition", "care_given"):
        if not getattr(data, name).strip():
            errors[name] = "required"
    if data.sex not in Person.Sex.values:
        errors["sex"] = f"use one of {', '.join(Person.Sex.values)}"
    if data.weight_g is not None and not 200 <= data.weight_g <= 8000:
        errors["weight_g"] = f"{data.weight_g} g is not a newborn's weight (200-8000 g)"
    if data.reporter_role not in Staff.Role.values:
        errors["reporter_role"] = f"use one of {', '.join(Staff.Role.values)}"
    if errors:
        raise ValidationError(errors)


def _existing_child(newborn_id: str) -> Birth | None:
    if not newborn_id.strip():
        return None
    result = validate_newborn_id(newborn_id.strip())
    if not result.valid:
        raise ValidationError({"newborn_id": result.message})
    child = Birth.objects.select_related("facility__region").filter(newborn_id=result.id).first()
    if child is None:
        raise ValidationError({"newborn_id": "no child holds this newborn ID; leave it empty to issue one"})
    if child.outcome != Birth.Outcome.LIVE:
        raise ValidationError({"newborn_id": "this newborn ID belongs to a stillbirth"})
    return child


def _reporter_name(actor: Actor, data: AbandonmentInput) -> str:
    if data.reporter_name.strip():
        return data.reporter_name.strip()
    user = User.objects.filter(pk=actor.user_id).first()
    if user is None:
        raise ValidationError({"reporter_name": "a system client names the health worker who reports"})
    return user.get_full_name() or user.get_username()


def _registry_permission_check(
    *, actor: Actor, facility: Agency, child: Birth | None, data: AbandonmentInput
) -> None:
    """Permission for the registry writes, checked before the transaction so that a denial's audit entry is
    not rolled back with it."""
    if child is None:
        require(
            actor,
            "registry.birth.notify",
            facility_scope(facility),
            object_type="agency",
            object_id=facility.pk,
        )
        return
    registry.custody_permission_check(actor=actor, event_type="abandonment_found", child=child)
    if data.found_at < child.time:
        raise ValidationError({"found_at": "the child cannot be found before it was born"})


def _registry_facts(
    *, actor: Actor, facility: Agency, child: Birth | None, data: AbandonmentInput, reporter: str
) -> tuple[Birth, CustodyEvent, Staff]:
    """The child's birth (issued now when it has no newborn ID: mother absent, foundling), the reporting staff
    member and the `abandonment_found` custody event, through the registry's services (ledger leaves)."""
    if child is None:
        child = registry.birth_notify(
            actor=actor,
            facility=facility,
            time=data.found_at,
            sex=data.sex,
            outcome="live",
            weight_g=data.weight_g,
            mother=None,
            mother_absent_reason=Birth.MotherAbsentReason.FOUNDLING,
        )
    staff = registry.staff_resolve(agency=facility, name=reporter, role=data.reporter_role)
    found = registry.CustodyInput(
        type="abandonment_found",
        time=data.found_at,
        facility=facility,
        recorded_by=staff,
        place=data.place.strip(),
        found_by=data.found_by.strip(),
        condition=data.condition.strip(),
    )
    return child, registry.custody_event_record(actor=actor, child=child, data=found), staff


def abandonment_report_file(
    *, actor: Actor, facility: Agency, data: AbandonmentInput, channel: str = ReportFiling.Channel.PAGE
) -> ReportFiling:
    """File the mandatory report of an abandoned newborn found at `facility`.

    Issues a newborn ID through the registry when the child has none (mother absent: foundling), records the
    `abandonment_found` custody event (a ledger leaf), stores the registry's report with the server's time,
    creates the steps the jurisdiction requires, and tells every recipient in the app and by e-mail.
    """
    require(
        actor,
        "reporting.abandonment.report",
        facility_scope(facility),
        object_type="agency",
        object_id=facility.pk,
    )
    _validate(data, timezone.now())
    if not facility.is_health_facility:
        raise ValidationError({"facility_id": "reports are filed by a health facility"})
    child = _existing_child(data.newborn_id)
    _registry_permission_check(actor=actor, facility=facility, child=child, data=data)
    reporter = _reporter_name(actor, data)
    jurisdiction, version = jurisdiction_for(facility)
    with transaction.atomic():
        issued = child is None
        child, event, staff = _registry_facts(
            actor=actor, facility=facility, child=child, data=data, reporter=reporter
        )
        now = timezone.now()  # the report's time is the server's, never the client's: no backdating
        report = AbandonmentReport.objects.create(
            child=child,
            event=event,
            facility=facility,
            reported_by=staff,
            found_at=data.found_at,
            reported_at=now,
            place=data.place.strip()[:300],
            condition=data.condition.strip()[:300],
        )
        due = data.found_at + jurisdiction.report_within
        late = now > due
        filing = ReportFiling.objects.create(
            report=report,
            facility=facility,
            filed_by_id=actor.user_id,
            filed_by_token_id=actor.token_id,
            channel=channel,
            care_given=data.care_given.strip(),
            newborn_id_issued=issued,
            jurisdiction=jurisdiction.code,
            jurisdiction_version=version,
            due_at=due,
            is_late=late,
            late_by=(now - due) if late else None,
        )
        audit_record(
            actor=actor,
            action="reporting.abandonment.report",
            object_type="abandonment_report",
            object_id=report.pk,
        )
        steps_create(filing=filing, jurisdiction=jurisdiction, now=now)
        fact_committed("abandonment_reports", [report.pk])
    return filing


# --- steps ---------------------------------------------------------------------------------------------------


def recipient_agency(facility: Agency, recipient: Recipient) -> Agency | None:
    """Who must be told: for an agency recipient, the active agency of that kind whose region is the closest
    one containing the facility (the district's police before the province's); for a facility role, the
    facility itself."""
    if recipient.kind == "facility_role":
        return facility
    parts = facility.region.path.split("/")
    ancestors = ["/".join(parts[:n]) for n in range(len(parts), 0, -1)]
    candidates = list(
        Agency.objects.select_related("region").filter(
            kind=recipient.agency_kind, is_active=True, region__path__in=ancestors
        )
    )
    if not candidates:
        return None
    return min(candidates, key=lambda a: (ancestors.index(a.region.path), a.pk))


def step_people(step: ReportStep) -> list[User]:
    """The people who act on a step: holders of the acknowledging action in the recipient agency (for a
    facility role, holders of that role in the facility)."""
    if step.recipient_agency_id is None:
        return []
    from kinward.apps.accounts.services import actor_for_user

    if step.recipient_role:
        roles = [step.recipient_role]
    else:
        roles = [
            code for code, role in catalogue().roles.items() if role.scopes_for("reporting.step.acknowledge")
        ]
    people = (
        User.objects.select_related("agency__region")
        .filter(agency_id=step.recipient_agency_id, is_active=True, roles__code__in=roles)
        .distinct()
    )
    return [p for p in people if authorize(actor_for_user(p), "reporting.step.acknowledge", step).allowed]


def _step_message(step: ReportStep, filing: ReportFiling) -> tuple[str, str]:
    due = timezone.localtime(step.due_at).strftime("%Y-%m-%d %H:%M %Z")
    late = f" The report was filed late by {human_duration(filing.late_by)}." if filing.is_late else ""
    if step.kind == ReportStep.Kind.STRATEGY_MEETING:
        subject = f"Strategy meeting needed by {due}: abandoned newborn at {filing.facility.name}"
        body = (
            f"An abandoned newborn was reported at {filing.facility.name} (report {filing.report_id}). "
            f"Convene the strategy meeting and record it in Kinward by {due}.{late}"
        )
    else:
        subject = f"Abandoned newborn reported at {filing.facility.name}: acknowledge by {due}"
        body = (
            f"{step.recipient_label}: an abandoned newborn was reported at {filing.facility.name} "
            f"(report {filing.report_id}). Acknowledge receipt in Kinward by {due}.{late}"
        )
    return subject, body


def steps_create(*, filing: ReportFiling, jurisdiction: Jurisdiction, now: dt.datetime) -> list[ReportStep]:
    """The steps a filing requires, each with its due time from the jurisdiction; every recipient is told now."""
    steps = []
    for recipient in jurisdiction.recipients:
        steps.append(
            ReportStep(
                filing=filing,
                kind=ReportStep.Kind.ACKNOWLEDGE,
                recipient_code=recipient.code,
                recipient_label=recipient.label,
                recipient_role=recipient.role,
                recipient_agency=recipient_agency(filing.facility, recipient),
                due_at=now + recipient.acknowledge_within,
            )
        )
    meeting = jurisdiction.strategy_meeting
    if meeting is not None:
        convener = jurisdiction.recipient(meeting.convened_by)
        anchor = filing.report.found_at if meeting.after == "found" else now
        steps.append(
            ReportStep(
                filing=filing,
                kind=ReportStep.Kind.STRATEGY_MEETING,
                recipient_code=convener.code,
                recipient_label=convener.label,
                recipient_role=convener.role,
                recipient_agency=recipient_agency(filing.facility, convener),
                due_at=anchor + meeting.within,
            )
        )
    link = f"/reporting/reports/{filing.pk}/"
    for step in steps:
        step.save()
        people = step_people(step)
        subject, body = _step_message(step, filing)
        step.notified_count = (
            notify(recipients=people, subject=subject, body=body, link=link) if people else 0
        )
        step.notified_at = now
        step.save(update_fields=["notified_count", "notified_at"])
    return steps


def _step_for_update(step: ReportStep, kind: str) -> ReportStep:
    locked = ReportStep.objects.select_for_update().select_related("filing__report").get(pk=step.pk)
    if locked.kind != kind:
        raise ValidationError({"step": f"this step is to {locked.get_kind_display().lower()}"})
    if locked.is_done:
        raise ValidationError({"step": "this step is already recorded and cannot be changed"})
    return locked


def _require_step(actor: Actor, step: ReportStep) -> None:
    require(actor, "reporting.step.acknowledge", step, object_type="report_step", object_id=step.pk)
    if step.recipient_role and step.recipient_role not in actor.roles:
        audit_record(
            actor=actor,
            action="reporting.step.acknowledge",
            object_type="report_step",
            object_id=step.pk,
            outcome=AuditEntry.Outcome.DENIED,
        )
        raise AccessDenied("reporting.step.acknowledge", f"only the {step.recipient_role} acts on this step")
    if actor.user_id is None:
        raise ValidationError({"step": "a person acknowledges, not a system client"})


def step_acknowledge(*, actor: Actor, step: ReportStep, note: str = "") -> ReportStep:
    """A recipient acknowledges receipt of the report (who and when are recorded; once only)."""
    _require_step(actor, step)
    with transaction.atomic():
        locked = _step_for_update(step, ReportStep.Kind.ACKNOWLEDGE)
        locked.done_at = timezone.now()
        locked.done_by_id = actor.user_id
        locked.note = note.strip()
        locked.save(update_fields=["done_at", "done_by", "note"])
        audit_record(
            actor=actor, action="reporting.step.acknowledge", object_type="report_step", object_id=locked.pk
        )
    return locked


def strategy_meeting_record(
    *, actor: Actor, step: ReportStep, held_at: dt.datetime, attendees: str, note: str = ""
) -> ReportStep:
    """The convening agency records the strategy meeting: when it was held and who took part (once only)."""
    _require_step(actor, step)
    now = timezone.now()
    if held_at.tzinfo is None or held_at.utcoffset() is None:
        raise ValidationError({"held_at": "give the time with its UTC offset"})
    if held_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"held_at": "record a meeting once it has been held"})
    if not attendees.strip():
        raise ValidationError({"attendees": "say who took part (agencies and roles)"})
    with transaction.atomic():
        locked = _step_for_update(step, ReportStep.Kind.STRATEGY_MEETING)
        if held_at < locked.filing.report.found_at:
            raise ValidationError({"held_at": "the meeting cannot precede the finding of the child"})
        locked.done_at = now
        locked.done_by_id = actor.user_id
        locked.meeting_held_at = held_at
        locked.meeting_attendees = attendees.strip()
        locked.note = note.strip()
        locked.save(update_fields=["done_at", "done_by", "meeting_held_at", "meeting_attendees", "note"])
        audit_record(
            actor=actor, action="reporting.step.acknowledge", object_type="report_step", object_id=locked.pk
        )
    return locked
