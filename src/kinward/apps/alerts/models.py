"""Red-flag alerts: leads for a person to review, never verdicts, and the decisions taken on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency


class Alert(models.Model):
    """One rule firing on one subject, with the records behind it and why, in the dataset's own terms."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        DISMISSED = "dismissed", "Dismissed"
        ESCALATED_CASE = "escalated_case", "Escalated to a case"
        ESCALATED_POLICE = "escalated_police", "Escalated to police"
        MERGED = "merged", "Merged into another alert"

    OPEN_STATUSES = (Status.NEW, Status.IN_REVIEW)
    DECIDED_STATUSES = (Status.DISMISSED, Status.ESCALATED_CASE, Status.ESCALATED_POLICE)

    alert_key = models.CharField(max_length=40, unique=True, help_text="the rules engine's stable alert id")
    rule = models.CharField(max_length=100, db_index=True)
    rule_version = models.PositiveIntegerField()
    source = models.CharField(max_length=300, help_text="the dataset or system the records come from")
    subject_type = models.CharField(max_length=40)
    subject_ref = models.CharField(max_length=200)
    evidence = models.JSONField(default=list, help_text='[{"type", "ref"}, ...]')
    facts = models.JSONField(default=dict)
    reason = models.TextField()
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts",
                               help_text="the facility or agency the alert concerns; decides who may see it")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_alerts")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_ref"])]

    def __str__(self) -> str:
        return f"{self.rule} on {self.subject_type} {self.subject_ref}"

    def access_scope(self) -> Scope:
        if self.agency is None:
            return Scope(agency_id=None, region_path="", country="")
        return Scope(agency_id=self.agency_id, region_path=self.agency.region.path, country=self.agency.country)


class AlertDecision(models.Model):
    """What a person decided on an alert, when and why. Append-only: the alert's history."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="decisions")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=20, choices=Alert.Status.choices)
    to_status = models.CharField(max_length=20, choices=Alert.Status.choices)
    reason = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
