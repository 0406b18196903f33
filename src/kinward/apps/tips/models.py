"""Public tips, what tipsters add later, what analysts decide on them, and the tip line's rate-limit counters.

Nothing here identifies a tipster unless the tipster chose to give contact details: no client address, no user
agent, no original file name; the receipt code is kept only as a SHA-256 hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Region


class Tip(models.Model):
    """One report from the public tip line, and where its triage stands."""

    class Category(models.TextChoices):
        VANISHED_PREGNANCY = "vanished_pregnancy", _("A pregnant woman who vanished")
        BABY_OFFERED = "baby_offered", _("A baby or child offered for money")
        CLINIC = "clinic", _("A clinic, hospital, midwife or maternity home")
        WEBSITE = "website", _("A website, social-media account or chat group")
        ADOPTION = "adoption", _("An adoption without proper papers")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        IN_REVIEW = "in_review", _("In review")
        REVIEWED = "reviewed", _("Reviewed")
        CLOSED = "closed", _("Closed")

    class PublicStatus(models.TextChoices):
        """The only thing a tipster learns: coarse, revealing nothing of the investigation."""

        RECEIVED = "received", _("Received")
        BEING_REVIEWED = "being_reviewed", _("Being reviewed")
        CLOSED = "closed", _("Closed")

    category = models.CharField(max_length=32, choices=Category.choices)
    what_happened = models.TextField()
    where = models.CharField(max_length=500)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tips",
        help_text="decides which analysts see the tip; none: the country's analysts",
    )
    country = models.CharField(max_length=2, blank=True, default="")
    when = models.CharField(max_length=200, blank=True, default="")
    seen_identifiers = models.TextField(
        blank=True, default="", help_text="links, phone numbers, accounts seen"
    )
    contact_name = models.CharField(max_length=200, blank=True, default="")
    contact_phone = models.CharField(max_length=50, blank=True, default="")
    contact_email = models.EmailField(blank=True, default="")
    language = models.CharField(max_length=10, blank=True, default="")
    receipt_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tips",
    )
    close_reason = models.TextField(blank=True, default="")
    alert = models.ForeignKey(
        "alerts.Alert", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referral_target = models.CharField(max_length=200, blank=True, default="")
    referral_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The tip's reference inside Kinward (never shown to the tipster, who has the receipt code)."""
        return f"TIP-{self.pk:06d}"

    @property
    def public_status(self) -> str:
        if self.status == self.Status.NEW:
            return self.PublicStatus.RECEIVED
        if self.status == self.Status.CLOSED:
            return self.PublicStatus.CLOSED
        return self.PublicStatus.BEING_REVIEWED

    def access_scope(self) -> Scope:
        """A tip with a region belongs to that region's analysts; one without to the whole country's."""
        if self.region_id is None:
            return Scope(agency_id=None, region_path="", country=self.country)
        return Scope(agency_id=None, region_path=self.region.path, country=self.region.country)


class TipMessage(models.Model):
    """Information a tipster added later with the receipt code."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="messages")
    text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class TipAttachment(models.Model):
    """An image or PDF sent with a tip, cleaned of its metadata and stored under a random name."""

    tip = models.ForeignKey(Tip, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        TipMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    stored_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class TipAction(models.Model):
    """What an analyst did with a tip, when and why. Append-only: the tip's triage history."""

    class Kind(models.TextChoices):
        ASSIGN = "assign", _("Assigned")
        REVIEWED = "reviewed", _("Marked reviewed")
        CLOSE = "close", _("Closed")
        ALERT = "alert", _("Made an alert")
        REFER = "refer", _("Referred")
        ROUTE = "route", _("Routed to a region")
        CASE = "case", _("Opened a case")

    tip = models.ForeignKey(Tip, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=16, choices=Tip.Status.choices)
    to_status = models.CharField(max_length=16, choices=Tip.Status.choices)
    detail = models.CharField(max_length=300, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    taken_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["taken_at", "id"]


class RateSalt(models.Model):
    """A random salt for one day's hashes of client addresses; deleted once that day's windows have passed, so
    no stored hash can be tied back to an address afterwards."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)


class RateBucket(models.Model):
    """Requests counted in one window for one key: a salted hash of a client address, or "*" for everyone."""

    scope = models.CharField(max_length=16)
    key = models.CharField(max_length=64)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key", "window_start"], name="tips_rate_bucket_once")
        ]
