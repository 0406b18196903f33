"""Registry reads that leave the app, scoped by the caller's role and agency; sensitive reads are audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from kinward.apps.accounts.authz import Actor, authorize, scope_filter
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry.antenatal import (
    OVERDUE_AFTER,
    PREGNANCY_VIEW,
    pregnancies_without_end,
)
from kinward.apps.registry.ledger import ledger_signer, registry_log
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerCheckpoint, Pregnancy, Registration
from kinward.apps.registry.services import agency_scope
from kinward.apps.registry.timeline import (
    AntenatalEntry,
    EventState,
    antenatal_timeline,
    child_status,
    event_states,
    holding_facilities,
)
from kinward.engines.ids import validate as validate_newborn_id
from kinward.engines.ledger import parse_checkpoint


@dataclass
class ChildRecord:
    """A child's birth, its custody events as they stand now, and where each sits in the public log."""

    birth: Birth
    status: str
    notification_status: str
    states: list[EventState]
    corrections: list[CustodyEvent]
    checkpoint_size: int
    antenatal: list[AntenatalEntry] = field(default_factory=list)


def notification_status(birth: Birth) -> str:
    """notified (waiting for a registrar), awaiting_second_approval (late), or registered."""
    registration: Registration | None = getattr(birth, "registration", None)
    if registration is None:
        return "notified"
    return "registered" if registration.is_complete else "awaiting_second_approval"


def _events_of(birth: Birth) -> list[CustodyEvent]:
    events = list(birth.custody_events.prefetch_related("adoptive_parent_links").order_by("ledger_index"))
    for event in events:
        event.adoptive_parent_ids = [link.person_id for link in event.adoptive_parent_links.all()]
    return events


def newborn_id_canonical(newborn_id: str) -> str:
    """A newborn ID as stored (look-alikes and hyphens normalised); an invalid one as given."""
    result = validate_newborn_id(newborn_id)
    return result.id if result.valid else newborn_id


def birth_find(newborn_id: str) -> Birth:
    """The birth holding this newborn ID (typed loosely: look-alikes and hyphens are normalised)."""
    return Birth.objects.select_related("facility__region", "mother", "attendant", "registration").get(
        newborn_id=newborn_id_canonical(newborn_id)
    )


def _may_view(actor: Actor, birth: Birth, events: list[CustodyEvent]) -> bool:
    if authorize(actor, "registry.birth.view", birth).allowed:
        return True
    others = holding_facilities(
        birth.facility_id, [e for e in events if e.type in ("transfer", "correction")]
    )
    others -= {birth.facility_id}
    return any(
        authorize(actor, "registry.birth.view", agency_scope(a)).allowed
        for a in Agency.objects.select_related("region").filter(pk__in=others)
    )


def child_record(*, actor: Actor, newborn_id: str) -> ChildRecord:
    """A child's record and timeline, for those who may read it (audited as a sensitive read)."""
    require(actor, "registry.birth.view", object_type="birth", object_id=newborn_id[:40])
    birth = birth_find(newborn_id)
    events = _events_of(birth)
    if not _may_view(actor, birth, events):
        require(actor, "registry.birth.view", birth, object_type="birth", object_id=birth.pk)
    audit_record(actor=actor, action="registry.birth.view", object_type="birth", object_id=birth.pk)
    return ChildRecord(
        birth=birth,
        status=child_status(birth.outcome, events),
        notification_status=notification_status(birth),
        states=event_states(events),
        corrections=[e for e in events if e.type == "correction"],
        checkpoint_size=signed_size(),
        antenatal=_antenatal_of(actor, birth),
    )


def _antenatal_of(actor: Actor, birth: Birth) -> list[AntenatalEntry]:
    """The enrolment and visits of the child's pregnancy with their leaves, for those who may also read the
    pregnancy (that read audited); nothing otherwise."""
    if birth.pregnancy_id is None:
        return []
    pregnancy = Pregnancy.objects.select_related("facility__region").get(pk=birth.pregnancy_id)
    if not authorize(actor, PREGNANCY_VIEW, pregnancy).allowed:
        return []
    audit_record(
        actor=actor, action="registry.pregnancy.view", object_type="pregnancy", object_id=pregnancy.pk
    )
    return antenatal_timeline(pregnancy, list(pregnancy.antenatal_visits.order_by("date")), [], [])


