"""Writes about online posts: sources and their polling, imports and analysts' submissions, classification,
analysts' decisions, retraining from those decisions, and the retention of benign posts.

Nothing here acts on a post by itself: the classifier only queues risky posts for a person, who decides.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.watch.feeds import FeedError, FeedItem, feed_url_check, fetch, parse_feed
from kinward.apps.watch.importers import PostRecord, read_post_file
from kinward.apps.watch.models import Decision, Entity, ModelVersion, Post, PostEntity, Sighting, Source

WATCH_SYSTEM = Actor(username="system:watch")
RETRY_BASE_SECONDS = 60  # first retry a minute after a failure, then 2, 4, 8 ... minutes
RETRY_MAX_SECONDS = 6 * 60 * 60
ROUTE_TARGET_SUPPORT = "support"
ROUTE_TIP, ROUTE_CASE = "tip", "case"  # where a needs-help post goes: the tip queue, or a case directly
_SPACE_RE = re.compile(r"\s+")


def setting(name: str, default):
    return getattr(settings, name, default)


def text_hash(text: str) -> str:
    """SHA-256 of the post's normalised text (the engine's de-obfuscation, lower case, spaces collapsed), so
    that reposts differing only in case, spacing or look-alike characters are one post."""
    from kinward.engines.textwatch import normalize

    return hashlib.sha256(_SPACE_RE.sub(" ", normalize(text).text).strip().encode("utf-8")).hexdigest()


# --- sources -----------------------------------------------------------------------------------------------


def source_create(*, actor: Actor, name: str, url: str, platform: str = "", poll_minutes: int = 30) -> Source:
    """A feed (RSS 2.0, Atom or JSON Feed) held by the caller's agency, polled every `poll_minutes`."""
    require(actor, "watch.source.manage", object_type="watch_source")
    name, url = (name or "").strip(), (url or "").strip()
    errors = {}
    if not name:
        errors["name"] = "give the source a name"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        errors["url"] = "give the feed's http:// or https:// address"
    else:
        try:
            feed_url_check(url)
        except FeedError as refused:
            errors["url"] = str(refused)
    if not 1 <= int(poll_minutes) <= 7 * 24 * 60:
        errors["poll_minutes"] = "between 1 minute and 7 days"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        source = Source.objects.create(
            name=name[:200],
            kind=Source.Kind.FEED,
            url=url,
            platform=platform[:100],
            agency_id=actor.agency_id,
            poll_minutes=poll_minutes,
        )
        audit_record(
            actor=actor, action="watch.source.create", object_type="watch_source", object_id=source.pk
        )
    return source


def _own_source(agency: Agency | int, kind: str, name: str) -> Source:
    agency_id = agency if isinstance(agency, int) else agency.pk
    source, _ = Source.objects.get_or_create(agency_id=agency_id, kind=kind, name=name[:200])
    return source


# --- storing posts -----------------------------------------------------------------------------------------


@dataclass
class StoreReport:
    created: list[Post] = field(default_factory=list)
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


def posts_store(
    *,
    actor: Actor,
    source: Source,
    records: list[PostRecord],
    submitted_by_id: int | None = None,
    max_chars: int | None = None,
) -> StoreReport:
    """Store new posts of `source`, skipping what is already stored: the same source item (source + its id),
    or the same normalised text held by the same agency (then only the new sighting is recorded). Records
    longer than the limit are skipped and named. Posts are stored unclassified; call `posts_classify`."""
    max_chars = max_chars or setting("WATCH_POST_MAX_CHARS", 20000)
    report = StoreReport()
    with transaction.atomic():
        for record in records:
            if len(record.text) > max_chars:
                report.skipped.append(
                    f"item {record.external_id or '(no id)'} has {len(record.text)} characters, "
                    f"more than the limit of {max_chars}"
                )
                continue
            if not record.text.strip():
                report.skipped.append(f"item {record.external_id or '(no id)'} has no text")
                continue
            if (
                record.external_id
                and Sighting.objects.filter(source=source, external_id=record.external_id).exists()
            ):
                report.duplicates += 1
                continue
            digest = text_hash(record.text)
            post = Post.objects.filter(agency_id=source.agency_id, text_hash=digest).first()
            if post is not None:
                Sighting.objects.create(
                    post=post, source=source, external_id=record.external_id, url=record.url
                )
                report.duplicates += 1
                continue
            post = Post.objects.create(
                agency_id=source.agency_id,
                source=source,
                external_id=record.external_id,
                url=record.url,
                platform=record.platform or source.platform,
                lang_hint=record.lang,
                text=record.text,
                text_hash=digest,
                published_at=_aware(record.published_at),
                submitted_by_id=submitted_by_id,
            )
            Sighting.objects.create(post=post, source=source, external_id=record.external_id, url=record.url)
            audit_record(actor=actor, action="watch.post.create", object_type="watch_post", object_id=post.pk)
            report.created.append(post)
        Source.objects.filter(pk=source.pk).update(posts_seen=F("posts_seen") + len(records))
    return report


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and timezone.is_naive(moment):
        return timezone.make_aware(moment, timezone.utc)
    return moment


