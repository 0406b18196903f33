"""The rows one new fact can change red flags on (`registry.neighbourhood`): an adoption agency's orders come with
their corrections, since a correction names no agency itself and the `unlicensed_agency` rule judges each order as
corrected, as the nightly scan does."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kinward.apps.registry import writes
from kinward.apps.registry.fastinsert import fast_row
from kinward.apps.registry.models import CustodyEvent
from kinward.apps.registry.neighbourhood import neighbourhood
from tests import factories as f
from tests.apps.registry import helpers as rh
from tests.apps.registry.test_ledger_rows import adoption_body
from tests.conftest import signed_in_client


def adoption_order(world, officer, **overrides) -> CustodyEvent:
    child = rh.a_birth(world)
    response = signed_in_client(officer).post(
        f"/api/v1/registry/children/{child.newborn_id}/custody-events",
        adoption_body(world, **overrides),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return CustodyEvent.objects.get(child=child, type="adoption_order")


def correction(order: CustodyEvent, field: str, value) -> CustodyEvent:
    """A correction written by the write path an import uses (a row and its leaf)."""
    row = fast_row(
        CustodyEvent, child_id=order.child_id, type="correction", time=order.time + dt.timedelta(hours=1),
        corrects_id=order.pk, corrected_field=field, new_value=value, reason="typed wrong",
    )  # fmt: skip
    with transaction.atomic():
        (written,) = writes.custody_events_write([row], actor=None, parents={})
    return written


def events_near(record_type: str, pk: int) -> set[int]:
    where = neighbourhood([(record_type, pk)])["custody_events"]
    return set(CustodyEvent.objects.filter(where).values_list("pk", flat=True))


def test_an_agencys_other_orders_come_with_their_corrections(world):
    officer = rh.adoption_officer(world)
    earlier = adoption_order(world, officer)
    fixed = correction(earlier, "decided_on", "2026-01-05")
    later = adoption_order(world, officer)
    assert {earlier.pk, fixed.pk, later.pk} <= events_near("custody_events", later.pk)
    # the correction itself brings in its order's agency, with the agency's other orders
    assert {earlier.pk, fixed.pk, later.pk} <= events_near("custody_events", fixed.pk)


def test_an_order_a_correction_moved_to_the_agency_comes_with_the_correction(world):
    officer = rh.adoption_officer(world)
    elsewhere = f.agency("adoption_agency", world.west_district, "Yayasan Lain")
    moved = adoption_order(world, officer, adoption_agency_id=elsewhere.pk)
    fix = correction(moved, "adoption_agency", world.adoption_agency.pk)
    order = adoption_order(world, officer)
    assert {moved.pk, fix.pk, order.pk} <= events_near("custody_events", order.pk)
    assert moved.pk not in events_near("births", rh.a_birth(world).pk)  # an unrelated birth: not in scope
