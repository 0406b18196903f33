"""Public event ids are version 7 UUIDs: random enough to be unguessable, ordered by the time they were written (so
the unique indexes on them grow at their end during a large import)."""

from __future__ import annotations

import time
import uuid

from kinward.apps.registry.models import event_uuid
from tests.apps.registry import helpers as rh


def test_an_event_id_is_a_version_7_uuid_of_the_time_it_was_written():
    before = time.time_ns() // 1_000_000
    made = event_uuid()
    after = time.time_ns() // 1_000_000
    assert (made.version, made.variant) == (7, uuid.RFC_4122)
    assert before <= made.int >> 80 <= after  # the leading 48 bits: Unix time in milliseconds


def test_ids_written_later_sort_after_and_never_repeat():
    first = [event_uuid() for _ in range(2000)]
    time.sleep(0.002)
    later = [event_uuid() for _ in range(2000)]
    assert max(first) < min(later)
    assert len({*first, *later}) == 4000
    random_bits = {u.int & (1 << 62) - 1 for u in first}  # the 62 low bits alone are random, not a counter
    assert len(random_bits) == 2000


def test_facts_written_through_the_services_get_time_ordered_ids(world):
    first, second = rh.a_birth(world), rh.a_birth(world)
    assert first.event_id.version == second.event_id.version == 7
    assert first.event_id <= second.event_id
