"""Reads of child cases. A case is seen whole by its own agency, and by an agency it was referred to only
through the sections that referral shares. Every opening of a case is audited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied, Actor, authorize, grant_scopes, scope_filter
from kinward.apps.audit.services import audit_record, require
from kinward.apps.cases.catalogue import consent_rules, service_catalogue
from kinward.apps.cases.models import (
    AgencyService,
    Case,
    CaseOrigin,
    CaseRecordChange,
    ClosureRequest,
    Referral,
    ServiceRecord,
)

FULL = "__all__"


@dataclass
class CaseView:
    """A case as one reader may see it: everything (own agency) or the sections shared by referrals to them."""

    case: Case
    full: bool
    sections: frozenset[str]
    referrals: list[Referral] = field(default_factory=list)

    def shows(self, section: str) -> bool:
        return self.full or section in self.sections


def case_list(*, actor: Actor, mine: bool = False, status: str = "") -> QuerySet[Case]:
    """The cases of the reader's own agency (`mine`: where the reader is primary caseworker)."""
    require(actor, "cases.case.view", object_type="case")
    cases = Case.objects.select_related("agency", "caseworker").filter(scope_filter(actor, "cases.case.view"))
    if mine:
        cases = cases.filter(caseworker_id=actor.user_id)
    if status == "open":
        cases = cases.exclude(status=Case.Status.CLOSED)
    elif status:
        cases = cases.filter(status=status)
    return cases


def _referrals_granting_view(actor: Actor, case: Case) -> list[Referral]:
    if actor.agency_id is None or not grant_scopes(actor, "cases.case.view"):
        return []
    return list(
        case.referrals.filter(to_agency_id=actor.agency_id, status__in=Referral.GRANTS_VIEW).select_related(
            "from_agency", "to_agency"
        )
    )


def case_view(*, actor: Actor, case_id: int) -> CaseView:
    """Open a case (audited). Outside the own agency only through a live referral, filtered to what it shares."""
    case = Case.objects.select_related("agency__region", "caseworker").get(pk=case_id)
    if authorize(actor, "cases.case.view", case).allowed:
        audit_record(actor=actor, action="cases.case.view", object_type="case", object_id=case.pk)
        return CaseView(
            case, True, frozenset(), list(case.referrals.select_related("to_agency", "from_agency"))
        )
    referrals = _referrals_granting_view(actor, case)
    if not referrals:
        require(actor, "cases.case.view", case, object_type="case", object_id=case.pk)
        raise AccessDenied("cases.case.view")  # unreachable: require raised
    sections = frozenset(s for r in referrals for s in r.shared_sections)
    audit_record(actor=actor, action="cases.case.view_referred", object_type="case", object_id=case.pk)
    return CaseView(case, False, sections, referrals)


def case_for_manage(*, actor: Actor, case_id: int) -> Case:
    """A case the actor's agency holds, for a write (the service checks the action again)."""
    case = Case.objects.select_related("agency__region").get(pk=case_id)
    require(actor, "cases.case.view", case, object_type="case", object_id=case.pk)
    return case


def referral_get(*, actor: Actor, referral_id: int) -> Referral:
    """A referral, for either side: the receiving agency (respond) or the case's own agency (view)."""
    referral = Referral.objects.select_related(
        "case__agency__region", "to_agency__region", "from_agency"
    ).get(pk=referral_id)
    if not authorize(actor, "cases.referral.respond", referral).allowed:
        require(actor, "cases.case.view", referral.case, object_type="referral", object_id=referral.pk)
    return referral


def referrals_in(*, actor: Actor, status: str = "") -> QuerySet[Referral]:
    require(actor, "cases.case.view", object_type="referral")
    found = Referral.objects.select_related("case", "from_agency").filter(to_agency_id=actor.agency_id)
    return found.filter(status=status) if status else found


def referrals_out(*, actor: Actor, status: str = "") -> QuerySet[Referral]:
    require(actor, "cases.case.view", object_type="referral")
    found = Referral.objects.select_related("case", "to_agency").filter(
        scope_filter(actor, "cases.case.view", agency_field="from_agency")
    )
    return found.filter(status=status) if status else found


@dataclass
class FollowUpDue:
    case: Case
    service: str
    due_on: date
    record: ServiceRecord


@dataclass
class Deadlines:
    answers_due: list[Referral]
    follow_ups_due: list[FollowUpDue]
    closures_to_approve: list[ClosureRequest]


