"""Roles as data: load and check `roles.yaml`, the single source of who may do what."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ROLES_FILE = Path(__file__).with_name("roles.yaml")
SCOPES = ("own_agency", "region", "country", "any")


class RoleDataError(ValueError):
    """roles.yaml is malformed; the message names the role and the field."""


@dataclass(frozen=True)
class RoleDefinition:
    code: str
    title: str
    home: str
    agency_kinds: tuple[str, ...] | None
    grants: dict[str, tuple[str, ...]]  # scope -> actions

    def scopes_for(self, action: str) -> tuple[str, ...]:
        return tuple(scope for scope, actions in self.grants.items() if action in actions)


@dataclass(frozen=True)
class RoleCatalogue:
    actions: dict[str, str]
    roles: dict[str, RoleDefinition]


def parse_roles(text: str) -> RoleCatalogue:
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or set(data) != {"actions", "roles"}:
        raise RoleDataError("roles file must have exactly the keys 'actions' and 'roles'")
    actions = {str(k): str(v) for k, v in data["actions"].items()}
    roles: dict[str, RoleDefinition] = {}
    for code, body in data["roles"].items():
        unknown = set(body) - {"title", "agency_kinds", "home", "grants"}
        if unknown:
            raise RoleDataError(f"role {code}: unknown field(s) {sorted(unknown)}")
        grants: dict[str, tuple[str, ...]] = {}
        for scope, granted in (body.get("grants") or {}).items():
            if scope not in SCOPES:
                raise RoleDataError(f"role {code}: scope {scope!r} is not one of {SCOPES}")
            for action in granted:
                if action not in actions:
                    raise RoleDataError(f"role {code}: action {action!r} is not declared under 'actions'")
            grants[scope] = tuple(granted)
        kinds = body.get("agency_kinds")
        roles[code] = RoleDefinition(
            code=code,
            title=str(body["title"]),
            home=str(body.get("home", "")),
            agency_kinds=tuple(kinds) if kinds else None,
            grants=grants,
        )
    return RoleCatalogue(actions=actions, roles=roles)


@lru_cache(maxsize=1)
def catalogue() -> RoleCatalogue:
    return parse_roles(ROLES_FILE.read_text(encoding="utf-8"))


def render_roles_markdown(cat: RoleCatalogue | None = None) -> str:
    """The roles-and-permissions page of docs/, generated from the role data."""
    cat = cat or catalogue()
    codes = list(cat.roles)
    abbreviations = {"own_agency": "A", "region": "R", "country": "C", "any": "*"}
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `src/kinward/apps/accounts/roles.yaml` by `kinward docs roles`; do not edit by hand",
        "(a test fails when this page is stale).",
        "",
        "A cell shows the scope in which the role may take the action: **A** own agency, **R** the agency's region",
        "and the regions below it, **C** the agency's country, **\\*** everywhere. Empty: never.",
        "",
        "## Roles",
        "",
        "| role | title | agency kinds | home page shows |",
        "|---|---|---|---|",
    ]
    for code, role in cat.roles.items():
        kinds = ", ".join(role.agency_kinds) if role.agency_kinds else "any"
        lines.append(f"| `{code}` | {role.title} | {kinds} | {role.home} |")
    lines += ["", "## Actions", "", "| action | meaning | " + " | ".join(codes) + " |"]
    lines.append("|---|---|" + "---|" * len(codes))
    for action, meaning in cat.actions.items():
        cells = []
        for code in codes:
            scopes = cat.roles[code].scopes_for(action)
            cells.append(",".join(abbreviations[s] for s in scopes))
        lines.append(f"| `{action}` | {meaning} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
