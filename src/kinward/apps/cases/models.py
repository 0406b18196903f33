"""Child cases: identification, screening, trafficking-status decisions, consent, referrals, services, closure.

Columns carry the IOM Human Trafficking Case Data Standard (HTCDS) field they hold in their help text; the CSV
export names its columns after those fields (see `export.py` and docs/cases.md). There is deliberately no field,
status or service about detention, deportation or offending: a child here is a child to protect.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency


def agency_scope(agency: Agency) -> Scope:
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


class Case(models.Model):
    """One child, held by the agency that opened the case."""

    class Status(models.TextChoices):  # cas_Status
        ACTIVE = "active", "Active"
        FOLLOW_UP = "follow_up", "Follow-up"
        CLOSURE_REQUESTED = "closure_requested", "Closure requested"
        CLOSED = "closed", "Closed"

    class Sex(models.TextChoices):  # prs_Gender
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        UNKNOWN = "unknown", "Unknown"

    class Exploitation(models.TextChoices):  # vic_TypeOfExploitation
        ILLEGAL_ADOPTION = "illegal_adoption", "Forced or illegal adoption (sale of the child)"
        SURROGACY = "surrogacy", "Exploitative surrogacy"
        LABOUR = "labour", "Forced labour"
        SEXUAL = "sexual", "Sexual exploitation"
        BEGGING = "begging", "Forced begging"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Not known yet"

    class TraffickingStatus(models.TextChoices):  # kw_TraffickingStatus (not in HTCDS)
        UNDECIDED = "", "Not decided"
        POSSIBLE = "possible", "Possible victim (presumed)"
        ACTUAL = "actual", "Identified victim"
        NOT = "not", "Not a victim of trafficking"

    reference = models.CharField(max_length=20, unique=True, help_text="the case number shown to people")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="child_cases")
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="child_cases",
        help_text="primary caseworker",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # the child (prs_)
    given_name = models.CharField(max_length=200, help_text="prs_FirstName")
    family_name = models.CharField(max_length=200, blank=True, default="", help_text="prs_SecondName")
    sex = models.CharField(max_length=8, choices=Sex.choices, help_text="prs_Gender")
    birth_date = models.DateField(null=True, blank=True, help_text="prs_Birthdate")
    age_estimate_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="when the birth date is not known"
    )
    nationality = models.CharField(
        max_length=2, blank=True, default="", help_text="prs_Nationality (ISO 3166-1)"
    )
    languages = models.CharField(max_length=200, blank=True, default="", help_text="comma-separated")
    newborn_id = models.CharField(
        max_length=11,
        blank=True,
        default="",
        db_index=True,
        help_text="the registry's newborn ID, canonical form",
    )
    # victim context (vic_)
    exploitation_type = models.CharField(
        max_length=20,
        choices=Exploitation.choices,
        default=Exploitation.UNKNOWN,
        help_text="vic_TypeOfExploitation",
    )
    exploitation_details = models.TextField(blank=True, default="")
    vulnerabilities = models.TextField(blank=True, default="", help_text="vic_DetailsOfVulnerabilities")
    trafficking_status = models.CharField(
        max_length=10, choices=TraffickingStatus.choices, blank=True, default=""
    )
    support_plan = models.TextField(
        blank=True, default="", help_text="what the child needs, agreed with the child"
    )
    support_plan_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_estimate_years__isnull=True) | models.Q(age_estimate_years__lte=25),
                name="cases_case_age_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def access_scope(self) -> Scope:
        return agency_scope(self.agency)


class Perpetrator(models.Model):
    """A person's role in what happened to the child (per_RoleInProcess); a description, never an accusation."""

    class Role(models.TextChoices):
        RECRUITER = "recruiter", "Recruiter or intermediary"
        TRANSPORTER = "transporter", "Transporter"
        EXPLOITER = "exploiter", "Exploiter"
        BROKER = "broker", "Broker or adoption intermediary"
        FACILITY_STAFF = "facility_staff", "Health-facility staff"
        FAMILY_MEMBER = "family_member", "Family member"
        BUYER = "buyer", "Person who received or bought the child"
        DOCUMENT_FORGER = "document_forger", "Forger of documents"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="perpetrators")
    role = models.CharField(max_length=20, choices=Role.choices, help_text="per_RoleInProcess")
    details = models.TextField(blank=True, default="", help_text="per_RoleDetails")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class TraffickingEvent(models.Model):
    """A step of what happened (hte_): recruitment, transit or exploitation, with place and date."""

    class Type(models.TextChoices):
        RECRUITMENT = "recruitment", "Recruitment"
        TRANSIT = "transit", "Transit"
        EXPLOITATION = "exploitation", "Exploitation"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices, help_text="hte_Type")
    date = models.DateField(null=True, blank=True, help_text="hte_Date")
    city = models.CharField(max_length=200, blank=True, default="", help_text="hte_City")
    country = models.CharField(max_length=2, blank=True, default="", help_text="hte_Country")
    description = models.TextField(blank=True, default="", help_text="hte_Description")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]


