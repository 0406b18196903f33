"""Reads about people, agencies and tokens, scoped by the caller's role and agency."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from kinward.apps.accounts.authz import Actor, scope_filter
from kinward.apps.accounts.models import Agency, ApiToken, Region, User
from kinward.apps.audit.services import require


def agency_list(*, actor: Actor) -> QuerySet[Agency]:
    require(actor, "accounts.agency.view", object_type="agency")
    return Agency.objects.select_related("region").filter(scope_filter(actor, "accounts.agency.view", agency_field=""))


def agency_named(agency_id: int, *, field: str = "agency_id") -> Agency:
    """The agency a request names by id, or a field error (422) when there is none. Whether the caller may act
    towards that agency is the service's decision, not this lookup's."""
    agency = Agency.objects.select_related("region").filter(pk=agency_id).first()
    if agency is None:
        raise ValidationError({field: "no agency has this id"})
    return agency


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def user_list(*, actor: Actor) -> QuerySet[User]:
    require(actor, "accounts.user.view", object_type="user")
    return (
        User.objects.select_related("agency")
        .prefetch_related("roles")
        .filter(scope_filter(actor, "accounts.user.view"))
        .order_by("username")
    )


def api_token_list(*, actor: Actor) -> QuerySet[ApiToken]:
    require(actor, "accounts.token.manage", object_type="api_token")
    return ApiToken.objects.select_related("agency", "created_by").filter(
        scope_filter(actor, "accounts.token.manage")
    )


def api_token_get(*, actor: Actor, token_id: int) -> ApiToken:
    return api_token_list(actor=actor).get(pk=token_id)


def user_get_for_management(*, actor: Actor, user_id: int) -> User:
    """A person the caller may manage (unlock, change roles); AccessDenied before anything is looked up."""
    require(actor, "accounts.user.manage", object_type="user", object_id=user_id)
    return User.objects.filter(scope_filter(actor, "accounts.user.manage")).get(pk=user_id)
