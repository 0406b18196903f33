"""The one authorisation function of Kinward.

`authorize(actor, action, target)` decides from the actor's roles (or an API token's listed actions) and the
scope of each grant: the actor's own agency, its region subtree, its country, or anywhere. Every selector and
service goes through `authorize`, `require` or `scope_filter`; nothing else decides access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.db.models import Q

from kinward.apps.accounts.roles import catalogue


class AccessDenied(Exception):
    """The actor may not take this action on this record. The message reveals nothing of the record."""

    def __init__(self, action: str, reason: str = "not permitted"):
        super().__init__(f"{action}: {reason}")
        self.action = action
        self.reason = reason


class NotSignedIn(Exception):
    """No valid session or token: the caller must authenticate."""


@dataclass(frozen=True)
class Scope:
    """Where a record sits, for access decisions: the agency that holds it, its region path and country."""

    agency_id: int | None
    region_path: str
    country: str


@runtime_checkable
class Scoped(Protocol):
    def access_scope(self) -> Scope: ...


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in person or a system client's token, with the agency it acts for."""

    user_id: int | None = None
    token_id: int | None = None
    username: str = "anonymous"
    agency_id: int | None = None
    region_path: str = ""
    country: str = ""
    roles: tuple[str, ...] = ()
    token_actions: tuple[str, ...] | None = None
    client_address: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None and self.token_id is None

    @property
    def role_label(self) -> str:
        if self.token_id is not None:
            return "api_token"
        return ",".join(self.roles) or "-"


ANONYMOUS = Actor()


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    scope: str = ""


def grant_scopes(actor: Actor, action: str) -> tuple[str, ...]:
    """The scopes in which `actor` holds `action` (empty: not at all)."""
    cat = catalogue()
    if action not in cat.actions:
        raise ValueError(f"unknown action {action!r}: declare it in roles.yaml")
    if actor.is_anonymous:
        return ()
    if actor.token_id is not None:
        # A token acts only for its one agency and only for the actions written on it.
        return ("own_agency",) if action in (actor.token_actions or ()) else ()
    scopes: list[str] = []
    for code in actor.roles:
        role = cat.roles.get(code)
        if role is not None:
            scopes.extend(s for s in role.scopes_for(action) if s not in scopes)
    return tuple(scopes)


def _scope_covers(actor: Actor, scope: str, target: Scope) -> bool:
    if scope == "any":
        return True
    if scope == "country":
        return bool(actor.country) and target.country == actor.country
    if scope == "region":
        return bool(actor.region_path) and (
            target.region_path == actor.region_path or target.region_path.startswith(actor.region_path + "/")
        )
    return actor.agency_id is not None and target.agency_id == actor.agency_id


def authorize(actor: Actor, action: str, target: Scoped | Scope | None = None) -> Decision:
    """Decide whether `actor` may take `action` on `target` (None: the action in general, e.g. a list page)."""
    if actor.is_anonymous:
        return Decision(False, "not signed in")
    scopes = grant_scopes(actor, action)
    if not scopes:
        return Decision(False, "no role grants this action")
    if target is None:
        return Decision(True, "granted", scopes[0])
    where = target if isinstance(target, Scope) else target.access_scope()
    for scope in scopes:
        if _scope_covers(actor, scope, where):
            return Decision(True, "granted", scope)
    return Decision(False, "record outside the actor's scope")


def scope_filter(actor: Actor, action: str, *, agency_field: str = "agency") -> Q:
    """A queryset filter keeping the records `actor` may `action`.

    Records are matched through the agency that holds them (`agency_field`, a path to an Agency foreign key),
    its region path and country; `agency_field=""` filters a queryset of agencies themselves.
    """
    prefix = f"{agency_field}__" if agency_field else ""
    own = f"{agency_field}_id" if agency_field else "pk"
    condition = Q(pk__in=[])
    for scope in grant_scopes(actor, action):
        if scope == "any":
            return Q()
        if scope == "country":
            condition |= Q(**{f"{prefix}country": actor.country})
        elif scope == "region":
            condition |= Q(**{f"{prefix}region__path": actor.region_path}) | Q(
                **{f"{prefix}region__path__startswith": actor.region_path + "/"}
            )
        else:
            condition |= Q(**{own: actor.agency_id})
    return condition
