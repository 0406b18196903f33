"""The registrar's review: the queue of notifications, registration, and the second approval of late ones."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kinward.apps.registry.models import LedgerLeaf, Registration
from kinward.apps.registry.selectors import notification_queue
from kinward.apps.registry.services import birth_register, registration_approve_late
from tests import factories as f
from tests.apps.registry import helpers as rh
from tests.conftest import actor_of, signed_in_client


def test_an_on_time_registration_is_complete_at_once_and_logged(world):
    birth = rh.a_birth(world, days_ago=3)
    registration = birth_register(actor=actor_of(world.people["registrar"]), birth=birth)
    assert registration.is_complete and not registration.is_late
    assert b'"birth.registered"' in bytes(LedgerLeaf.objects.get(idx=registration.ledger_index).data)
    assert list(notification_queue(actor=actor_of(world.people["registrar"]))) == []


def test_a_late_registration_needs_another_registrar(world, settings):
    settings.REGISTRATION_LATE_DAYS = 30
    birth = rh.a_birth(world, days_ago=31)
    registrar = actor_of(world.people["registrar"])
    registration = birth_register(actor=registrar, birth=birth)
    assert registration.is_late and not registration.is_complete and registration.ledger_index is None
    assert list(notification_queue(actor=registrar)) == [birth]
    with pytest.raises(ValidationError) as same:
        registration_approve_late(actor=registrar, birth=birth)
    assert "approver" in same.value.message_dict
    second = f.person(world.registry, ["registrar"])
    registration_approve_late(actor=actor_of(second), birth=birth)
    done = Registration.objects.get(birth=birth)
    assert done.is_complete and done.approved_by == second and done.ledger_index is not None


def test_the_queue_holds_only_births_in_the_registrars_area(world):
    mine = rh.a_birth(world)
    rh.a_birth(world, persona="clerk_other_hospital", facility=world.other_hospital)
    assert list(notification_queue(actor=actor_of(world.people["registrar"]))) == [mine]


def test_the_review_page_lists_and_registers_a_notification(world):
    birth = rh.a_birth(world)
    client = signed_in_client(world.people["registrar"])
    page = client.get("/registry/review/").content.decode()
    assert f"Register birth {birth.newborn_id[:4]}-" in page
    response = client.post(f"/registry/review/{birth.newborn_id}/register")
    assert response.status_code == 302 and Registration.objects.get(birth=birth).is_complete
    twice = client.post(f"/registry/review/{birth.newborn_id}/register", follow=True)
    assert "already registered" in twice.content.decode()