def deadlines(*, actor: Actor, within_days: int = 7) -> Deadlines:
    """Referrals waiting for the agency's answer (soonest due first), follow-ups falling due on the agency's cases
    or on services it delivers, and closures to approve."""
    require(actor, "cases.case.view", object_type="case")
    answers = list(
        Referral.objects.select_related("case", "from_agency")
        .filter(to_agency_id=actor.agency_id, status=Referral.Status.REQUESTED)
        .order_by("due_at")
    )
    horizon = timezone.localdate() + timedelta(days=within_days)
    records = (
        ServiceRecord.objects.select_related("case")
        .filter(Q(agency_id=actor.agency_id) | Q(case__agency_id=actor.agency_id))
        .exclude(case__status=Case.Status.CLOSED)
        .order_by("recorded_at", "id")
    )
    latest: dict[tuple[int, str], ServiceRecord] = {}
    for record in records:
        latest[(record.case_id, record.service)] = record
    due = [
        FollowUpDue(r.case, r.service, r.next_follow_up_on, r)
        for r in latest.values()
        if r.next_follow_up_on is not None and r.next_follow_up_on <= horizon
    ]
    closures: list[ClosureRequest] = []
    if authorize(actor, "cases.case.close_approve").allowed:
        closures = list(
            ClosureRequest.objects.select_related("case", "requested_by").filter(
                status=ClosureRequest.Status.PENDING,
                case__in=Case.objects.filter(scope_filter(actor, "cases.case.close_approve")),
            )
        )
    return Deadlines(answers, sorted(due, key=lambda d: d.due_on), closures)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    detail: str = ""


def _record_change_entry(change: CaseRecordChange) -> TimelineEntry:
    if change.kind == CaseRecordChange.Kind.CASEWORKER:
        title = (f"Primary caseworker changed from {change.from_caseworker.username} to "
                 f"{change.to_caseworker.username} by {change.changed_by.username}")
    else:
        title = f"The child's record corrected ({', '.join(change.fields)}) by {change.changed_by.username}"
    return TimelineEntry(change.changed_at, change.kind, title, change.reason)


def case_timeline(view: CaseView) -> list[TimelineEntry]:
    """Everything that happened on the case, in time order, limited to what the reader may see."""
    case = view.case
    entries = [TimelineEntry(case.opened_at, "opened", "Case opened", case.agency.name)]
    if view.full:
        for origin in CaseOrigin.objects.select_related("tip", "opened_by_agency").filter(case_id=case.pk):
            opener = origin.opened_by_agency.name if origin.opened_by_agency else ""
            entries.append(
                TimelineEntry(
                    origin.opened_at,
                    "origin",
                    f"Opened from {origin.get_kind_display().lower()} {origin.reference} by an analyst of {opener}",
                    origin.reason,
                )
            )
        entries += [_record_change_entry(change) for change in case.record_changes.select_related(
            "from_caseworker", "to_caseworker", "changed_by")]
    if view.shows("screenings"):
        entries += [
            TimelineEntry(
                s.recorded_at,
                "screening",
                f"Screening {s.instrument} v{s.instrument_version}: {s.get_level_display().lower()}",
                ", ".join(s.raised_items),
            )
            for s in case.screenings.all()
        ]
    if view.shows("victim_context"):
        entries += [
            TimelineEntry(
                d.recorded_at,
                "status",
                f"Trafficking status: {d.get_status_display()}",
                f"{d.authority}, {d.decided_on:%Y-%m-%d}: {d.reasons}",
            )
            for d in case.status_decisions.all()
        ]
    if view.shows("consent"):
        entries += [
            TimelineEntry(
                c.recorded_at,
                "consent",
                f"Consent to {c.purpose.replace('_', ' ')}: {c.get_decision_display().lower()}",
                c.reason,
            )
            for c in case.consents.all()
        ]
    visible = {r.pk for r in view.referrals}
    for referral in case.referrals.select_related("to_agency").prefetch_related("steps"):
        if not view.full and referral.pk not in visible:
            continue
        for step in referral.steps.all():
            entries.append(
                TimelineEntry(
                    step.at,
                    "referral",
                    f"Referral to {referral.to_agency.name} "
                    f"({referral.service}): {step.get_to_status_display().lower()}",
                    step.reason,
                )
            )
    for record in case.service_records.all():
        if view.full or view.shows("services") or record.referral_id in visible:
            title = f"{record.get_entry_display()}: {record.service}"
            if record.outcome:
                title += f" ({record.get_outcome_display().lower()})"
            entries.append(TimelineEntry(record.recorded_at, "service", title, record.description))
    if view.full:
        for closure in case.closure_requests.all():
            entries.append(
                TimelineEntry(closure.requested_at, "closure", "Closure requested", closure.reason)
            )
            if closure.decided_at:
                entries.append(
                    TimelineEntry(
                        closure.decided_at,
                        "closure",
                        f"Closure {closure.get_status_display().lower()}",
                        closure.decision_note,
                    )
                )
    return sorted(entries, key=lambda e: e.at)


