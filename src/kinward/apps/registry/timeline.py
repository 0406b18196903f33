"""A child's timeline and status, derived from its immutable custody events (never stored as mutable truth);
and a pregnancy's antenatal timeline (enrolment, visits, endings, births), each entry with its leaf.

INTERCHANGE.md: "the current state of an event is the original with its corrections applied in time order". The
child's status is what its last event (in corrected time order) made it; with no event the child is still in
the care of the facility where it was born.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kinward.engines.interchange.format import CUSTODY_EVENT_FIELDS

STATUS_IN_FACILITY = "in_facility"
STATUS_STILLBORN = "stillborn"
STATUS_BY_EVENT = {
    "discharge": "discharged",
    "transfer": "transferred",
    "abandonment_found": "abandoned",
    "adoption_order": "adopted",
    "death": "died",
}
STATUS_LABELS = {
    STATUS_IN_FACILITY: "in the facility",
    STATUS_STILLBORN: "stillborn",
    "discharged": "discharged",
    "transferred": "transferred",
    "abandoned": "abandoned",
    "adopted": "adopted",
    "died": "died",
}

# Interchange field names (what a correction names) and the model fields that hold them.
CORRECTABLE_FIELDS: dict[str, str] = {
    "time": "time",
    "facility": "facility_id",
    "recorded_by": "recorded_by_id",
    "to": "to_person_id",
    "relationship": "relationship",
    "relationship_detail": "relationship_detail",
    "id_document_checked": "id_document_checked",
    "guardianship_document": "guardianship_document",
    "to_facility": "to_facility_id",
    "place": "place",
    "found_by": "found_by",
    "condition": "condition",
    "authority": "authority_id",
    "decision_number": "decision_number",
    "decided_on": "decided_on",
    "adoptive_parents": "adoptive_parent_ids",
    "adoption_agency": "adoption_agency_id",
    "cause": "cause",
}
COMMON_FIELDS = ("time", "facility", "recorded_by")
# The fields each custody event type carries, as the interchange format defines them (a correction's own fields
# are not corrected in turn).
FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    kind: fields for kind, fields in CUSTODY_EVENT_FIELDS.items() if kind != "correction"
}


def correctable_fields(event_type: str) -> tuple[str, ...]:
    """The interchange fields a correction may change on an event of `event_type`."""
    return COMMON_FIELDS + FIELDS_BY_TYPE.get(event_type, ())


@dataclass
class EventState:
    """One custody event as it stands now: the original values with its corrections applied."""

    event: Any
    values: dict[str, Any]
    corrections: list[Any] = field(default_factory=list)

    @property
    def time(self) -> dt.datetime:
        return self.values["time"]

    @property
    def corrected_fields(self) -> list[str]:
        return sorted({c.corrected_field for c in self.corrections})


def _original_values(event) -> dict[str, Any]:
    values = {
        name: getattr(event, attr, None)
        for name, attr in CORRECTABLE_FIELDS.items()
        if attr != "adoptive_parent_ids"
    }
    values["adoptive_parents"] = list(getattr(event, "adoptive_parent_ids", []) or [])
    return values


def _corrected(name: str, value: Any) -> Any:
    if name == "time" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    if name == "decided_on" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    return value


def event_states(events: list[Any]) -> list[EventState]:
    """The non-correction events of one child with their corrections applied, in corrected time order.

    Corrections are applied in their own time order (ties: the order they were logged); events are then ordered
    by their corrected time, ties by log index.
    """
    corrections: dict[int, list[Any]] = {}
    originals = []
    for event in events:
        if event.type == "correction":
            corrections.setdefault(event.corrects_id, []).append(event)
        else:
            originals.append(event)
    states = []
    for event in originals:
        values = _original_values(event)
        applied = sorted(corrections.get(event.pk, []), key=lambda c: (c.time, c.ledger_index))
        for correction in applied:
            values[correction.corrected_field] = _corrected(correction.corrected_field, correction.new_value)
        states.append(EventState(event=event, values=values, corrections=applied))
    states.sort(key=lambda s: (s.time, s.event.ledger_index))
    return states


def child_status(outcome: str, events: list[Any]) -> str:
    """The child's status derived from its events: in_facility, discharged, transferred, abandoned, adopted,
    died (or stillborn)."""
    if outcome == "still":
        return STATUS_STILLBORN
    states = event_states(events)
    if not states:
        return STATUS_IN_FACILITY
    return STATUS_BY_EVENT[states[-1].event.type]


def holding_facilities(birth_facility_id: int, events: list[Any]) -> set[int]:
    """Facilities that have held the child: where it was born, and every facility it was transferred to."""
    held = {birth_facility_id}
    for state in event_states(events):
        if state.event.type == "transfer" and state.values.get("to_facility"):
            held.add(state.values["to_facility"])
    return held


# --- a pregnancy's antenatal care ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AntenatalEntry:
    """One fact of a pregnancy's care, for its timeline: `kind` is `enrolled`, `visit`, a pregnancy event's type
    (`loss`, `transfer_out`, `moved_away`) or `birth`; `ledger_index` is the leaf that records it (a visit
    enrolled or imported with the pregnancy is committed to in the enrolment's leaf; None before enrolments
    were logged)."""

    date: dt.date
    kind: str
    ledger_index: int | None
    own_leaf: bool = True
    fact: Any = None


def antenatal_timeline(
    pregnancy: Any, visits: list[Any], events: list[Any], births: list[Any]
) -> list[AntenatalEntry]:
    """A pregnancy's enrolment, visits, endings and births in date order (ties: enrolment first, then by leaf)."""
    enrolled = pregnancy.enrolled_on.isoformat()
    entries = [AntenatalEntry(pregnancy.enrolled_on, "enrolled", pregnancy.ledger_index, fact=pregnancy)]
    entries += [
        AntenatalEntry(dt.date.fromisoformat(day), "visit", pregnancy.ledger_index, own_leaf=False)
        for day in pregnancy.visits
        if day != enrolled
    ]
    entries += [AntenatalEntry(v.date, "visit", v.ledger_index, fact=v) for v in visits]
    entries += [AntenatalEntry(e.date, e.type, e.ledger_index, fact=e) for e in events]
    entries += [
        AntenatalEntry(
            b.time.astimezone(dt.timezone(dt.timedelta(minutes=b.utc_offset))).date(),
            "birth",
            b.ledger_index,
            fact=b,
        )
        for b in births
    ]
    order = {"enrolled": 0}
    entries.sort(key=lambda e: (e.date, order.get(e.kind, 1), e.ledger_index or -1))
    return entries