@dataclass(frozen=True)
class ImportReport:
    source_id: int
    read: int
    created: int
    duplicates: int
    risky: int


def posts_import_file(*, actor: Actor, filename: str, content: bytes, platform: str = "") -> ImportReport:
    """Import a JSONL or CSV file of posts into the caller's agency (source "File import: <name>") and classify
    the new ones. The file is refused whole, naming the line, when any record is bad."""
    require(actor, "watch.source.manage", object_type="watch_source")
    records = read_post_file(filename, content, max_chars=setting("WATCH_POST_MAX_CHARS", 20000))
    return _import_records(
        actor=actor,
        agency_id=actor.agency_id,
        name=f"File import: {Path(filename).name}",
        records=records,
        platform=platform,
    )


def _import_records(
    *, actor: Actor, agency_id: int, name: str, records: list[PostRecord], platform: str = ""
) -> ImportReport:
    source = _own_source(agency_id, Source.Kind.FILE, name)
    if platform and not source.platform:
        source.platform = platform[:100]
        source.save(update_fields=["platform"])
    stored = posts_store(actor=actor, source=source, records=records)
    if stored.skipped:
        raise ValidationError({"file": "; ".join(stored.skipped[:5])})
    posts_classify(posts=stored.created)
    now = timezone.now()
    Source.objects.filter(pk=source.pk).update(last_polled_at=now, last_success_at=now)
    return ImportReport(
        source_id=source.pk,
        read=len(records),
        created=len(stored.created),
        duplicates=stored.duplicates,
        risky=sum(p.risk for p in stored.created),
    )


# --- analysts' submissions ---------------------------------------------------------------------------------

SCREENSHOT_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def screenshot_check(content: bytes) -> str:
    """The file extension of a screenshot that is a PNG, JPEG or WebP image within the size limit; else a
    ValidationError naming the problem."""
    limit = setting("WATCH_SCREENSHOT_MAX_BYTES", 2 * 1024 * 1024)
    if len(content) > limit:
        raise ValidationError(
            {"screenshot": f"the image is {len(content)} bytes, more than the limit of {limit}"}
        )
    from io import BytesIO

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(BytesIO(content)) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError({"screenshot": "not a readable image: send a PNG, JPEG or WebP file"}) from None
    if kind not in SCREENSHOT_FORMATS:
        raise ValidationError(
            {"screenshot": f"{kind} images are not accepted: send a PNG, JPEG or WebP file"}
        )
    return SCREENSHOT_FORMATS[kind]


@dataclass(frozen=True)
class Submission:
    post: Post
    created: bool