@dataclass(frozen=True)
class OriginView:
    """Where the case came from, as its reader may see it: the lead's reference, and a link only for a reader
    who may open that tip or post (the analysts; caseworkers see the reference and the copied facts)."""

    origin: CaseOrigin
    reference: str
    link: str


def case_origin(*, actor: Actor, view: CaseView) -> OriginView | None:
    """The tip or post a case was opened from, for the case's own agency (not through a referral)."""
    if not view.full:
        return None
    origin = (
        CaseOrigin.objects.select_related("tip__region", "post__agency__region", "opened_by_agency")
        .filter(case_id=view.case.pk)
        .first()
    )
    if origin is None:
        return None
    link = ""
    if origin.kind == CaseOrigin.Kind.TIP:
        from kinward.apps.tips.services import triage_action

        if authorize(actor, triage_action(origin.tip), origin.tip).allowed:
            link = reverse("tips:detail", args=[origin.tip_id])
    elif authorize(actor, "watch.post.review", origin.post).allowed:
        link = reverse("watch:post", args=[origin.post_id])
    return OriginView(origin, origin.reference, link)


def registry_birth_known(newborn_id: str) -> bool | None:
    """Whether the registry holds a birth with this newborn ID (None: no registry app to ask)."""
    if not newborn_id:
        return None
    from django.apps import apps

    try:
        birth = apps.get_model("registry", "Birth")
    except LookupError:
        return None
    try:
        return birth.objects.filter(newborn_id=newborn_id).exists()
    except Exception:  # the registry is built in parallel; a missing table must not break a case page
        return None


def agency_services(*, kind: str = "") -> QuerySet[AgencyService]:
    """The service directory: who offers what (not sensitive: agencies, not children)."""
    offers = AgencyService.objects.select_related("agency").filter(is_active=True, agency__is_active=True)
    return offers.filter(kind=kind) if kind else offers


@dataclass(frozen=True)
class ServiceOutcomes:
    service: str
    title: str
    outcomes: int
    positive: int
    by_outcome: dict

    @property
    def positive_share(self) -> float | None:
        """Share of outcomes coded goal met or improved: a first measure of which services work."""
        return self.positive / self.outcomes if self.outcomes else None


def service_outcomes(*, actor: Actor) -> list[ServiceOutcomes]:
    """Coded outcomes per service type, over the reader's agency's cases and the services it delivered."""
    require(actor, "cases.case.view", object_type="case")
    rows = (
        ServiceRecord.objects.filter(entry=ServiceRecord.Entry.OUTCOME)
        .filter(Q(case__agency_id=actor.agency_id) | Q(agency_id=actor.agency_id))
        .values("service", "outcome")
        .annotate(n=Count("id"))
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["service"], {})[row["outcome"]] = row["n"]
    kinds = service_catalogue().kinds
    result = []
    for service, counts in sorted(table.items()):
        positive = counts.get("goal_met", 0) + counts.get("improved", 0)
        title = kinds[service].title if service in kinds else service
        result.append(ServiceOutcomes(service, title, sum(counts.values()), positive, counts))
    return result


def cases_for_export(*, actor: Actor) -> QuerySet[Case]:
    """The agency's cases for a CSV export: allowed to `cases.case.export` holders, audited once per export."""
    require(actor, "cases.case.export", object_type="case")
    cases = (
        Case.objects.filter(scope_filter(actor, "cases.case.export"))
        .select_related("agency")
        .prefetch_related(
            "perpetrators",
            "events",
            "referrals__to_agency",
            "status_decisions",
            "screenings",
            "consents",
            "closure_requests",
        )
        .order_by("opened_at", "id")
    )
    audit_record(
        actor=actor, action="cases.case.export", object_type="case", object_id=f"agency:{actor.agency_id}"
    )
    return cases


def sharable_sections() -> tuple[tuple[str, ...], tuple[str, ...]]:
    rules = consent_rules()
    return rules.minimum_sections, rules.optional_sections
