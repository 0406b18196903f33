"""The interchange format's meaning rules as plain functions, so that every consumer applies the same ones.

Each function implements one sentence of INTERCHANGE.md; the sentence is quoted in its docstring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

# "between 16 weeks before and 6 weeks after that pregnancy's expected date" (births)
PREGNANCY_WINDOW_BEFORE = dt.timedelta(weeks=16)
PREGNANCY_WINDOW_AFTER = dt.timedelta(weeks=6)


class InterchangeValueError(ValueError):
    """A value handed to a format rule is not what the format says (a time without offset, a foreign ref)."""


def parse_time(time_str: str) -> dt.datetime:
    """Parse an interchange time (RFC 3339 §5.6 with an offset, `Z` allowed) into an aware datetime."""
    try:
        value = dt.datetime.fromisoformat(time_str)
    except (TypeError, ValueError):
        raise InterchangeValueError(f"{time_str!r} is not an RFC 3339 time such as 2026-03-01T04:12:00+07:00")
    if value.tzinfo is None:
        raise InterchangeValueError(f"{time_str!r} has no offset; interchange times carry one (+07:00 or Z)")
    return value


def local_date(time_str: str) -> dt.date:
    """The calendar date of an interchange time in that time's own offset.

    INTERCHANGE.md: "a date derived from a time is the calendar date in that time's own offset", so
    2026-03-01T23:30:00+07:00 is 1 March although it is 16:30 UTC, and 2026-03-01T01:00:00+09:00 is 1 March
    although it is 28 February in UTC.
    """
    return parse_time(time_str).date()


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InterchangeValueError(f"{value!r} is not a date written YYYY-MM-DD")


def identity_key(person: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The identity of a persons record: its id_document's (type, number, country), or None without one.

    INTERCHANGE.md: "`ref` is not identity. Two persons records with the same id_document (type, number,
    country) are the same person, however their names are spelled." The number is compared exactly as given.
    """
    document = person.get("id_document")
    if not document:
        return None
    return (document["type"], document["number"], document["country"])


def same_person(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two persons records are the same person: the same record (`ref`), or the same id_document.

    Names never decide (see `identity_key`); two records without id_document are the same only by `ref`.
    """
    if a.get("ref") is not None and a.get("ref") == b.get("ref"):
        return True
    key = identity_key(a)
    return key is not None and key == identity_key(b)


def licence_valid_on(licence: Mapping[str, Any] | None, day: dt.date | str) -> bool:
    """Whether an agency licence is valid on `day`.

    INTERCHANGE.md: "a licence is valid from valid_from to valid_to inclusive, and stops being valid on its
    status_since date when suspended or revoked" — so on status_since itself it is no longer valid. An agency
    without a licence has none valid on any day.
    """
    if not licence:
        return False
    when = _as_date(day)
    if not _as_date(licence["valid_from"]) <= when <= _as_date(licence["valid_to"]):
        return False
    if licence.get("status") in ("suspended", "revoked"):
        return when < _as_date(licence["status_since"])
    return True


def apply_corrections(event: Mapping[str, Any], corrections: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The current state of a custody event: the original with its corrections applied in time order.

    INTERCHANGE.md (custody_events): "the current state of an event is the original with its corrections
    applied in time order". Corrections are ordered by their `time` as instants (offsets taken into account);
    corrections at the same instant keep the order given. Each sets `field` to `new_value`. Raises
    InterchangeValueError for a correction that does not correct this event. The input is not changed.
    """
    current = dict(event)
    ordered = sorted(enumerate(corrections), key=lambda pair: (parse_time(pair[1]["time"]), pair[0]))
    for _, correction in ordered:
        if correction.get("type") != "correction" or correction.get("corrects") != event.get("ref"):
            raise InterchangeValueError(
                f"custody event {correction.get('ref')!r} is not a correction of {event.get('ref')!r}"
            )
        if correction["field"] in ("ref", "child", "type"):
            raise InterchangeValueError(
                f"correction {correction.get('ref')!r} may not change {correction['field']!r}"
            )
        current[correction["field"]] = correction["new_value"]
    return current


def in_pregnancy_window(birth_time: str, expected_date: dt.date | str) -> bool:
    """Whether a birth's local date lies from 16 weeks before to 6 weeks after an expected date, inclusive."""
    expected = _as_date(expected_date)
    born = local_date(birth_time)
    return expected - PREGNANCY_WINDOW_BEFORE <= born <= expected + PREGNANCY_WINDOW_AFTER


def birth_ends_pregnancy(
    birth: Mapping[str, Any],
    pregnancy: Mapping[str, Any],
    persons: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Whether `birth` ends `pregnancy` (the caller knows the pregnancy is still open).

    A birth naming a pregnancy ends that one only. INTERCHANGE.md (births): "A birth without pregnancy ends the
    open pregnancy of the same woman (same person or same identity document) when it falls between 16 weeks
    before and 6 weeks after that pregnancy's expected date." The birth's date is its local date; the window
    is inclusive. `persons` maps person refs to persons records and is needed to compare identity documents;
    without it only the same person ref counts. A birth with no mother ends no pregnancy by this rule.
    """
    if birth.get("pregnancy") is not None:
        return birth["pregnancy"] == pregnancy.get("ref")
    mother, pregnant = birth.get("mother"), pregnancy.get("mother")
    if mother is None or pregnant is None:
        return False
    if mother != pregnant:
        if persons is None or mother not in persons or pregnant not in persons:
            return False
        if not same_person(persons[mother], persons[pregnant]):
            return False
    return in_pregnancy_window(birth["time"], pregnancy["expected_date"])
