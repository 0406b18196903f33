"""Registry reads that leave the app, scoped by the caller's role and agency; sensitive reads are audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kinward.apps.accounts.authz import Actor, authorize, scope_filter
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.registry.ledger import ledger_signer, registry_log
from kinward.apps.registry.models import Birth, CustodyEvent, LedgerCheckpoint, Registration
from kinward.apps.registry.services import agency_scope
from kinward.apps.registry.timeline import EventState, child_status, event_states, holding_facilities
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


def birth_find(newborn_id: str) -> Birth:
    """The birth holding this newborn ID (typed loosely: look-alikes and hyphens are normalised)."""
    result = validate_newborn_id(newborn_id)
    canonical = result.id if result.valid else newborn_id
    return Birth.objects.select_related("facility__region", "mother", "attendant", "registration").get(
        newborn_id=canonical
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
    latest = LedgerCheckpoint.objects.order_by("-seq").values_list("tree_size", flat=True).first()
    return ChildRecord(
        birth=birth,
        status=child_status(birth.outcome, events),
        notification_status=notification_status(birth),
        states=event_states(events),
        corrections=[e for e in events if e.type == "correction"],
        checkpoint_size=latest or 0,
    )


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


# --- the public log ------------------------------------------------------------------------------------------


def log_size() -> int:
    return registry_log().size


def latest_checkpoint() -> str | None:
    return registry_log().store.latest_checkpoint()


def checkpoint_size(note: str) -> int:
    return parse_checkpoint(note[: note.rfind("\n\n") + 1]).tree_size


def verifier_key() -> str:
    return ledger_signer().verifier().to_string()
