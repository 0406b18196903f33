"""The one authorisation function: roles, scopes and tokens."""

import pytest

from kinward.apps.accounts.authz import ANONYMOUS, Scope, authorize, grant_scopes
from kinward.apps.accounts.roles import RoleDataError, parse_roles
from tests.conftest import actor_of


def scope_of(agency):
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


def test_a_clerk_may_read_births_of_her_own_hospital_only(world):
    clerk = actor_of(world.people["clerk"])
    assert authorize(clerk, "registry.birth.view", scope_of(world.hospital)).allowed
    decision = authorize(clerk, "registry.birth.view", scope_of(world.other_hospital))
    assert not decision.allowed and decision.reason == "record outside the actor's scope"


def test_a_registrar_reaches_the_agencies_below_its_region(world):
    from tests import factories as f

    registrar = actor_of(world.people["registrar"])
    # the registry office sits in the west district: same district yes, the east province no
    assert authorize(registrar, "registry.birth.view", scope_of(world.hospital)).allowed
    assert not authorize(registrar, "registry.birth.view", scope_of(world.other_hospital)).allowed
    sub = f.district(world.west_district.parent, "ID-W-1X")  # a sibling district whose code extends the path
    clinic = f.agency("private_clinic", sub)
    assert not authorize(registrar, "registry.birth.view", scope_of(clinic)).allowed


def test_an_analyst_sees_alerts_in_the_province_and_its_districts(world):
    analyst = actor_of(world.people["analyst"])
    assert authorize(analyst, "alerts.alert.view", scope_of(world.hospital)).allowed
    assert not authorize(analyst, "alerts.alert.view", scope_of(world.other_hospital)).allowed


def test_the_auditor_reaches_the_whole_country_but_not_cases(world):
    auditor = actor_of(world.people["auditor"])
    assert authorize(auditor, "audit.view").allowed
    assert not authorize(auditor, "cases.case.view", scope_of(world.child_protection)).allowed


def test_nobody_anonymous_is_allowed_anything(world):
    assert not authorize(ANONYMOUS, "home.view").allowed
    assert grant_scopes(ANONYMOUS, "audit.view") == ()


def test_a_token_acts_only_for_its_actions_and_its_agency(world):
    from kinward.apps.accounts.services import actor_for_token
    from tests import factories as f

    admin = actor_of(world.people["admin"])
    issued = f.token(admin, world.hospital, ["registry.birth.notify"])
    client = actor_for_token(issued.token)
    assert authorize(client, "registry.birth.notify", scope_of(world.hospital)).allowed
    assert not authorize(client, "registry.birth.notify", scope_of(world.other_hospital)).allowed
    assert not authorize(client, "registry.birth.view", scope_of(world.hospital)).allowed


def test_an_undeclared_action_is_a_programming_error(world):
    with pytest.raises(ValueError, match="unknown action"):
        authorize(actor_of(world.people["clerk"]), "registry.birth.sell")


def test_role_data_naming_an_undeclared_action_is_refused():
    text = "actions:\n  a.b: x\nroles:\n  r:\n    title: R\n    grants:\n      own_agency: [a.c]\n"
    with pytest.raises(RoleDataError, match="role r: action 'a.c' is not declared"):
        parse_roles(text)


def test_role_data_with_an_unknown_scope_is_refused():
    text = "actions:\n  a.b: x\nroles:\n  r:\n    title: R\n    grants:\n      planet: [a.b]\n"
    with pytest.raises(RoleDataError, match="scope 'planet'"):
        parse_roles(text)


def test_a_role_cannot_be_given_in_the_wrong_kind_of_agency(world):
    from django.core.exceptions import ValidationError

    from tests import factories as f

    with pytest.raises(ValidationError, match="role registrar is not held"):
        f.person(world.hospital, ["registrar"])