def child_search_check(*, actor: Actor) -> None:
    """Only those who may read birth records may look children up (the lookup itself is audited per child)."""
    require(actor, "registry.birth.view", object_type="birth")


def child_for_writing(*, newborn_id: str) -> Birth:
    """The birth a write is about; the service itself checks the caller's permission on it."""
    return birth_find(newborn_id)


def notification_queue(*, actor: Actor) -> QuerySet[Birth]:
    """Births notified through Kinward in the registrar's area, waiting for registration or a second approval."""
    require(actor, "registry.birth.register", object_type="birth")
    return (
        Birth.objects.select_related("facility", "registration")
        .filter(scope_filter(actor, "registry.birth.register", agency_field="facility"))
        .filter(source="")
        .filter(Q(registration__isnull=True) | Q(registration__completed_at__isnull=True))
        .order_by("time")
    )


# --- antenatal care ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenPregnancy:
    """An open pregnancy on a facility's list: past its expected date, and overdue past the rule's grace."""

    pregnancy: Pregnancy
    days_past_expected: int

    @property
    def past_expected(self) -> bool:
        return self.days_past_expected > 0

    @property
    def overdue(self) -> bool:
        return self.days_past_expected > OVERDUE_AFTER.days


def pregnancies_open(*, actor: Actor, facility: Agency) -> list[OpenPregnancy]:
    """A facility's open pregnancies, earliest expected date first (a read of mothers' records: audited)."""
    require(actor, PREGNANCY_VIEW, agency_scope(facility), object_type="agency", object_id=facility.pk)
    rows = (
        Pregnancy.objects.filter(facility=facility)
        .filter(scope_filter(actor, PREGNANCY_VIEW, agency_field="facility"))
        .filter(births__isnull=True, events__isnull=True)
        .select_related("mother", "facility")
        .prefetch_related("antenatal_visits")
        .order_by("expected_date", "pk")
    )
    today = timezone.localdate()
    found = [OpenPregnancy(p, (today - p.expected_date).days) for p in pregnancies_without_end(list(rows))]
    audit_record(actor=actor, action="registry.pregnancy.view", object_type="agency", object_id=facility.pk)
    return found


def pregnancy_get(*, actor: Actor, pregnancy_id: int) -> Pregnancy:
    """One pregnancy with its mother and facility, for those who may read it (audited)."""
    pregnancy = Pregnancy.objects.select_related("mother", "facility__region").get(pk=pregnancy_id)
    require(actor, PREGNANCY_VIEW, pregnancy, object_type="pregnancy", object_id=pregnancy.pk)
    audit_record(
        actor=actor, action="registry.pregnancy.view", object_type="pregnancy", object_id=pregnancy.pk
    )
    return pregnancy


@dataclass
class PregnancyRecord:
    """A pregnancy, whether it is still open, and its timeline with where each fact sits in the public log."""

    pregnancy: Pregnancy
    is_open: bool
    timeline: list[AntenatalEntry]
    checkpoint_size: int


def pregnancy_record(*, actor: Actor, pregnancy_id: int) -> PregnancyRecord:
    """A pregnancy and its timeline (enrolment, visits, endings, births), for those who may read it (audited)."""
    pregnancy = pregnancy_get(actor=actor, pregnancy_id=pregnancy_id)
    timeline = antenatal_timeline(
        pregnancy,
        list(pregnancy.antenatal_visits.order_by("date")),
        list(pregnancy.events.select_related("facility").order_by("date")),
        list(pregnancy.births.order_by("time")),
    )
    return PregnancyRecord(
        pregnancy=pregnancy,
        is_open=bool(pregnancies_without_end([pregnancy])),
        timeline=timeline,
        checkpoint_size=signed_size(),
    )


# --- the public log ------------------------------------------------------------------------------------------


def signed_size() -> int:
    """The size of the tree the latest signed checkpoint covers (0 before the first)."""
    return LedgerCheckpoint.objects.order_by("-seq").values_list("tree_size", flat=True).first() or 0


def log_size() -> int:
    return registry_log().size


def latest_checkpoint() -> str | None:
    return registry_log().store.latest_checkpoint()


def checkpoint_size(note: str) -> int:
    return parse_checkpoint(note[: note.rfind("\n\n") + 1]).tree_size


def verifier_key() -> str:
    return ledger_signer().verifier().to_string()
