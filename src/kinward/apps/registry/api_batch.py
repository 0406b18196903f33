"""Registry API, offline batches: what a facility recorded while offline (births with IDs from its offline block,
then custody events), uploaded at once and answered record by record. Mounted on the registry router (`api.py`
imports this module), so the path, schemas and operation id are those the route had in `api.py`.

The caller's permission is checked for each record first, outside any transaction, so a denial stays audited
(`require`). Then, in one transaction, each birth is written in a savepoint of its own (`birth_notify`), and the
events all at once (`custody_events_record`: one ledger append and one audit entry); if that refuses any, each
event is written in a savepoint of its own (`custody_event_record`). A record refused is rolled back alone and
answered in `rejected`. The accepted records commit together before
the answer is sent; a server killed mid-batch has written none of them, and the device sends the batch again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Field, Schema
from ninja.responses import Status

from kinward.apps.accounts.authz import AccessDenied, Actor
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require
from kinward.apps.core.api_support import StrictSchema, error_body, request_actor, validation_problems
from kinward.apps.registry import selectors, services
from kinward.apps.registry.api import (
    ERRORS,
    BirthNotificationIn,
    CustodyEventIn,
    _agency,
    _custody_input,
    _notify,
    router,
)
from kinward.apps.registry.models import Birth

Written = TypeVar("Written")


def _operation_id(name: str) -> str:
    return f"kinward_apps_registry_api_{name}"


class BatchEventIn(CustodyEventIn):
    newborn_id: str = Field(description="the child, possibly notified in the same batch")


class OfflineBatchIn(StrictSchema):
    """What a facility recorded while offline: births with IDs from its offline block, then custody events (of
    those births or of known children). Each record is accepted or rejected on its own: a rejected one is named
    with its field and reason, e.g. an event giving a field of another type on `custody_events[<n>].<field>`."""

    births: list[BirthNotificationIn] = []
    custody_events: list[BatchEventIn] = []


class SequencedOut(Schema):
    record: str = Field(description="its place in the request: births[<n>] or custody_events[<n>], n from 0")
    newborn_id: str
    event_id: uuid.UUID
    type: str
    ledger_index: int = Field(description="the event is sequenced: no longer provisional")


class RejectedOut(Schema):
    record: str = Field(description="births[<n>] or custody_events[<n>]: nothing of this record was written")
    field: str = Field(description="named as in a 422 answer, e.g. custody_events[<n>].relationship_detail")
    reason: str


class OfflineBatchOut(Schema):
    births: list[SequencedOut]
    custody_events: list[SequencedOut]
    rejected: list[RejectedOut] = Field(description="each problem of each rejected record, in request order")


# Why a record was rejected: a permission denial, its own data, or its birth (in the batch) being rejected.
Kind = Literal["denied", "invalid", "follows"]


@dataclass(frozen=True)
class _Rejection:
    order: tuple[int, int]
    record: str
    field: str
    reason: str
    kind: Kind


class _Upload:
    """One offline batch: its records checked, then written, and the answer for each."""

    def __init__(self, actor: Actor, payload: OfflineBatchIn):
        self.actor = actor
        self.payload = payload
        self.births: list[SequencedOut] = []
        self.events: list[SequencedOut] = []
        self.rejected: list[_Rejection] = []
        self._denials: dict[tuple, bool] = {}  # (action, kind, id) -> denied (each audited once)
        self._agencies: dict[int | None, Agency | None] = {}
        self._batch_births: dict[str, int] = {}  # newborn ID -> the birth of the batch carrying it
        self._checked: dict[int, Agency | None] = {}  # birth -> its facility, for the births passing the checks
        self._written: dict[str, Birth] = {}

    def reject(self, record: str, problems: list[tuple[str, str]], kind: Kind) -> None:
        section, index = record.rstrip("]").split("[")
        order = (int(section != "births"), int(index))
        for name, reason in problems:
            field = f"{record}.{name}" if name and name != NON_FIELD_ERRORS else record
            self.rejected.append(_Rejection(order, record, field, reason, kind))

    # --- checks, before the transaction ---------------------------------------------------------------------

    def check_births(self) -> list[int]:
        """The births to write: each carries its pre-allocated ID, and the caller may notify at its facility (an
        unknown or missing facility is refused when written, as the single route refuses it)."""
        for n, birth in enumerate(self.payload.births):
            record = f"births[{n}]"
            if not birth.newborn_id:
                self.reject(record, [("newborn_id", "an offline birth carries its pre-allocated ID")], "invalid")
                continue
            newborn_id = selectors.newborn_id_canonical(birth.newborn_id)
            first = self._batch_births.setdefault(newborn_id, n)
            facility = self._agency(birth.facility_id or self.actor.agency_id)
            if facility is not None and self._agency_denial("registry.birth.notify", facility):
                message = gettext("You may not notify births at this facility (%(action)s).")
                self.reject(record, [("facility_id", message % {"action": "registry.birth.notify"})], "denied")
                continue
            self._checked[n] = facility
            if first not in self._checked:  # a birth carrying the same ID was refused: its events are this one's
                self._batch_births[newborn_id] = n
        return list(self._checked)

    def check_events(self) -> list[tuple[int, Birth | str]]:
        """The events to write, each with its child: a known Birth, or the newborn ID of a birth of the batch."""
        ready: list[tuple[int, Birth | str]] = []
        known: dict[str, Birth | None] = {}
        for n, event in enumerate(self.payload.custody_events):
            record = f"custody_events[{n}]"
            foreign = event.foreign_fields()
            if foreign:
                self.reject(record, list(foreign.items()), "invalid")
                continue
            newborn_id = selectors.newborn_id_canonical(event.newborn_id)
            action = services.custody_action(event.type)
            child: Birth | str | None = newborn_id
            if newborn_id in self._batch_births:
                if self._batch_births[newborn_id] not in self._checked:
                    self._reject_follows(record, newborn_id)
                    continue
                facility = self._checked[self._batch_births[newborn_id]]
                denial = facility is not None and self._agency_denial(action, facility)
            else:
                if newborn_id not in known:
                    known[newborn_id] = self._known_child(newborn_id)
                child = known[newborn_id]
                if child is None:
                    self.reject(record, [("newborn_id", gettext("No child has this newborn ID."))], "invalid")
                    continue
                denial = self._child_denial(event.type, child)
            if denial:
                message = gettext("You may not record this event about this child (%(action)s).")
                self.reject(record, [("newborn_id", message % {"action": action})], "denied")
                continue
            ready.append((n, child))
        return ready

    def _agency(self, agency_id: int | None) -> Agency | None:
        if agency_id not in self._agencies:
            try:
                self._agencies[agency_id] = _agency(agency_id, "facility_id")
            except ValidationError:
                self._agencies[agency_id] = None
        return self._agencies[agency_id]

    @staticmethod
    def _known_child(newborn_id: str) -> Birth | None:
        try:
            return selectors.child_for_writing(newborn_id=newborn_id)
        except Birth.DoesNotExist:
            return None

    def _agency_denial(self, action: str, facility: Agency) -> bool:
        """Whether `action` at `facility` is denied to the caller (a denial is audited once per batch)."""
        key = (action, "agency", facility.pk)
        if key not in self._denials:
            scope = services.agency_scope(facility)
            self._denials[key] = _denied(
                lambda: require(self.actor, action, scope, object_type="agency", object_id=facility.pk)
            )
        return self._denials[key]

    def _child_denial(self, event_type: str, child: Birth) -> bool:
        key = (services.custody_action(event_type), "birth", child.pk)
        if key not in self._denials:
            self._denials[key] = _denied(
                lambda: services.custody_permission_check(actor=self.actor, event_type=event_type, child=child)
            )
        return self._denials[key]

    def _reject_follows(self, record: str, newborn_id: str) -> None:
        birth = f"births[{self._batch_births[newborn_id]}]"
        message = gettext("The birth of this child in this batch (%(birth)s) was rejected.")
        self.reject(record, [("newborn_id", message % {"birth": birth})], "follows")

    # --- writes, one savepoint per record --------------------------------------------------------------------

    def write(self, births: list[int], events: list[tuple[int, Birth | str]]) -> None:
        with transaction.atomic():
            for n in births:
                self._write_birth(n)
            if not self._write_events_together(events):
                for n, child in events:
                    self._write_event(n, child)

    def _write_events_together(self, events: list[tuple[int, Birth | str]]) -> bool:
        """All the events at once through `services.custody_events_record` (one ledger append and one audit entry
        for the lot, as the importer writes a batch); if it refuses any, none is written here (its savepoint is
        rolled back) and the caller tries each on its own, to answer which one and why."""
        items: list[tuple[int, Birth]] = []
        for n, child in events:
            if isinstance(child, str):
                if child not in self._written:
                    return False
                child = self._written[child]
            items.append((n, child))
        if not items:
            return True
        try:
            with transaction.atomic():
                written = services.custody_events_record(
                    actor=self.actor,
                    items=[
                        (child, _custody_input(self.payload.custody_events[n], child, self.actor.agency_id))
                        for n, child in items
                    ],
                )
        except (ValidationError, AccessDenied):
            return False
        for (n, child), event in zip(items, written, strict=True):
            self.events.append(
                SequencedOut(
                    record=f"custody_events[{n}]",
                    newborn_id=child.newborn_id,
                    event_id=event.event_id,
                    type=event.type,
                    ledger_index=event.ledger_index,
                )
            )
        return True

    def _write_birth(self, n: int) -> None:
        record, payload = f"births[{n}]", self.payload.births[n]
        birth = self._attempt(record, lambda: _notify(self.actor, payload))
        if birth is None:
            return
        self._written[birth.newborn_id] = Birth.objects.select_related("facility__region").get(pk=birth.pk)
        self.births.append(
            SequencedOut(
                record=record,
                newborn_id=birth.newborn_id,
                event_id=birth.event_id,
                type="birth",
                ledger_index=birth.ledger_index,
            )
        )

    def _write_event(self, n: int, child: Birth | str) -> None:
        record, payload = f"custody_events[{n}]", self.payload.custody_events[n]
        if isinstance(child, str):
            if child not in self._written:
                self._reject_follows(record, child)
                return
            child = self._written[child]
        about: Birth = child

        def write():
            data = _custody_input(payload, about, self.actor.agency_id)
            return services.custody_event_record(actor=self.actor, child=about, data=data)

        event = self._attempt(record, write)
        if event is not None:
            self.events.append(
                SequencedOut(
                    record=record,
                    newborn_id=about.newborn_id,
                    event_id=event.event_id,
                    type=event.type,
                    ledger_index=event.ledger_index,
                )
            )

    def _attempt(self, record: str, write: Callable[[], Written]) -> Written | None:
        """`write()` in a savepoint of its own: a refusal rolls back this record alone and is answered."""
        try:
            with transaction.atomic():
                return write()
        except ValidationError as refused:
            self.reject(record, validation_problems(refused), "invalid")
        except AccessDenied as denied:  # checked before; should the service deny, its entry went with the savepoint
            audit_record(
                actor=self.actor,
                action=denied.action,
                object_type="batch_record",
                object_id=record,
                outcome=AuditEntry.Outcome.DENIED,
            )
            message = gettext("You may not do this (%(action)s).")
            self.reject(record, [("", message % {"action": denied.action})], "denied")
        return None

    # --- the answer ---------------------------------------------------------------------------------------------

    def answer(self) -> Status:
        rejected = sorted(self.rejected, key=lambda r: r.order)
        if self.births or self.events or not rejected:
            return Status(
                201,
                OfflineBatchOut(
                    births=self.births,
                    custody_events=self.events,
                    rejected=[RejectedOut(record=r.record, field=r.field, reason=r.reason) for r in rejected],
                ),
            )
        errors = [{"field": r.field, "problem": r.reason} for r in rejected]
        if all(r.kind != "invalid" for r in rejected):
            message = gettext("You may not write any record of this batch; nothing was written.")
            return Status(403, error_body("forbidden", message, errors))
        message = gettext("Every record of the batch was rejected; nothing was written.")
        return Status(422, error_body("invalid_input", message, errors))


def _denied(check: Callable[[], None]) -> bool:
    try:
        check()
    except AccessDenied:
        return True
    return False


@router.post(
    "/batches",
    response={201: OfflineBatchOut, **ERRORS},
    operation_id=_operation_id("upload_batch"),
    summary="Upload an offline batch: births with pre-allocated IDs and custody events, each record accepted or "
    "rejected with its reason",
    description="Each record is written on its own, through the services of the single routes; a rejected one "
    "is named in `rejected` (`record`, `field`, `reason`) and nothing of it is written. An event of a birth of the "
    "batch that was rejected is rejected too. 201 when at least one record was written, each accepted one with "
    "its `record` (births[<n>], custody_events[<n>]) and log index, committed before the answer is sent. When "
    "nothing was written: 403 if every record was refused by permission, else 422, each listing every problem in "
    "`errors`. A record the caller may not write is rejected, and the denial audited. With `Idempotency-Key`, a "
    "retried batch gets the first answer and writes nothing new; without it, a birth whose newborn ID is already "
    "held is rejected (`births[<n>].newborn_id`), and so are its events in the batch.",
)
def upload_batch(request: HttpRequest, payload: OfflineBatchIn):
    upload = _Upload(request_actor(request), payload)
    births = upload.check_births()
    events = upload.check_events()
    upload.write(births, events)
    return upload.answer()
