"""Online posts watched for baby sales and brokering: their sources, the textwatch verdict, analysts' decisions,
the contact entities that link posts to each other, and the versions of the classifier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency


def _agency_scope(agency: Agency) -> Scope:
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


class Source(models.Model):
    """Where posts come from: a polled feed (RSS 2.0, Atom, JSON Feed), file imports, or analysts' submissions.

    A source is held by an agency; its posts are seen by the analysts whose scope covers that agency."""

    class Kind(models.TextChoices):
        FEED = "feed", "Feed (RSS, Atom or JSON Feed)"
        FILE = "file", "File import (JSONL or CSV)"
        MANUAL = "manual", "Analysts' submissions"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.URLField(max_length=1000, blank=True, default="")
    platform = models.CharField(max_length=100, blank=True, default="")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="watch_sources")
    is_active = models.BooleanField(default=True)
    poll_minutes = models.PositiveIntegerField(default=30, help_text="minutes between polls of a feed")
    created_at = models.DateTimeField(auto_now_add=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    posts_seen = models.PositiveIntegerField(
        default=0, help_text="items read from the source, duplicates too"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def access_scope(self) -> Scope:
        return _agency_scope(self.agency)


class Post(models.Model):
    """One online post and the classifier's verdict on it: a lead for a person, never a decision.

    Identical texts (same normalised-text hash) held by one agency are one post; each place it was seen is a
    `Sighting`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not classified yet"
        BENIGN = "benign", "Not risky"
        AWAITING_REVIEW = "awaiting_review", "Waiting for an analyst"
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"
        NEEDS_HELP = "needs_help", "Needs help: routed to support"

    DECIDED = (Status.CONFIRMED, Status.DISMISSED, Status.NEEDS_HELP)

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="watch_posts")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="posts")
    external_id = models.CharField(max_length=300, blank=True, default="")
    url = models.URLField(max_length=1000, blank=True, default="")
    platform = models.CharField(max_length=100, blank=True, default="")
    lang_hint = models.CharField(max_length=16, blank=True, default="")
    text = models.TextField()
    text_hash = models.CharField(max_length=64)
    published_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    screenshot = models.FileField(upload_to="watch/screenshots/", blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    label = models.CharField(max_length=32, blank=True, default="")
    risk = models.BooleanField(default=False)
    score = models.FloatField(null=True, blank=True)
    lang = models.CharField(max_length=16, blank=True, default="")
    reasons = models.JSONField(default=list)
    prices = models.JSONField(default=list)
    highlights = models.JSONField(default=list, help_text="[[start, end, kind, note], ...] in the raw text")
    route_to_help = models.BooleanField(default=False)
    model_version = models.CharField(max_length=100, blank=True, default="")
    classified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "text_hash"], name="watch_post_text_unique")]

    def __str__(self) -> str:
        return f"post {self.pk}"

    def access_scope(self) -> Scope:
        return _agency_scope(self.agency)


class Sighting(models.Model):
    """A place a post was seen: its source and the source's own id for it (deduplication key)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="sightings")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="sightings")
    external_id = models.CharField(max_length=300, blank=True, default="")
    url = models.URLField(max_length=1000, blank=True, default="")
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seen_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="watch_sighting_source_id_unique",
            )
        ]


class Entity(models.Model):
    """A contact identifier (phone, WhatsApp, Telegram, WeChat, LINE, e-mail, handle, URL) by its normalised
    value; posts that share one are linked."""

    type = models.CharField(max_length=16)
    value = models.CharField(max_length=300)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    posts = models.ManyToManyField(Post, through="PostEntity", related_name="entities")

    class Meta:
        ordering = ["type", "value"]
        constraints = [models.UniqueConstraint(fields=["type", "value"], name="watch_entity_unique")]
        verbose_name_plural = "entities"

    def __str__(self) -> str:
        return f"{self.type} {self.value}"

    @property
    def phone_value(self) -> str:
        """The E.164 number behind a phone-like entity (phone, WhatsApp, a Telegram number), else ''."""
        return self.value if self.value.startswith("+") and self.value[1:].isdigit() else ""


class PostEntity(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="post_entities")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="post_entities")
    raw = models.CharField(max_length=300)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "entity"], name="watch_post_entity_unique")]


class Decision(models.Model):
    """What an analyst decided on a post, when and why. Append-only; the latest one is the post's status.
    Decisions are the labelled examples of the next retraining."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"
        NEEDS_HELP = "needs_help", "Needs help: route to support"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    label = models.CharField(max_length=32, help_text="the label this decision teaches the classifier")
    reason = models.TextField()
    route_target = models.CharField(
        max_length=32, blank=True, default="", help_text="'support' for needs help"
    )
    note = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(auto_now_add=True)
    model_version_at_decision = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ["decided_at", "id"]


class ModelVersion(models.Model):
    """A classifier retrained from analysts' decisions; exactly one (or none: the engine's shipped model) is
    active."""

    version = models.CharField(max_length=100, unique=True)
    parent_version = models.CharField(max_length=100, blank=True, default="")
    path = models.CharField(max_length=1000)
    n_examples = models.PositiveIntegerField(default=0)
    n_decisions = models.PositiveIntegerField(default=0)
    training = models.JSONField(default=dict)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="watch_one_active_model"
            )
        ]