class StatusDecision(models.Model):
    """A competent authority's decision on the child's trafficking status, with reasons. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_decisions")
    status = models.CharField(max_length=10, choices=Case.TraffickingStatus.choices[1:])
    authority = models.CharField(max_length=300, help_text="the competent authority that decided")
    decided_on = models.DateField()
    reasons = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class ConsentRecord(models.Model):
    """Consent for one purpose, as given, refused, withdrawn or overridden. Append-only; the latest row holds."""

    class Decision(models.TextChoices):
        GIVEN = "given", "Given"
        REFUSED = "refused", "Refused"
        WITHDRAWN = "withdrawn", "Withdrawn"
        OVERRIDE = "override", "Overridden in the child's best interests"

    class GivenBy(models.TextChoices):
        CHILD = "child", "The child"
        PARENT = "parent", "A parent"
        GUARDIAN = "guardian", "A legal guardian"
        NONE = "", "Nobody (override)"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=30)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    given_by = models.CharField(max_length=10, choices=GivenBy.choices, blank=True, default="")
    reason = models.TextField(blank=True, default="", help_text="required for an override")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision="override") | ~models.Q(reason=""),
                name="cases_consent_override_has_reason",
            ),
        ]


class Screening(models.Model):
    """An instrument answered for the child: a level of concern and the items that raised it, never a verdict."""

    class Level(models.TextChoices):
        LOW = "low", "Low concern"
        MEDIUM = "medium", "Medium concern"
        HIGH = "high", "High concern"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="screenings")
    instrument = models.CharField(max_length=60)
    instrument_version = models.PositiveIntegerField()
    answers = models.JSONField(default=dict)
    score = models.PositiveIntegerField()
    level = models.CharField(max_length=8, choices=Level.choices)
    raised_items = models.JSONField(default=list)
    reasons = models.JSONField(default=list)
    notes = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]


class AgencyService(models.Model):
    """A service an agency declares it offers to referrals (the national referral mechanism's directory)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="offered_services")
    kind = models.CharField(max_length=30)
    is_active = models.BooleanField(default=True)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "kind"]
        constraints = [models.UniqueConstraint(fields=["agency", "kind"], name="cases_agency_service_once")]

    def access_scope(self) -> Scope:
        return agency_scope(self.agency)


class Referral(models.Model):
    """A child sent to a service at another agency (cas_ReferredOrganisation), with what the referral shares."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        COMPLETED = "completed", "Completed"
        REVOKED = "revoked", "Revoked"

    OPEN = (Status.REQUESTED, Status.ACCEPTED)
    GRANTS_VIEW = (Status.REQUESTED, Status.ACCEPTED, Status.COMPLETED)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_out")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals_in")
    service = models.CharField(max_length=30)
    details = models.TextField(blank=True, default="", help_text="cas_OutgoingReferralDetails")
    shared_sections = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(help_text="the receiving agency's answer is due by then")
    responded_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.to_agency.name} ({self.service})"

    def access_scope(self) -> Scope:
        """The receiving side: who may answer the referral."""
        return agency_scope(self.to_agency)


class ReferralStep(models.Model):
    """One step of a referral's life (requested, accepted, rejected, completed, revoked), with its reason."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="steps")
    to_status = models.CharField(max_length=10, choices=Referral.Status.choices)
    reason = models.TextField(blank=True, default="")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ServiceRecord(models.Model):
    """What was delivered to the child, a follow-up, or the outcome of a service (coded, with notes)."""

    class Entry(models.TextChoices):
        DELIVERY = "delivery", "Service delivered"
        FOLLOW_UP = "follow_up", "Follow-up"
        OUTCOME = "outcome", "Outcome"

    class Outcome(models.TextChoices):
        GOAL_MET = "goal_met", "Goal met"
        IMPROVED = "improved", "Improved"
        NO_CHANGE = "no_change", "No change"
        WORSENED = "worsened", "Worsened"
        DISENGAGED = "disengaged", "Child or family disengaged"
        NOT_DELIVERED = "not_delivered", "Service could not be delivered"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="service_records")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="service_records"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", help_text="who delivered")
    service = models.CharField(max_length=30)
    entry = models.CharField(max_length=10, choices=Entry.choices)
    occurred_on = models.DateField()
    description = models.TextField(blank=True, default="")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    next_follow_up_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(entry="outcome") | ~models.Q(outcome=""), name="cases_outcome_is_coded"
            ),
        ]


class ClosureRequest(models.Model):
    """A caseworker's request to close the case; a supervisor approves it or returns it (four eyes)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned to the caseworker"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="closure_requests")
    reason = models.TextField(help_text="cas_ReasonForCaseClosure")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(status="pending"), name="cases_one_pending_closure"
            ),
        ]


class CaseOrigin(models.Model):
    """Where a case came from when an analyst opened it from a lead: a public tip or an online post.

    One lead opens at most one case (the unique one-to-one links refuse a second). The case shows its origin;
    the tip or post shows the case reference to the analysts who triage it."""

    class Kind(models.TextChoices):
        TIP = "tip", "Public tip"
        POST = "post", "Online post"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="origin")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    tip = models.OneToOneField(
        "tips.Tip", null=True, blank=True, on_delete=models.PROTECT, related_name="case_origin"
    )
    post = models.OneToOneField(
        "watch.Post", null=True, blank=True, on_delete=models.PROTECT, related_name="case_origin"
    )
    reason = models.TextField(help_text="why the analyst opened a case")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_by_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="the analyst's"
    )
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="tip", tip__isnull=False, post__isnull=True))
                | models.Q(kind="post", post__isnull=False, tip__isnull=True),
                name="cases_origin_one_lead",
            ),
        ]

    @property
    def reference(self) -> str:
        return self.tip.number if self.kind == self.Kind.TIP else f"post {self.post_id}"


class CaseRecordChange(models.Model):
    """A correction of the child's identity on a case, or a change of primary caseworker, with its reason.

    The case row holds the current values; this row keeps who changed which fields, when and why (the audit chain
    holds identifiers only). Earlier values are not kept here: a correction exists because they were wrong."""

    class Kind(models.TextChoices):
        IDENTITY = "identity", "The child's identity corrected"
        CASEWORKER = "caseworker", "Primary caseworker changed"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="record_changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    fields = models.JSONField(default=list, help_text="names of the corrected fields")
    reason = models.TextField()
    from_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["changed_at", "id"]
