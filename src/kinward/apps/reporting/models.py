"""Mandatory reporting of abandoned newborns: filed reports, the steps they set off, missed-report leads and
penalty proceedings.

The report itself is a `registry.AbandonmentReport` row (the registry's record of the fact); `ReportFiling` adds
what a filing through Kinward knows besides: the care given, who filed, the jurisdiction's rules and version,
and whether it was late. Nothing here can be deleted, and a filing never changes once written: a report cannot
be deleted or backdated, and a late report stays late.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency
from kinward.apps.registry.models import AbandonmentReport, Birth, CustodyEvent


class UndeletableQuerySet(models.QuerySet):
    def delete(self):
        raise RuntimeError(f"{self.model.__name__} records cannot be deleted")


class Undeletable(models.Model):
    """A record of the mandatory-reporting procedure: it can never be deleted, one by one or in bulk."""

    objects = UndeletableQuerySet.as_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        raise RuntimeError(f"{type(self).__name__} records cannot be deleted")


def facility_scope(facility: Agency) -> Scope:
    return Scope(agency_id=facility.pk, region_path=facility.region.path, country=facility.country)


class FiledReport(AbandonmentReport):
    """The registry's abandonment report, seen from this app: it refuses deletion (a proxy, no new table)."""

    objects = UndeletableQuerySet.as_manager()

    class Meta:
        proxy = True

    def delete(self, *args, **kwargs):
        raise RuntimeError("an abandonment report cannot be deleted")


class ReportFiling(Undeletable):
    """What a filing adds to the registry's report. Written once, never updated."""

    class Channel(models.TextChoices):
        PAGE = "page", "Page"
        API = "api", "API"

    report = models.OneToOneField(AbandonmentReport, on_delete=models.PROTECT, related_name="filing")
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_by_token_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    care_given = models.TextField()
    newborn_id_issued = models.BooleanField(help_text="the child had no newborn ID: this filing issued one")
    jurisdiction = models.CharField(max_length=64)
    jurisdiction_version = models.CharField(max_length=64)
    due_at = models.DateTimeField(help_text="found_at plus the jurisdiction's report_within")
    is_late = models.BooleanField()
    late_by = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_late=False, late_by__isnull=True) | Q(is_late=True, late_by__isnull=False),
                name="reporting_filing_late_by_iff_late",
            ),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise RuntimeError("a filed report never changes")
        super().save(*args, **kwargs)

    def access_scope(self) -> Scope:
        return facility_scope(self.facility)


class ReportStep(Undeletable):
    """A step the filing requires: a recipient told (to acknowledge) or the strategy meeting (to hold)."""

    class Kind(models.TextChoices):
        ACKNOWLEDGE = "acknowledge", "Acknowledge the report"
        STRATEGY_MEETING = "strategy_meeting", "Hold the strategy meeting"

    filing = models.ForeignKey(ReportFiling, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipient_code = models.CharField(max_length=64)
    recipient_label = models.CharField(max_length=300)
    recipient_role = models.CharField(
        max_length=64, blank=True, default="", help_text="for a facility role: the role whose holders act"
    )
    recipient_agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the agency that must act; empty when none was found",
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_count = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    meeting_held_at = models.DateTimeField(null=True, blank=True)
    meeting_attendees = models.TextField(blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "kind", "recipient_code"], name="reporting_step_once"),
        ]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    def access_scope(self) -> Scope:
        """A step belongs to the agency that must act (the recipient); none found: nobody but the facility."""
        agency = self.recipient_agency or self.filing.facility
        return facility_scope(agency)


class MissedReport(Undeletable):
    """A lead: the registry shows an abandoned or vanished newborn and no report. A person decides."""

    class Rule(models.TextChoices):
        ABANDONMENT_UNREPORTED = "abandonment_unreported", "Abandonment found, no report within the deadline"
        GONE_WITHOUT_DISCHARGE = (
            "gone_without_discharge",
            "Newborn gone from the facility without a discharge",
        )

    class Status(models.TextChoices):
        NEW = "new", "New"
        CONFIRMED = "confirmed", "Confirmed missed report"
        DISMISSED = "dismissed", "Dismissed"

    rule = models.CharField(max_length=32, choices=Rule.choices)
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(Birth, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(CustodyEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    explanation = models.TextField()
    facts = models.JSONField(default=dict)
    jurisdiction = models.CharField(max_length=64)
    jurisdiction_version = models.CharField(max_length=64)
    detected_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "child"], name="reporting_missed_once_per_child")
        ]

    def access_scope(self) -> Scope:
        return facility_scope(self.facility)


class PenaltyProceeding(Undeletable):
    """Due process on a late or a confirmed missed report: notice, the health worker's response, a decision by
    someone other than the notice's author. Each stage is written once, in this order."""

    class Stage(models.TextChoices):
        AWAITING_RESPONSE = "awaiting_response", "Notice issued, awaiting the health worker's response"
        AWAITING_DECISION = "awaiting_decision", "Response received, awaiting the decision"
        DECIDED = "decided", "Decided"

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        WAIVED = "waived", "Waived"

    filing = models.OneToOneField(
        ReportFiling, null=True, blank=True, on_delete=models.PROTECT, related_name="penalty"
    )
    missed = models.OneToOneField(
        MissedReport, null=True, blank=True, on_delete=models.PROTECT, related_name="penalty"
    )
    facility = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    health_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.AWAITING_RESPONSE)
    jurisdiction = models.CharField(max_length=64)
    jurisdiction_version = models.CharField(max_length=64)
    notice_text = models.TextField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    notice_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notice_at = models.DateTimeField()
    response_due_at = models.DateTimeField()
    response_text = models.TextField(blank=True, default="")
    response_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True, default="")
    decision_reasons = models.TextField(blank=True, default="")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-notice_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(filing__isnull=False, missed__isnull=True)
                | Q(filing__isnull=True, missed__isnull=False),
                name="reporting_penalty_one_ground",
            ),
        ]

    def access_scope(self) -> Scope:
        return facility_scope(self.facility)
