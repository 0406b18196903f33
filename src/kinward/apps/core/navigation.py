"""Role-aware navigation: an entry shows only to people whose roles grant its action."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.authz import Actor, authorize


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    action: str | None  # None: everyone signed in


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry(_("Home"), "core:home", None),
    NavEntry(_("Alerts"), "alerts:queue", "alerts.alert.view"),
    NavEntry(_("Rule precision"), "alerts:precision", "alerts.precision.view"),
    NavEntry(_("Online posts"), "watch:queue", "watch.post.review"),
    NavEntry(_("Tips"), "tips:triage", "tips.tip.triage"),
    NavEntry(_("My cases"), "cases:list", "cases.case.view"),
    NavEntry(_("My deadlines"), "cases:deadlines", "cases.case.view"),
    NavEntry(_("Referrals"), "cases:referrals", "cases.case.view"),
    NavEntry(_("Tracing requests"), "reunification:tracing_list", "reunification.tracing.manage"),
    NavEntry(_("Rescued children"), "reunification:children", "reunification.tracing.manage"),
    NavEntry(_("DNA samples"), "reunification:samples", "dna.sample.manage"),
    NavEntry(_("Match proposals"), "reunification:matches", "reunification.match.view"),
    NavEntry(_("Audit trail"), "audit:search", "audit.view"),
    NavEntry(_("People"), "accounts:people", "accounts.user.view"),
    NavEntry(_("API tokens"), "accounts:tokens", "accounts.token.manage"),
    NavEntry(_("Background jobs"), "jobs:list", "jobs.view"),
    NavEntry(_("Notify a birth"), "registry:birth_notify", "registry.birth.notify"),
    NavEntry(_("Pregnancies"), "registry:pregnancies", "registry.pregnancy.view"),
    NavEntry(_("Find a child"), "registry:find", "registry.birth.view"),
    NavEntry(_("Births to register"), "registry:review", "registry.birth.register"),
    NavEntry(_("Report an abandoned newborn"), "reporting:file", "reporting.abandonment.report"),
    NavEntry(_("Abandonment reports"), "reporting:reports", "reporting.report.view"),
    NavEntry(_("Overdue reports"), "reporting:dashboard", "reporting.overdue.view"),
    NavEntry(_("Penalty proceedings"), "reporting:penalties", "reporting.penalty.decide"),
    NavEntry(_("Transparency log"), "registry:transparency", None),
    NavEntry(_("Check a birth certificate"), "registry:verify", None),
    NavEntry(_("API documentation"), "api:openapi-view", None),
)


def entries_for(actor: Actor) -> list[dict]:
    if actor.is_anonymous:
        return []
    return [
        {"label": entry.label, "url": reverse(entry.url_name)}
        for entry in NAVIGATION
        if entry.action is None or authorize(actor, entry.action).allowed
    ]