def post_submit(
    *, actor: Actor, text: str, url: str = "", platform: str = "", screenshot: bytes | None = None
) -> Submission:
    """An analyst submits a post seen online (its text, address and optionally a screenshot). It is classified
    like any other; a text already held by the agency is not stored twice (the existing post is returned)."""
    require(actor, "watch.post.review", object_type="watch_post")
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "paste the post's text"
    elif len(text) > setting("WATCH_POST_MAX_CHARS", 20000):
        errors["text"] = f"at most {setting('WATCH_POST_MAX_CHARS', 20000)} characters"
    url = (url or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = "give the post's http:// or https:// address, or leave it empty"
    extension = None
    if screenshot:
        try:
            extension = screenshot_check(screenshot)
        except ValidationError as invalid:
            errors.update(invalid.message_dict)
    if errors:
        raise ValidationError(errors)
    source = _own_source(actor.agency_id, Source.Kind.MANUAL, "Analysts' submissions")
    record = PostRecord(external_id=f"manual-{uuid.uuid4().hex}", text=text, url=url, platform=platform)
    with transaction.atomic():
        stored = posts_store(actor=actor, source=source, records=[record], submitted_by_id=actor.user_id)
        if not stored.created:
            return Submission(Post.objects.get(agency_id=actor.agency_id, text_hash=text_hash(text)), False)
        post = stored.created[0]
        if extension:
            post.screenshot.save(f"{uuid.uuid4().hex}.{extension}", ContentFile(screenshot), save=True)
    posts_classify(posts=[post])
    post.refresh_from_db()
    return Submission(post, True)


# --- classification ----------------------------------------------------------------------------------------


def active_model():
    """The classifier in use: the active retrained version, else the engine's shipped model."""
    from kinward.engines.textwatch import load_model

    current = ModelVersion.objects.filter(is_active=True).first()
    return load_model(Path(current.path)) if current else load_model()


def posts_classify(*, posts: list[Post]) -> int:
    """Run the classifier over `posts` and store its verdict, the reasons highlighted in the text, and the
    contact entities. A risky post is queued for an analyst (never acted on); a post already decided by an
    analyst keeps its decision."""
    from kinward.apps.watch.highlight import highlight_spans
    from kinward.engines.textwatch import classify_posts

    if not posts:
        return 0
    model = active_model()
    results = classify_posts(
        [{"id": str(p.pk), "text": p.text, "lang_hint": p.lang_hint or None} for p in posts], model
    )
    now = timezone.now()
    with transaction.atomic():
        for post, result in zip(posts, results, strict=True):
            post.label, post.risk, post.score = result.label, result.risk, result.score
            post.lang, post.reasons, post.prices = result.lang, result.reasons, result.prices
            post.route_to_help, post.model_version, post.classified_at = (
                result.route_to_help,
                result.model_version,
                now,
            )
            post.highlights = highlight_spans(post.text, post.lang_hint or None)
            if post.status not in Post.DECIDED:
                post.status = Post.Status.AWAITING_REVIEW if result.risk else Post.Status.BENIGN
            post.save()
            _link_entities(post, result.entities)
    return len(posts)


def _link_entities(post: Post, entities: list[dict]) -> None:
    for found in entities:
        value = (found.get("normalized") or "").strip()[:300]
        if not value:
            continue
        entity, _ = Entity.objects.get_or_create(type=found["type"][:16], value=value)
        PostEntity.objects.get_or_create(
            post=post, entity=entity, defaults={"raw": (found.get("raw") or "")[:300]}
        )


# --- feeds -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollResult:
    source_id: int
    ok: bool
    created: int = 0
    duplicates: int = 0
    error: str = ""


def retry_delay(failures: int) -> timedelta:
    """Exponential back-off: 1, 2, 4, 8 ... minutes after 1, 2, 3, 4 ... consecutive failures, at most 6 h."""
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** max(failures - 1, 0), RETRY_MAX_SECONDS))


def source_poll(*, source: Source, now: datetime | None = None) -> PollResult:
    """Fetch and read one feed, store its new items and classify them. A failure is recorded on the source
    (last error, consecutive failures, next attempt after back-off) and never touches stored posts."""
    now = now or timezone.now()
    try:
        body, content_type = fetch(
            source.url,
            timeout=setting("WATCH_FEED_TIMEOUT_SECONDS", 15),
            max_bytes=setting("WATCH_FEED_MAX_BYTES", 5 * 1024 * 1024),
        )
        items = parse_feed(body, content_type)
    except FeedError as error:
        return _poll_failed(source, now, str(error))
    records = [_record_of(item, source) for item in items]
    stored = posts_store(actor=WATCH_SYSTEM, source=source, records=records)
    posts_classify(posts=stored.created)
    warning = ""
    if stored.skipped:
        warning = f"{len(stored.skipped)} item(s) skipped: " + "; ".join(stored.skipped[:3])
    Source.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_success_at=now,
        consecutive_failures=0,
        next_attempt_at=now + timedelta(minutes=source.poll_minutes),
        last_error=warning,
        last_error_at=now if warning else source.last_error_at,
    )
    return PollResult(source.pk, True, len(stored.created), stored.duplicates, warning)


def _record_of(item: FeedItem, source: Source) -> PostRecord:
    return PostRecord(
        external_id=item.external_id,
        text=item.text,
        url=item.url,
        platform=source.platform,
        lang=item.lang,
        published_at=item.published_at,
    )


def _poll_failed(source: Source, now: datetime, message: str) -> PollResult:
    failures = source.consecutive_failures + 1
    Source.objects.filter(pk=source.pk).update(
        last_polled_at=now,
        last_error=message[:2000],
        last_error_at=now,
        consecutive_failures=failures,
        next_attempt_at=now + retry_delay(failures),
    )
    return PollResult(source.pk, False, error=message)


