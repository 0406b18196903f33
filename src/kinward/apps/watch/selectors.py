"""Reads about online posts, scoped to the analyst's region (the agency that holds each post's source); every
opening of a post or an entity page is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import DatabaseError
from django.db.models import Count, Max, Q, QuerySet

from kinward.apps.accounts.authz import Actor, authorize, scope_filter
from kinward.apps.audit.services import audit_record, require
from kinward.apps.watch.models import Decision, Entity, ModelVersion, Post, Source

REVIEW = "watch.post.review"


def post_queue(
    *,
    actor: Actor,
    status: str = "awaiting_review",
    label: str = "",
    lang: str = "",
    source_id: int | None = None,
) -> QuerySet[Post]:
    """Posts the analyst may see, riskiest first. `status`: a post status, "risky" (every post the classifier
    flagged) or "" (all)."""
    require(actor, REVIEW, object_type="watch_post")
    posts = Post.objects.select_related("source", "agency").filter(scope_filter(actor, REVIEW))
    if status == "risky":
        posts = posts.filter(risk=True)
    elif status:
        posts = posts.filter(status=status)
    if label:
        posts = posts.filter(label=label)
    if lang:
        posts = posts.filter(lang=lang)
    if source_id:
        posts = posts.filter(source_id=source_id)
    return posts


def post_open(*, actor: Actor, post_id: int) -> Post:
    """One post with its verdict and reasons: audited; refused (and the refusal audited) outside the scope."""
    post = Post.objects.select_related("agency__region", "source").get(pk=post_id)
    require(actor, REVIEW, post, object_type="watch_post", object_id=post.pk)
    audit_record(actor=actor, action="watch.post.view", object_type="watch_post", object_id=post.pk)
    return post


def post_case(post: Post):
    """The case opened from this post (its CaseOrigin with the case and its agency), or None; the analyst sees
    its reference only, not the case."""
    from kinward.apps.cases.models import CaseOrigin

    return CaseOrigin.objects.select_related("case__agency").filter(post_id=post.pk).first()


def post_decisions(post: Post) -> QuerySet[Decision]:
    return post.decisions.select_related("decided_by")


def post_screenshot(*, actor: Actor, post_id: int) -> Post:
    """The post whose screenshot is to be shown (audited as its own read)."""
    post = Post.objects.select_related("agency__region").get(pk=post_id)
    require(actor, REVIEW, post, object_type="watch_post", object_id=post.pk)
    if not post.screenshot:
        raise Post.DoesNotExist("no screenshot")
    audit_record(
        actor=actor, action="watch.post.screenshot_view", object_type="watch_post", object_id=post.pk
    )
    return post


@dataclass
class EntityPage:
    entity: Entity
    same_value: list[Entity]
    posts: list[Post]
    clusters: list[list[Post]]
    co_entities: list[tuple[Entity, int]]
    records: list[dict] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)


def entity_open(*, actor: Actor, entity_id: int) -> EntityPage:
    """An entity (a phone, a handle ...) with every post behind it that the analyst may see — under any type
    carrying the same value (a number seen as phone and as WhatsApp) — the near-duplicate clusters of those
    posts (template ads), the other identifiers in them, and the registry, tip and case records holding the
    same phone number (identifiers only, and only where the analyst's role lets them see those records)."""
    from kinward.engines.textwatch import near_duplicate_clusters

    require(actor, REVIEW, object_type="watch_entity", object_id=entity_id)
    entity = Entity.objects.get(pk=entity_id)
    audit_record(actor=actor, action="watch.entity.view", object_type="watch_entity", object_id=entity.pk)
    same_value = list(Entity.objects.filter(value=entity.value))
    posts = list(
        Post.objects.filter(scope_filter(actor, REVIEW), entities__in=same_value)
        .distinct()
        .select_related("source")
        .order_by("-score", "pk")
    )
    clusters: list[list[Post]] = []
    if posts:
        ids = near_duplicate_clusters([p.text for p in posts], threshold=0.5)
        grouped: dict[int, list[Post]] = {}
        for post, cluster in zip(posts, ids.tolist(), strict=True):
            grouped.setdefault(cluster, []).append(post)
        clusters = sorted(grouped.values(), key=len, reverse=True)
    co = (
        Entity.objects.filter(post_entities__post__in=posts)
        .exclude(value=entity.value)
        .annotate(n=Count("post_entities__post", distinct=True))
        .order_by("-n", "type", "value")
    )
    return EntityPage(
        entity=entity,
        same_value=same_value,
        posts=posts,
        clusters=clusters,
        co_entities=[(e, e.n) for e in co[:50]],
        records=linked_records(actor=actor, entity=entity),
        platforms=sorted({p.platform for p in posts if p.platform}),
    )


# Apps built beside this one may hold the same phone number; they are looked up only if they exist, by any
# text field named like a phone, and shown only to people whose role lets them see that app's records.
_LINKED_APPS = (
    ("registry", "registry.birth.view"),
    ("tips", "tips.tip.triage"),
    ("cases", "cases.case.view"),
)


def linked_records(*, actor: Actor, entity: Entity) -> list[dict]:
    """Records of the registry, tips and cases holding this entity's phone number: app, model, count and up to
    ten identifiers."""
    phone = entity.phone_value
    if not phone:
        return []
    found = []
    for app_label, action in _LINKED_APPS:
        if not apps.is_installed(f"kinward.apps.{app_label}") or not authorize(actor, action).allowed:
            continue
        for model in apps.get_app_config(app_label).get_models():
            fields = [
                f.name
                for f in model._meta.get_fields()
                if "phone" in f.name and getattr(f, "get_internal_type", lambda: "")() == "CharField"
            ]
            if not fields:
                continue
            condition = Q()
            for name in fields:
                condition |= Q(**{name: phone})
            try:
                matches = model.objects.filter(condition)
                count = matches.count()
                refs = [str(r) for r in matches.values_list(_ref_field(model), flat=True)[:10]]
            except (DatabaseError, FieldError, TypeError, ValueError):  # a field we cannot compare: skip it
                continue
            if count:
                found.append(
                    {"app": app_label, "model": model._meta.model_name, "count": count, "refs": refs}
                )
    return found


def _ref_field(model) -> str:
    names = {f.name for f in model._meta.get_fields()}
    for candidate in ("external_ref", "reference", "ref"):
        if candidate in names:
            return candidate
    return "pk"


def entity_for(*, actor: Actor, type: str, value: str) -> Entity:
    require(actor, REVIEW, object_type="watch_entity")
    return Entity.objects.get(type=type, value=value)


@dataclass(frozen=True)
class SourceStats:
    source: Source
    posts: int
    risky: int
    awaiting: int

    @property
    def risky_share(self) -> float | None:
        return self.risky / self.posts if self.posts else None


def source_statistics(*, actor: Actor) -> list[SourceStats]:
    """Per source the analyst may see: posts, risky share, posts waiting, errors and the last poll."""
    require(actor, REVIEW, object_type="watch_source")
    sources = (
        Source.objects.select_related("agency")
        .filter(scope_filter(actor, REVIEW))
        .annotate(
            n_posts=Count("posts"),
            n_risky=Count("posts", filter=Q(posts__risk=True)),
            n_awaiting=Count("posts", filter=Q(posts__status=Post.Status.AWAITING_REVIEW)),
            newest=Max("posts__received_at"),
        )
    )
    return [SourceStats(s, s.n_posts, s.n_risky, s.n_awaiting) for s in sources]


def source_get(*, actor: Actor, source_id: int) -> Source:
    source = Source.objects.select_related("agency__region").get(pk=source_id)
    require(actor, REVIEW, source, object_type="watch_source", object_id=source.pk)
    return source


def model_versions(*, actor: Actor) -> QuerySet[ModelVersion]:
    require(actor, REVIEW, object_type="watch_model")
    return ModelVersion.objects.all()
