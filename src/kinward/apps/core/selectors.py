"""What needs a person's attention, for their home page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from kinward.apps.accounts.authz import Actor, authorize
from kinward.apps.accounts.models import ApiToken, User
from kinward.apps.accounts.roles import catalogue
from kinward.apps.audit.models import AuditEntry
from kinward.apps.core.models import Notification


@dataclass
class AttentionItem:
    title: str
    count: int
    link: str = ""


@dataclass
class HomePage:
    roles: list[dict]
    notifications: list[Notification]
    attention: list[AttentionItem] = field(default_factory=list)


def _reunification_attention(actor: Actor, attention: list[AttentionItem]) -> None:
    """Match proposals waiting at the step this person takes: lab review, safeguarding, or the decision."""
    from kinward.apps.reunification.models import MatchProposal
    from kinward.apps.reunification.selectors import match_queue

    steps = (
        ("reunification.match.review", MatchProposal.Status.PENDING_LAB_REVIEW, "DNA matches waiting for lab review"),
        ("reunification.safeguarding.assess", MatchProposal.Status.PENDING_SAFEGUARDING,
         "DNA matches waiting for a safeguarding assessment"),
        ("reunification.decide", MatchProposal.Status.PENDING_DECISION, "Reunifications waiting for your decision"),
    )
    for action, status, title in steps:
        if authorize(actor, action).allowed and authorize(actor, "reunification.match.view").allowed:
            attention.append(AttentionItem(title, match_queue(actor=actor, status=status).count(),
                                           "/reunification/matches/"))


def home_page(*, actor: Actor) -> HomePage:
    """The role-specific home page: notifications and the queues that wait for this person."""
    cat = catalogue()
    roles = [{"code": c, "title": cat.roles[c].title, "home": cat.roles[c].home} for c in actor.roles if c in cat.roles]
    notifications = list(Notification.objects.filter(recipient_id=actor.user_id, read_at__isnull=True)[:20])
    attention: list[AttentionItem] = []
    since = timezone.now() - timedelta(hours=24)
    if authorize(actor, "registry.birth.register").allowed:
        from kinward.apps.registry.selectors import notification_queue

        waiting = notification_queue(actor=actor).count()
        attention.append(AttentionItem("Birth notifications waiting for registration", waiting, "/registry/review/"))
    if authorize(actor, "cases.case.view").allowed:
        from kinward.apps.cases.selectors import deadlines

        due = deadlines(actor=actor)
        attention.append(AttentionItem("Referrals waiting for your agency's answer", len(due.answers_due),
                                       "/cases/deadlines/"))
        attention.append(AttentionItem("Follow-ups due within a week", len(due.follow_ups_due), "/cases/deadlines/"))
        if authorize(actor, "cases.case.close_approve").allowed:
            attention.append(AttentionItem("Case closures to approve", len(due.closures_to_approve),
                                           "/cases/deadlines/"))
    if authorize(actor, "alerts.alert.view").allowed:
        from kinward.apps.alerts.selectors import alert_queue

        queue = alert_queue(actor=actor, status="new")
        attention.append(AttentionItem("New red-flag alerts in your region", queue.count(), "/alerts/?status=new"))
        mine = alert_queue(actor=actor, status="in_review", assigned_to_me=True).count()
        attention.append(AttentionItem("Alerts you are reviewing", mine, "/alerts/?status=in_review&mine=1"))
    if authorize(actor, "tips.tip.triage").allowed:
        from kinward.apps.tips.selectors import tip_queue

        new_tips = tip_queue(actor=actor, status="new").count()
        attention.append(AttentionItem("New public tips to triage", new_tips, "/tips/triage/"))
    if authorize(actor, "watch.post.review").allowed:
        from kinward.apps.watch.selectors import post_queue

        attention.append(AttentionItem("Risky online posts waiting for review", post_queue(actor=actor).count(),
                                       "/watch/"))
    _reunification_attention(actor, attention)
    from kinward.apps.reporting.selectors import HOME_TITLES, home_counts

    for key, count in home_counts(actor=actor).items():
        attention.append(AttentionItem(HOME_TITLES[key][0], count, HOME_TITLES[key][1]))
    if authorize(actor, "audit.view").allowed:
        denied = AuditEntry.objects.filter(outcome=AuditEntry.Outcome.DENIED, at__gte=since).count()
        attention.append(AttentionItem("Denied attempts in the last 24 hours", denied, "/audit/?outcome=denied"))
    if authorize(actor, "accounts.user.manage").allowed:
        locked = User.objects.filter(locked_until__gt=timezone.now()).count()
        attention.append(AttentionItem("Accounts locked after failed sign-ins", locked, "/accounts/people/"))
    if authorize(actor, "accounts.token.manage").allowed:
        stale = ApiToken.objects.filter(revoked_at__isnull=True).exclude(
            last_used_at__gte=timezone.now() - timedelta(days=90)
        ).count()
        attention.append(AttentionItem("Active API tokens unused for 90 days", stale, "/accounts/tokens/"))
    if authorize(actor, "jobs.view").allowed:
        from django_tasks_db.models import DBTaskResult

        failed = DBTaskResult.objects.filter(status="FAILED", finished_at__gte=since).count()
        attention.append(AttentionItem("Background jobs failed in the last 24 hours", failed, "/jobs/"))
    return HomePage(roles=roles, notifications=notifications, attention=attention)
