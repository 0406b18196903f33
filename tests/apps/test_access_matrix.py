"""Who may open what: every page and every API route, visited as every persona, against a declared table.

A new page or route without an entry in ACCESS makes `test_every_route_is_declared` fail, so nobody can add one
without saying who may use it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kinward.config.api import api
from tests import factories as f
from tests.conftest import PERSONA_ROLES, actor_of

PERSONAS = ("anonymous", *PERSONA_ROLES, "token", "revoked_token")
SIGNED_IN = frozenset(PERSONA_ROLES)
EVERYONE = frozenset(PERSONAS)
NOBODY: frozenset[str] = frozenset()

# route key: (method, path builder, personas allowed, status when allowed)
ACCESS = {
    # pages
    "core:home": ("GET", lambda w: reverse("core:home"), SIGNED_IN, 200),
    "core:login": ("GET", lambda w: reverse("core:login"), EVERYONE, 200),
    "core:logout": ("POST", lambda w: reverse("core:logout"), EVERYONE, 302),
    "core:password_change": ("GET", lambda w: reverse("core:password_change"), SIGNED_IN, 200),
    "core:health": ("GET", lambda w: reverse("core:health"), EVERYONE, 200),
    "set_language": ("POST", lambda w: reverse("set_language"), EVERYONE, 302),
    "audit:search": ("GET", lambda w: reverse("audit:search"), {"auditor"}, 200),
    "audit:export": ("GET", lambda w: reverse("audit:export"), {"auditor"}, 200),
    "accounts:tokens": ("GET", lambda w: reverse("accounts:tokens"), {"admin"}, 200),
    "accounts:token_revoke": ("POST", lambda w: reverse("accounts:token_revoke", args=[w.fresh_token().pk]),
                              {"admin"}, 302),
    "accounts:people": ("GET", lambda w: reverse("accounts:people"),
                        {"facility_supervisor", "case_supervisor", "auditor", "admin"}, 200),
    "accounts:person_unlock": ("POST", lambda w: reverse("accounts:person_unlock", args=[w.people["clerk"].pk]),
                               {"admin"}, 302),
    "jobs:list": ("GET", lambda w: reverse("jobs:list"), {"auditor", "admin"}, 200),
    "api:openapi-json": ("GET", lambda w: reverse("api:openapi-json"), EVERYONE, 200),
    "api:openapi-view": ("GET", lambda w: reverse("api:openapi-view"), EVERYONE, 200),
    "alerts:queue": ("GET", lambda w: reverse("alerts:queue"), {"analyst"}, 200),
    "alerts:precision": ("GET", lambda w: reverse("alerts:precision"), {"analyst", "case_supervisor"}, 200),
    "alerts:detail": ("GET", lambda w: reverse("alerts:detail", args=[w.fresh_alert().pk]), {"analyst"}, 200),
    "alerts:decide": ("POST", lambda w: reverse("alerts:decide", args=[w.fresh_alert().pk]), {"analyst"}, 302),
    # API
    "GET /api/v1/accounts/me": ("GET", lambda w: "/api/v1/accounts/me", SIGNED_IN | {"token"}, 200),
    "GET /api/v1/accounts/agencies": ("GET", lambda w: "/api/v1/accounts/agencies",
                                      {"registrar", "analyst", "auditor", "admin"}, 200),
    "GET /api/v1/accounts/tokens": ("GET", lambda w: "/api/v1/accounts/tokens", {"admin"}, 200),
    "POST /api/v1/accounts/tokens": ("POST", lambda w: "/api/v1/accounts/tokens", {"admin"}, 201),
    "POST /api/v1/accounts/tokens/{token_id}/revoke": (
        "POST", lambda w: f"/api/v1/accounts/tokens/{w.fresh_token().pk}/revoke", {"admin"}, 200),
    "GET /api/v1/audit/entries": ("GET", lambda w: "/api/v1/audit/entries", {"auditor"}, 200),
    "GET /api/v1/audit/verify": ("GET", lambda w: "/api/v1/audit/verify", {"auditor", "admin"}, 200),
    "GET /api/v1/alerts/": ("GET", lambda w: "/api/v1/alerts/", {"analyst"}, 200),
    "GET /api/v1/alerts/{alert_id}": ("GET", lambda w: f"/api/v1/alerts/{w.fresh_alert().pk}", {"analyst"}, 200),
    "POST /api/v1/alerts/{alert_id}/decision": (
        "POST", lambda w: f"/api/v1/alerts/{w.fresh_alert().pk}/decision", {"analyst"}, 200),
}

POST_BODIES = {
    "alerts:decide": lambda w: {"decision": "review"},
    "POST /api/v1/alerts/{alert_id}/decision": lambda w: {"decision": "review"},
    "POST /api/v1/accounts/tokens": lambda w: {"name": "HIS", "agency_id": w.hospital.pk,
                                               "actions": ["registry.birth.notify"]},
    "set_language": lambda w: {"language": "id", "next": "/"},
}


def _page_names(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _page_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def discovered_routes() -> set[str]:
    pages = {name for name in _page_names(get_resolver().url_patterns)
             if not name.startswith("api:") or name.startswith("api:openapi")}
    schema = api.get_openapi_schema()
    operations = {f"{method.upper()} {path}" for path, methods in schema["paths"].items() for method in methods}
    return pages | operations


def test_every_route_is_declared():
    discovered = discovered_routes()
    assert discovered - set(ACCESS) == set(), "routes without an access entry"
    assert set(ACCESS) - discovered == set(), "access entries for routes that do not exist"


def fresh_alert(world):
    """A new alert about the west hospital (inside the west analyst's region)."""
    from django.utils import timezone

    from kinward.apps.alerts.models import Alert

    number = Alert.objects.count() + 1
    return Alert.objects.create(alert_key=f"A-matrix-{number}", rule="non_guardian_discharge", rule_version=1,
                                source="matrix", subject_type="custody_events", subject_ref=f"E-{number}",
                                reason="test", agency=world.hospital, last_seen_at=timezone.now())


def client_for(world, persona: str) -> tuple[Client, dict]:
    client = Client()
    if persona in PERSONA_ROLES:
        client.force_login(world.people[persona])
        return client, {}
    if persona in ("token", "revoked_token"):
        issued = f.token(actor_of(world.people["admin"]), world.hospital, ["registry.birth.notify"])
        if persona == "revoked_token":
            from kinward.apps.accounts.services import api_token_revoke

            api_token_revoke(actor=actor_of(world.people["admin"]), token=issued.token)
        return client, {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    return client, {}


def expected_denial(route: str, persona: str) -> int:
    is_api = route.startswith(("GET /api", "POST /api"))
    if persona in ("anonymous", "revoked_token") or (persona == "token" and not is_api):
        return 401 if is_api else 302
    return 403


@pytest.mark.parametrize("route", sorted(ACCESS))
def test_each_persona_gets_the_declared_answer(world, route):
    method, build_path, allowed, ok_status = ACCESS[route]
    world.fresh_token = lambda: f.token(actor_of(world.people["admin"]), world.hospital,
                                        ["registry.birth.notify"]).token
    world.fresh_alert = lambda: fresh_alert(world)
    mismatches = []
    for persona in PERSONAS:
        client, headers = client_for(world, persona)
        path = build_path(world)
        if method == "GET":
            response = client.get(path, **headers)
        else:
            body = POST_BODIES.get(route, lambda w: {})(world)
            if route.startswith("POST /api"):
                response = client.post(path, data=body, content_type="application/json", **headers)
            else:
                response = client.post(path, data=body, **headers)
        expected = ok_status if persona in allowed else expected_denial(route, persona)
        if response.status_code != expected:
            mismatches.append(f"{persona}: got {response.status_code}, declared {expected}")
    assert mismatches == []
