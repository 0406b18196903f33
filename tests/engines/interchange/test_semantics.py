"""The format's meaning rules as functions: local dates, identity, licences, corrections, pregnancy endings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinward.engines.interchange import (
    InterchangeValueError,
    apply_corrections,
    birth_ends_pregnancy,
    licence_valid_on,
    local_date,
    read_dataset,
    same_person,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "interchange" / "minimal"


def records(record_type: str) -> dict[str, dict]:
    return {i.record["ref"]: i.record for i in read_dataset(DATA) if i.type == record_type}


@pytest.mark.parametrize(
    ("time", "day"),
    [
        ("2026-03-01T23:30:00+07:00", "2026-03-01"),  # 16:30 UTC, same day
        ("2026-03-01T01:00:00+09:00", "2026-03-01"),  # 28 February in UTC
        ("2026-02-28T16:00:00Z", "2026-02-28"),
        ("2026-03-01T00:00:00-05:00", "2026-03-01"),
    ],
)
def test_the_local_date_is_the_date_in_the_times_own_offset(time: str, day: str) -> None:
    assert local_date(time) == dt.date.fromisoformat(day)


@given(
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)),
    st.integers(-12 * 60, 14 * 60),
)
def test_local_date_reads_back_the_wall_clock_date_written(wall: dt.datetime, minutes: int) -> None:
    text = wall.replace(tzinfo=dt.timezone(dt.timedelta(minutes=minutes))).isoformat()
    assert local_date(text) == wall.date()


def test_a_time_without_offset_is_refused() -> None:
    with pytest.raises(InterchangeValueError, match="has no offset"):
        local_date("2026-03-01T10:00:00")


def test_the_same_identity_document_is_the_same_person_whatever_the_spelling() -> None:
    persons = records("persons")
    assert same_person(persons["M-1"], persons["M-2"])  # Suharti / Soeharti, one national_id
    assert not same_person(persons["M-1"], persons["M-3"])
    assert same_person(persons["M-3"], persons["M-3"])  # no document: only the same record
    other_country = json.loads(json.dumps(persons["M-2"]))
    other_country["id_document"]["country"] = "MY"
    assert not same_person(persons["M-1"], other_country)


LICENCE = {"number": "L", "valid_from": "2021-03-01", "valid_to": "2030-02-28", "status": "active"}


@pytest.mark.parametrize(
    ("licence", "day", "valid"),
    [
        (LICENCE, "2021-03-01", True),
        (LICENCE, "2021-02-28", False),
        (LICENCE, "2030-02-28", True),
        (LICENCE, "2030-03-01", False),
        (LICENCE | {"status": "suspended", "status_since": "2025-06-01"}, "2025-05-31", True),
        (LICENCE | {"status": "suspended", "status_since": "2025-06-01"}, "2025-06-01", False),
        (LICENCE | {"status": "revoked", "status_since": "2025-06-01"}, "2026-01-01", False),
        (None, "2025-01-01", False),
    ],
)
def test_a_licence_is_valid_inclusive_of_its_bounds_and_stops_on_status_since(licence, day, valid) -> None:
    assert licence_valid_on(licence, day) is valid
    assert licence_valid_on(licence, dt.date.fromisoformat(day)) is valid


def test_corrections_apply_in_time_order_across_offsets() -> None:
    events = records("custody_events")
    current = apply_corrections(events["E-1"], [events["E-6"], events["E-4"]])
    assert current["id_document_checked"] is True
    assert current["time"] == "2025-03-10T11:00:00+07:00"
    assert events["E-1"]["id_document_checked"] is False  # the original is untouched
    later = dict(
        events["E-6"], ref="E-7", time="2025-03-12T08:30:00+07:00", new_value="2025-03-10T12:00:00+07:00"
    )
    # E-6 is at 01:00 UTC (+08:00), E-7 at 01:30 UTC (+07:00): E-7 is later although its wall clock is earlier.
    assert apply_corrections(events["E-1"], [later, events["E-6"]])["time"] == "2025-03-10T12:00:00+07:00"


def test_a_correction_of_another_event_is_refused() -> None:
    events = records("custody_events")
    with pytest.raises(InterchangeValueError, match="not a correction of 'E-2'"):
        apply_corrections(events["E-2"], [events["E-4"]])


def test_a_birth_without_pregnancy_ends_the_pregnancy_of_the_same_woman_by_document() -> None:
    persons, births, pregnancies = records("persons"), records("births"), records("pregnancies")
    assert birth_ends_pregnancy(births["B-1"], pregnancies["P-1"], persons)  # M-2 and M-1 share a document
    assert not birth_ends_pregnancy(births["B-1"], pregnancies["P-1"])  # without persons, refs differ
    assert not birth_ends_pregnancy(births["B-2"], pregnancies["P-1"], persons)  # no mother
    assert not birth_ends_pregnancy(births["B-3"], pregnancies["P-1"], persons)  # another woman


@pytest.mark.parametrize(
    ("born", "ends"),
    [
        ("2024-11-18T10:00:00+07:00", True),  # exactly 16 weeks before 2025-03-10
        ("2024-11-17T23:59:00+07:00", False),
        ("2024-11-17T20:00:00-05:00", False),  # 18 November in UTC, but 17 November where it happened
        ("2025-04-21T23:59:00+07:00", True),  # exactly 6 weeks after
        ("2025-04-22T00:30:00+07:00", False),
    ],
)
def test_the_pregnancy_window_is_inclusive_and_uses_the_local_date(born: str, ends: bool) -> None:
    birth = {"ref": "B", "mother": "M-1", "time": born}
    pregnancy = {"ref": "P", "mother": "M-1", "expected_date": "2025-03-10"}
    assert birth_ends_pregnancy(birth, pregnancy) is ends


def test_a_birth_naming_a_pregnancy_ends_that_one_only() -> None:
    birth = {"ref": "B", "pregnancy": "P-2", "mother": "M-1", "time": "2025-03-10T10:00:00+07:00"}
    assert not birth_ends_pregnancy(birth, {"ref": "P-1", "mother": "M-1", "expected_date": "2025-03-10"})
    assert birth_ends_pregnancy(birth, {"ref": "P-2", "mother": "M-9", "expected_date": "2020-01-01"})
