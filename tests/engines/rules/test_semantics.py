"""The SQL views apply the interchange format's meaning rules exactly as the interchange engine's helpers do."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

interchange = pytest.importorskip("kinward.engines.interchange")

from kinward.engines.rules.dataset import open_dataset  # noqa: E402


@pytest.fixture(scope="module")
def opened(small_dataset):
    con, _ = open_dataset(small_dataset)
    yield con, small_dataset
    con.close()


def records(folder, record_type):
    return [json.loads(line) for line in (folder / f"{record_type}.jsonl").read_text().splitlines()]


def test_local_dates_are_the_dates_in_each_times_own_offset(opened):
    con, folder = opened
    sql = dict(con.execute("SELECT ref, local_date FROM birth").fetchall())
    for birth in records(folder, "births"):
        assert sql[birth["ref"]] == interchange.local_date(birth["time"])


def test_corrections_apply_in_time_order_like_apply_corrections(opened):
    con, folder = opened
    events = records(folder, "custody_events")
    corrections = defaultdict(list)
    for event in events:
        if event["type"] == "correction":
            corrections[event["corrects"]].append(event)
    columns = ["to", "relationship", "relationship_detail", "id_document_checked"]
    for event in events:
        if event["type"] != "discharge":
            continue
        expected = interchange.apply_corrections(event, corrections[event["ref"]])
        row = con.execute(
            'SELECT "to", relationship, relationship_detail, id_document_checked FROM custody WHERE ref = ?',
            [event["ref"]],
        ).fetchone()
        assert dict(zip(columns, row, strict=True)) == {c: expected.get(c) for c in columns}


def test_licence_validity_matches_licence_valid_on(opened):
    con, folder = opened
    for agency in records(folder, "agencies"):
        for day in ("2026-01-14", "2026-01-15", "2026-03-31", "2026-04-01", "2026-04-30", "2026-05-01"):
            (sql,) = con.execute(
                "SELECT coalesce(licence_valid_on(licence, CAST(? AS DATE)), false) FROM agencies WHERE ref = ?",
                [day, agency["ref"]],
            ).fetchone()
            assert sql == interchange.licence_valid_on(agency.get("licence"), day), (agency["ref"], day)


def test_pregnancy_endings_match_birth_ends_pregnancy(opened):
    con, folder = opened
    persons = {p["ref"]: p for p in records(folder, "persons")}
    births = records(folder, "births")
    ended = {
        r[0] for r in con.execute("SELECT pregnancy FROM pregnancy_end WHERE type = 'births'").fetchall()
    }
    for pregnancy in records(folder, "pregnancies"):
        expected = any(interchange.birth_ends_pregnancy(b, pregnancy, persons) for b in births)
        assert (pregnancy["ref"] in ended) == expected, pregnancy["ref"]


def test_the_hand_made_dataset_is_valid_interchange(small_dataset):
    report = interchange.validate_dataset(small_dataset)
    assert report.problems == []
