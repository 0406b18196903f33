"""API: the queue of risky posts, one post with its reasons (audited), decisions, submissions, sources with
their statistics, polling, entities, and retraining."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from kinward.apps.accounts.selectors import agency_named
from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor
from kinward.apps.watch import selectors, services

router = Router(tags=["watch"])


class PostOut(Schema):
    id: int
    source_id: int
    platform: str
    url: str
    status: str
    label: str
    risk: bool
    score: float | None
    lang: str
    route_to_help: bool
    model_version: str
    received_at: datetime
    reasons: list[str]


class HighlightOut(Schema):
    start: int
    end: int
    kind: str
    note: str


class EntityRefOut(Schema):
    id: int
    type: str
    value: str
    raw: str


class DecisionOut(Schema):
    outcome: str
    label: str
    reason: str
    note: str
    route_target: str
    decided_by_id: int
    decided_at: datetime


class PostDetailOut(PostOut):
    text: str
    highlights: list[HighlightOut]
    prices: list[dict]
    entities: list[EntityRefOut]
    decisions: list[DecisionOut]
    has_screenshot: bool
    case_reference: str | None


class QueueFilter(Schema):
    status: str = "awaiting_review"
    label: str = ""
    lang: str = ""
    source_id: int | None = None


class DecisionIn(StrictSchema):
    outcome: Literal["confirmed", "dismissed", "needs_help"]
    reason: str
    label: str = ""
    note: str = ""


class PostCaseIn(StrictSchema):
    agency_id: int
    reason: str
    note: str = ""
    given_name: str = ""
    sex: Literal["female", "male", "unknown"] = "unknown"
    age_estimate_years: int | None = None


class CaseOpenedOut(Schema):
    case_reference: str
    agency_id: int
    origin: Literal["tip", "post"]
    origin_id: int


class SubmissionIn(StrictSchema):
    text: str
    url: str = ""
    platform: str = ""


class SourceIn(StrictSchema):
    name: str
    url: str
    platform: str = ""
    poll_minutes: int = 30


class SourceOut(Schema):
    id: int
    name: str
    kind: str
    url: str
    platform: str
    agency_id: int
    is_active: bool
    poll_minutes: int
    posts: int
    risky: int
    awaiting_review: int
    risky_share: float | None
    posts_seen: int
    last_polled_at: datetime | None
    last_success_at: datetime | None
    last_error: str
    consecutive_failures: int
    next_attempt_at: datetime | None


class PollOut(Schema):
    source_id: int
    ok: bool
    created: int
    duplicates: int
    error: str


class LinkedRecordOut(Schema):
    app: str
    model: str
    count: int
    refs: list[str]


class EntityOut(Schema):
    id: int
    type: str
    value: str
    seen_as: list[str]
    platforms: list[str]
    post_ids: list[int]
    clusters: list[list[int]]
    linked_records: list[LinkedRecordOut]


class ModelVersionOut(Schema):
    version: str
    parent_version: str
    n_examples: int
    n_decisions: int
    is_active: bool
    created_at: datetime


def _detail(post) -> dict:
    out = PostOut.from_orm(post).dict()
    out.update(
        text=post.text,
        prices=post.prices,
        has_screenshot=bool(post.screenshot),
        highlights=[{"start": s, "end": e, "kind": k, "note": n} for s, e, k, n in post.highlights],
        entities=[
            {"id": pe.entity_id, "type": pe.entity.type, "value": pe.entity.value, "raw": pe.raw}
            for pe in post.post_entities.select_related("entity")
        ],
        decisions=list(selectors.post_decisions(post)),
        case_reference=(origin.case.reference if (origin := selectors.post_case(post)) else None),
    )
    return out


def _source_out(stats) -> dict:
    source = stats.source
    return {
        **{
            f: getattr(source, f)
            for f in (
                "id",
                "name",
                "kind",
                "url",
                "platform",
                "agency_id",
                "is_active",
                "poll_minutes",
                "posts_seen",
                "last_polled_at",
                "last_success_at",
                "last_error",
                "consecutive_failures",
                "next_attempt_at",
            )
        },
        "posts": stats.posts,
        "risky": stats.risky,
        "awaiting_review": stats.awaiting,
        "risky_share": stats.risky_share,
    }


@router.get(
    "/posts", response=list[PostOut], summary="Posts in the caller's region (default: waiting for review)"
)
@paginate(Pagination)
def post_list(request: HttpRequest, filters: Query[QueueFilter]):
    return selectors.post_queue(
        actor=request_actor(request),
        status=filters.status,
        label=filters.label,
        lang=filters.lang,
        source_id=filters.source_id,
    )


@router.post(
    "/posts",
    response={201: PostDetailOut, 200: PostDetailOut},
    summary="Submit a post seen online (classified at once; an already held text is returned)",
)
def post_submit(request: HttpRequest, payload: SubmissionIn):
    actor = request_actor(request)
    result = services.post_submit(actor=actor, text=payload.text, url=payload.url, platform=payload.platform)
    return Status((201 if result.created else 200), _detail(result.post))


@router.get(
    "/posts/{post_id}", response=PostDetailOut, summary="One post with its reasons and highlights (audited)"
)
def post_detail(request: HttpRequest, post_id: int):
    return _detail(selectors.post_open(actor=request_actor(request), post_id=post_id))


@router.post("/posts/{post_id}/decision", response=PostDetailOut, summary="Record an analyst's decision")
def post_decide(request: HttpRequest, post_id: int, payload: DecisionIn):
    actor = request_actor(request)
    post = selectors.post_open(actor=actor, post_id=post_id)
    services.post_decide(
        actor=actor,
        post=post,
        outcome=payload.outcome,
        label=payload.label,
        reason=payload.reason,
        note=payload.note,
    )
    return _detail(post)


@router.post(
    "/posts/{post_id}/case",
    response={201: CaseOpenedOut},
    summary="Needs help: open a case at a child-protection agency directly from the post (once per post)",
)
def post_open_case(request: HttpRequest, post_id: int, payload: PostCaseIn):
    actor = request_actor(request)
    post = selectors.post_open(actor=actor, post_id=post_id)
    agency = agency_named(payload.agency_id)
    decision = services.post_decide(
        actor=actor,
        post=post,
        outcome="needs_help",
        reason=payload.reason,
        note=payload.note,
        route=services.ROUTE_CASE,
        agency=agency,
        child={
            "given_name": payload.given_name,
            "sex": payload.sex,
            "age_estimate_years": payload.age_estimate_years,
        },
    )
    reference = decision.route_target.split(":", 1)[1]
    return Status(
        201, {"case_reference": reference, "agency_id": agency.pk, "origin": "post", "origin_id": post.pk}
    )


@router.get(
    "/sources", response=list[SourceOut], summary="Sources in the caller's region with statistics and errors"
)
def source_list(request: HttpRequest):
    return [_source_out(s) for s in selectors.source_statistics(actor=request_actor(request))]


@router.post("/sources", response={201: SourceOut}, summary="Add a feed (RSS 2.0, Atom or JSON Feed)")
def source_create(request: HttpRequest, payload: SourceIn):
    actor = request_actor(request)
    source = services.source_create(
        actor=actor,
        name=payload.name,
        url=payload.url,
        platform=payload.platform,
        poll_minutes=payload.poll_minutes,
    )
    return Status(201, _source_out(selectors.SourceStats(source, 0, 0, 0)))


@router.post("/sources/{source_id}/poll", response=PollOut, summary="Poll a feed now")
def source_poll(request: HttpRequest, source_id: int):
    actor = request_actor(request)
    source = selectors.source_get(actor=actor, source_id=source_id)
    return services.source_poll_now(actor=actor, source=source).__dict__


@router.get(
    "/entities/{entity_id}",
    response=EntityOut,
    summary="An identifier with its posts, their near-duplicate clusters and linked records (audited)",
)
def entity_detail(request: HttpRequest, entity_id: int):
    page = selectors.entity_open(actor=request_actor(request), entity_id=entity_id)
    return {
        "id": page.entity.pk,
        "type": page.entity.type,
        "value": page.entity.value,
        "seen_as": sorted({e.type for e in page.same_value}),
        "platforms": page.platforms,
        "post_ids": [p.pk for p in page.posts],
        "clusters": [[p.pk for p in c] for c in page.clusters],
        "linked_records": page.records,
    }


@router.get("/models", response=list[ModelVersionOut], summary="Classifier versions retrained from decisions")
def model_list(request: HttpRequest):
    return list(selectors.model_versions(actor=request_actor(request)))


@router.post(
    "/models/retrain",
    response={201: ModelVersionOut},
    summary="Retrain the classifier from analysts' decisions and activate the new version",
)
def model_retrain(request: HttpRequest):
    return Status(201, services.model_retrain(actor=request_actor(request)))
