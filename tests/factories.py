"""Factories for places, agencies and people (test data only; every name is invented)."""

from __future__ import annotations

import itertools

from kinward.apps.accounts.models import Agency, Region, User
from kinward.apps.accounts.services import agency_create, api_token_issue, region_create, user_create

PASSWORD = "Correct-horse-staple-42"
_counter = itertools.count(1)


def country(code: str = "ID") -> Region:
    existing = Region.objects.filter(code=code).first()
    return existing or region_create(code=code, name=f"Country {code}", level="country", parent=None)


def province(parent: Region, code: str | None = None) -> Region:
    return region_create(code=code or f"{parent.code}-P{next(_counter)}", name="Province", level="province",
                         parent=parent)


def district(parent: Region, code: str | None = None) -> Region:
    return region_create(code=code or f"{parent.code}-D{next(_counter)}", name="District", level="district",
                         parent=parent)


def agency(kind: str, region: Region, name: str | None = None) -> Agency:
    return agency_create(name=name or f"{kind} {next(_counter)}", kind=kind, region=region)


def person(agency_: Agency, roles: list[str], username: str | None = None) -> User:
    return user_create(actor=None, username=username or f"user{next(_counter)}", password=PASSWORD,
                       agency=agency_, roles=roles)


def token(admin_actor, agency_: Agency, actions: list[str]):
    return api_token_issue(actor=admin_actor, name=f"system {next(_counter)}", agency=agency_, actions=actions)
