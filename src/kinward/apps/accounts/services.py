"""Writes about people, agencies, roles and API tokens. Each validates, writes and audits in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, ApiToken, Region, Role, User
from kinward.apps.accounts.roles import catalogue
from kinward.apps.audit.models import AuditEntry
from kinward.apps.audit.services import audit_record, require

TOKEN_PREFIX = "kw_"


def actor_for_user(user: User, *, client_address: str = "") -> Actor:
    """The acting identity of a signed-in person."""
    if not user.is_authenticated:
        return Actor(client_address=client_address)
    agency = user.agency
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        agency_id=agency.pk if agency else None,
        region_path=agency.region.path if agency else "",
        country=agency.country if agency else "",
        roles=user.role_codes(),
        client_address=client_address,
    )


def actor_for_token(token: ApiToken, *, client_address: str = "") -> Actor:
    return Actor(
        token_id=token.pk,
        username=f"token:{token.prefix}",
        agency_id=token.agency_id,
        region_path=token.agency.region.path,
        country=token.agency.country,
        token_actions=tuple(token.actions),
        client_address=client_address,
    )


# --- places and agencies -----------------------------------------------------------------------------------


def region_create(*, code: str, name: str, level: str, parent: Region | None, external_ref: str = "") -> Region:
    if level == Region.Level.COUNTRY and parent is not None:
        raise ValidationError({"parent": "a country has no parent region"})
    if level != Region.Level.COUNTRY and parent is None:
        raise ValidationError({"parent": f"a {level} needs a parent region"})
    country = code[:2].upper() if parent is None else parent.country
    path = code if parent is None else f"{parent.path}/{code}"
    return Region.objects.create(
        code=code, name=name, level=level, parent=parent, country=country, path=path, external_ref=external_ref
    )


def agency_create(*, name: str, kind: str, region: Region, external_ref: str = "") -> Agency:
    if kind not in Agency.Kind.values:
        raise ValidationError({"kind": f"unknown agency kind {kind!r}"})
    return Agency.objects.create(name=name, kind=kind, region=region, country=region.country, external_ref=external_ref)


def roles_sync() -> int:
    """Make the Role table match roles.yaml (new roles added, titles updated). Returns the number of roles."""
    for code, role in catalogue().roles.items():
        Role.objects.update_or_create(code=code, defaults={"title": role.title})
    return len(catalogue().roles)


# --- people ------------------------------------------------------------------------------------------------


def user_create(
    *, actor: Actor | None, username: str, password: str, agency: Agency, roles: list[str], email: str = ""
) -> User:
    """Create a person in an agency with roles. `actor` None is the system itself (demo, first admin)."""
    if actor is not None:
        require(actor, "accounts.user.manage", object_type="user")
    cat = catalogue()
    for code in roles:
        role = cat.roles.get(code)
        if role is None:
            raise ValidationError({"roles": f"unknown role {code!r}"})
        if role.agency_kinds and agency.kind not in role.agency_kinds:
            raise ValidationError({"roles": f"role {code} is not held in a {agency.get_kind_display()}"})
    user = User(username=username, email=email, agency=agency)
    password_validation.validate_password(password, user)
    with transaction.atomic():
        roles_sync()
        user.set_password(password)
        user.save()
        user.roles.set(Role.objects.filter(code__in=roles))
        if actor is not None:
            audit_record(actor=actor, action="accounts.user.manage", object_type="user", object_id=user.pk)
    return user


class LoginRefused(Exception):
    """Wrong credentials or a locked account; the message is the same for both kinds of wrong credentials."""


def login_attempt(*, username: str, password: str, client_address: str) -> User:
    """Check a sign-in. Counts failures and locks the account for a while after too many.

    The answer to a wrong username and a wrong password is the same, so sign-in does not reveal who has an
    account. Every refusal is audited.
    """
    anonymous = Actor(username=username[:150], client_address=client_address)
    user = User.objects.filter(username=username).select_related("agency__region").first()
    now = timezone.now()
    if user is not None and user.locked_until and user.locked_until > now:
        audit_record(actor=anonymous, action="accounts.login", object_type="user", object_id=user.pk,
                     outcome=AuditEntry.Outcome.DENIED)
        raise LoginRefused(_("This account is locked after repeated failed sign-ins. Try again later."))
    if user is None or not user.is_active or not user.check_password(password):
        if user is not None:
            with transaction.atomic():
                user.failed_logins += 1
                if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
                    user.locked_until = now + timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
                    user.failed_logins = 0
                user.save(update_fields=["failed_logins", "locked_until"])
        audit_record(actor=anonymous, action="accounts.login", object_type="user",
                     object_id=user.pk if user else "", outcome=AuditEntry.Outcome.DENIED)
        raise LoginRefused(_("The username or password is not right."))
    with transaction.atomic():
        user.failed_logins = 0
        user.locked_until = None
        user.last_login = now
        user.save(update_fields=["failed_logins", "locked_until", "last_login"])
        audit_record(actor=actor_for_user(user, client_address=client_address), action="accounts.login",
                     object_type="user", object_id=user.pk)
    return user


def logout_record(*, actor: Actor) -> None:
    audit_record(actor=actor, action="accounts.logout", object_type="user", object_id=actor.user_id)


def password_change(*, actor: Actor, user: User, old_password: str, new_password: str) -> None:
    require(actor, "account.password_change", object_type="user", object_id=user.pk)
    if actor.user_id != user.pk:
        raise ValidationError({"user": "people change only their own password"})
    if not user.check_password(old_password):
        audit_record(actor=actor, action="account.password_change", object_type="user", object_id=user.pk,
                     outcome=AuditEntry.Outcome.DENIED)
        raise ValidationError({"old_password": "the current password is not right"})
    password_validation.validate_password(new_password, user)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(actor=actor, action="account.password_change", object_type="user", object_id=user.pk)


def user_unlock(*, actor: Actor, user: User) -> None:
    require(actor, "accounts.user.manage", object_type="user", object_id=user.pk)
    with transaction.atomic():
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])
        audit_record(actor=actor, action="accounts.user.manage", object_type="user", object_id=user.pk)


# --- API tokens --------------------------------------------------------------------------------------------


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def api_token_issue(*, actor: Actor, name: str, agency: Agency, actions: list[str]) -> IssuedToken:
    """Issue a bearer token for a system client, limited to `actions` for `agency`. The secret is returned once."""
    require(actor, "accounts.token.manage", object_type="api_token")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "give the token a name that says which system uses it"})
    declared = catalogue().actions
    unknown = [a for a in actions if a not in declared]
    if unknown:
        raise ValidationError({"actions": f"unknown action(s): {', '.join(unknown)}"})
    if not actions:
        raise ValidationError({"actions": "choose at least one action the client may take"})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            agency=agency,
            actions=sorted(set(actions)),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            secret_hash=_hash_secret(secret),
            created_by_id=actor.user_id,
        )
        audit_record(actor=actor, action="accounts.token.manage", object_type="api_token", object_id=token.pk)
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    require(actor, "accounts.token.manage", object_type="api_token", object_id=token.pk)
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.revoked_by_id = actor.user_id
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(actor=actor, action="accounts.token.manage", object_type="api_token", object_id=token.pk)
    return token


def api_token_authenticate(*, secret: str, client_address: str) -> ApiToken | None:
    """The active token with this secret, with its last-used time updated; None (and an audit entry) if not."""
    token = (
        ApiToken.objects.select_related("agency__region").filter(secret_hash=_hash_secret(secret)).first()
        if secret.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None or token.revoked_at is not None:
        audit_record(
            actor=Actor(username="token:" + secret[: len(TOKEN_PREFIX) + 6], client_address=client_address),
            action="accounts.token.use",
            object_type="api_token",
            object_id=token.pk if token else "",
            outcome=AuditEntry.Outcome.DENIED,
        )
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(seconds=60):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # throttled: one write a minute at most
        token.last_used_at = now
    return token
