"""Builders for the cases tests and the access matrix: cases, referrals and closures made through the services."""

from __future__ import annotations

from kinward.apps.cases import services as cs
from tests.conftest import actor_of


def case(world, *, closing: bool = False, **fields):
    """A case of the west child-protection agency, opened by its caseworker (the east agency offers services)."""
    cs.agency_services_seed(
        agency=world.other_child_protection,
        kinds=["emergency_shelter", "medical", "psychosocial", "family_tracing"],
    )
    caseworker = actor_of(world.people["caseworker"])
    made = cs.case_open(
        actor=caseworker, **({"given_name": "Sari", "sex": "female", "age_estimate_years": 1} | fields)
    )
    if closing:
        cs.closure_request(actor=caseworker, case=made, reason="safe with her aunt, services completed")
    return made


def referral(world, *, service: str = "emergency_shelter", shared=(), of_case=None):
    """A requested referral from the west agency to the east agency."""
    made_case = of_case or case(world)
    return cs.referral_create(
        actor=actor_of(world.people["caseworker"]),
        case=made_case,
        to_agency=world.other_child_protection,
        service=service,
        shared_sections=shared,
    )