def feeds_poll_due(*, now: datetime | None = None) -> list[PollResult]:
    """Poll every active feed whose next attempt has come. Each source is polled on its own: one failing
    source never stops the others."""
    now = now or timezone.now()
    due = Source.objects.filter(kind=Source.Kind.FEED, is_active=True).exclude(next_attempt_at__gt=now)
    results = []
    for source in due.order_by("next_attempt_at", "pk"):
        try:
            results.append(source_poll(source=source, now=now))
        except Exception as error:  # noqa: BLE001 - an unexpected failure is recorded on its source only
            results.append(_poll_failed(source, now, f"unexpected error: {type(error).__name__}: {error}"))
    return results


def source_poll_now(*, actor: Actor, source: Source) -> PollResult:
    """An analyst asks for a feed to be polled at once (back-off is skipped)."""
    require(actor, "watch.source.manage", source, object_type="watch_source", object_id=source.pk)
    audit_record(actor=actor, action="watch.source.poll", object_type="watch_source", object_id=source.pk)
    return source_poll(source=source)


# --- analysts' decisions -----------------------------------------------------------------------------------

_OUTCOME_LABEL = {Decision.Outcome.DISMISSED: "benign", Decision.Outcome.NEEDS_HELP: "review"}


def post_decide(
    *,
    actor: Actor,
    post: Post,
    outcome: str,
    reason: str,
    label: str = "",
    note: str = "",
    route: str = ROUTE_TIP,
    agency: Agency | None = None,
    child: dict | None = None,
) -> Decision:
    """Record an analyst's decision on a post: confirmed (with the label the analyst gives it), dismissed, or
    needs help, routed to support with a note: as a tip in the triage queue (`route="tip"`), or directly as a
    case at the child-protection `agency` (`route="case"`, `child`: optional given_name, sex,
    age_estimate_years). The decision is kept with who, when and why, becomes the post's status, and is a
    labelled example for the next retraining. A later decision corrects an earlier one; nothing is
    overwritten."""
    from kinward.engines.textwatch import LABELS

    require(actor, "watch.post.review", post, object_type="watch_post", object_id=post.pk)
    if route not in (ROUTE_TIP, ROUTE_CASE):
        raise ValidationError({"route": "route a post that needs help to a 'tip' or a 'case'"})
    to_case = outcome == Decision.Outcome.NEEDS_HELP and route == ROUTE_CASE
    if to_case:
        from kinward.apps.cases.services import lead_agency_check

        if agency is None:
            raise ValidationError({"agency": "choose the child-protection agency that will hold the case"})
        lead_agency_check(actor=actor, agency=agency)  # refusals audited before the transaction
    reason, note, label = (reason or "").strip(), (note or "").strip(), (label or "").strip()
    if outcome not in Decision.Outcome.values:
        raise ValidationError({"outcome": "decide 'confirmed', 'dismissed' or 'needs_help'"})
    if post.status == Post.Status.PENDING:
        raise ValidationError({"outcome": "the post is not classified yet"})
    if not reason:
        raise ValidationError({"reason": "say why: the reason is kept with the decision"})
    if outcome == Decision.Outcome.CONFIRMED:
        risky = [lab for lab in LABELS if lab != "benign"]
        if label not in risky:
            raise ValidationError({"label": f"give the label you confirm: one of {', '.join(risky)}"})
    else:
        label = _OUTCOME_LABEL[outcome]
    with transaction.atomic():
        decision = Decision.objects.create(
            post=post,
            decided_by_id=actor.user_id,
            outcome=outcome,
            label=label,
            reason=reason,
            note=note,
            route_target=ROUTE_TARGET_SUPPORT if outcome == Decision.Outcome.NEEDS_HELP else "",
            model_version_at_decision=post.model_version,
        )
        if to_case:
            from kinward.apps.cases.services import case_open_from_post

            case = case_open_from_post(
                actor=actor, post=post, agency=agency, reason=reason, note=note, **(child or {})
            )
            decision.route_target = f"{ROUTE_CASE}:{case.reference}"
            decision.save(update_fields=["route_target"])
        elif outcome == Decision.Outcome.NEEDS_HELP:
            decision.route_target = f"{ROUTE_TARGET_SUPPORT}:{_tip_for_support(post, note).number}"
            decision.save(update_fields=["route_target"])
        post.status = outcome
        post.save(update_fields=["status"])
        audit_record(actor=actor, action="watch.post.decide", object_type="watch_post", object_id=post.pk)
    return decision


def _tip_for_support(post: Post, note: str):
    """A person in distress is routed to support, not enforcement: the post becomes a tip in the triage queue of
    the post's region, where analysts pass it to the services that can help."""
    from kinward.apps.tips.models import Tip
    from kinward.apps.tips.services import tip_submit

    where = post.url or post.platform or "online post"
    text = (
        f"Routed from online post {post.pk} ({post.platform or 'unknown platform'}): a person who may need "
        f"help. {note}\n\n{post.text}"
    )
    return tip_submit(
        category=Tip.Category.OTHER,
        what_happened=text[:5000],
        where=where[:500],
        region=post.agency.region,
        language=post.lang or "",
    ).tip


# --- retraining --------------------------------------------------------------------------------------------


def training_examples_base() -> list[dict]:
    """The base training set the classifier was built on (JSON Lines of `text`, `label`), from
    `KINWARD_WATCH_TRAINING_FILE` or the engine's own training file."""
    import json

    configured = setting("WATCH_TRAINING_FILE", "")
    if configured:
        path = Path(configured)
    else:
        import kinward.engines.textwatch as textwatch

        path = Path(textwatch.__file__).with_name("data") / "train.jsonl"
    if not path.exists():
        raise ValidationError(
            {
                "training_file": f"the base training file {path} is missing: build it with "
                "`kinward watch train` or set KINWARD_WATCH_TRAINING_FILE"
            }
        )
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def analysts_decisions() -> list[dict]:
    """Each decided post's latest decision as a labelled example (`text`, `label`, `lang`)."""
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.select_related("post").order_by("decided_at", "id"):
        latest[decision.post_id] = decision
    return [{"text": d.post.text, "label": d.label, "lang": d.post.lang} for d in latest.values()]


def model_retrain(*, actor: Actor) -> ModelVersion:
    """Retrain the classifier on its base set plus analysts' decisions, save it as a new version under
    KINWARD_DATA_DIR/models/ and make it the active model. Audited."""
    require(actor, "watch.model.retrain", object_type="watch_model")
    return model_retrain_from_decisions(actor=actor)


def model_retrain_from_decisions(*, actor: Actor = WATCH_SYSTEM) -> ModelVersion:
    """The retraining itself, for `model_retrain` and the scheduled task (which acts as the system)."""
    from kinward.engines.textwatch import LABELS, retrain
    from kinward.engines.textwatch.model import save_model

    decisions = analysts_decisions()
    if not decisions:
        raise ValidationError({"decisions": "no analyst has decided a post yet: nothing to learn from"})
    parent = active_model()
    model = retrain(training_examples_base(), decisions, parent)
    missing = sorted(set(LABELS) - set(getattr(model.classifier, "classes_", ())))
    if missing:  # the engine cannot classify with a model that never saw a label
        raise ValidationError(
            {"training_file": f"the training set has no example labelled {', '.join(missing)}"}
        )
    folder = Path(settings.DATA_DIR) / "models"
    path = folder / f"textwatch-{model.version}-{uuid.uuid4().hex[:8]}.joblib"
    save_model(model, path)
    with transaction.atomic():
        ModelVersion.objects.filter(is_active=True).update(is_active=False)
        version, _ = ModelVersion.objects.update_or_create(
            version=model.version,
            defaults={
                "parent_version": parent.version,
                "path": str(path),
                "is_active": True,
                "n_examples": model.training.get("n_examples", 0),
                "n_decisions": len(decisions),
                "training": model.training,
                "created_by": actor.username[:150],
            },
        )
        audit_record(
            actor=actor, action="watch.model.retrain", object_type="watch_model", object_id=version.pk
        )
    return version


# --- retention ---------------------------------------------------------------------------------------------


def benign_posts_purge(*, now: datetime | None = None, days: int | None = None) -> int:
    """Delete posts the classifier found not risky, that no analyst decided on, received more than
    `KINWARD_WATCH_BENIGN_RETENTION_DAYS` days ago (risky, decided and unclassified posts are kept).
    Returns how many were deleted; the purge is audited with that number."""
    days = setting("WATCH_BENIGN_RETENTION_DAYS", 90) if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Post.objects.filter(
        status=Post.Status.BENIGN, risk=False, received_at__lt=cutoff, decisions__isnull=True
    )
    with transaction.atomic():
        ids = list(old.values_list("pk", flat=True))
        files = [name for name in old.exclude(screenshot="").values_list("screenshot", flat=True) if name]
        for start in range(0, len(ids), 500):
            Post.objects.filter(pk__in=ids[start : start + 500]).delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in files])
        audit_record(
            actor=WATCH_SYSTEM,
            action="watch.post.purge",
            object_type="watch_post",
            object_id=f"{len(ids)} older than {days} days",
        )
    return len(ids)
