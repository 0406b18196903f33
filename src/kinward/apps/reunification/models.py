"""Family reunification: searching families, rescued children, DNA samples and profiles, match proposals, and
the path every proposal must walk before a child goes home (lab review, safeguarding, supervisor decision, plan).

The order of that path is kept by the database as well as by the services: a safeguarding assessment points at
a confirmed lab review, a decision at an assessment, a plan at a decision (all NOT NULL), and check constraints
refuse a plan to reunify unless the decision was to reunify, and a decision to reunify unless the assessment
found it safe (or safe with conditions). So no completed reunification can exist without a recorded
safeguarding assessment and a supervisor's decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from kinward.apps.accounts.authz import Scope
from kinward.apps.accounts.models import Agency

USER = settings.AUTH_USER_MODEL


def agency_scope(agency: Agency) -> Scope:
    return Scope(agency_id=agency.pk, region_path=agency.region.path, country=agency.country)


class Sex(models.TextChoices):
    FEMALE = "F", "female"
    MALE = "M", "male"
    UNKNOWN = "", "not known"


class RescuedChild(models.Model):
    """A child in care who may have a family searching for them. Held by the agency responsible for the child."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="rescued_children")
    case_reference = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text="the child's case number in the agency's case records",
    )
    case = models.ForeignKey(
        "cases.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the child's child-protection case (chosen from the cases the user may see)",
    )
    name_known = models.CharField(
        max_length=200, blank=True, default="", help_text="name the child uses, if any"
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date_estimated = models.DateField(null=True, blank=True)
    found_on = models.DateField()
    found_place = models.CharField(max_length=300, blank=True, default="")
    current_carer = models.CharField(
        max_length=300,
        blank=True,
        default="",
        help_text="who cares for the child now (foster family, shelter...)",
    )
    notes = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name_known or f"child {self.pk}"

    @property
    def label(self) -> str:
        return self.name_known or f"rescued child no. {self.pk}"

    def access_scope(self) -> Scope:
        return agency_scope(self.agency)


class TracingRequest(models.Model):
    """A family searching for a lost child: the child as they knew it, when and where it was lost, consent."""

    class Status(models.TextChoices):
        OPEN = "open", "Open: searching"
        MATCHED = "matched", "A match is being followed"
        CLOSED = "closed", "Closed"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="tracing_requests")
    received_on = models.DateField()
    child_name = models.CharField(
        max_length=200, blank=True, default="", help_text="the child's name as known"
    )
    child_sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default="")
    child_birth_date = models.DateField(null=True, blank=True)
    child_marks = models.TextField(
        blank=True, default="", help_text="birthmarks, scars, clothes, anything known"
    )
    lost_on = models.DateField(null=True, blank=True)
    lost_place = models.CharField(max_length=300, blank=True, default="")
    lost_circumstances = models.TextField(blank=True, default="")
    tracing_consent_on = models.DateField(help_text="the day the family consented to tracing")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"tracing request {self.pk}"

    @property
    def searcher(self) -> FamilyMember | None:
        return self.members.filter(is_searcher=True).first()

    def access_scope(self) -> Scope:
        return agency_scope(self.agency)


class FamilyMember(models.Model):
    """A person of a searching family: the searcher and relatives who may give a DNA reference sample."""

    class Relation(models.TextChoices):
        FATHER = "father", "father"
        MOTHER = "mother", "mother"
        PARENT = "parent", "parent"
        FULL_SIBLING = "full_sibling", "full brother or sister"
        OTHER = "other", "other relative (not used in DNA search)"

    tracing_request = models.ForeignKey(TracingRequest, on_delete=models.PROTECT, related_name="members")
    is_searcher = models.BooleanField(default=False)
    given_name = models.CharField(max_length=200)
    family_name = models.CharField(max_length=200, blank=True, default="")
    sex = models.CharField(max_length=1, choices=Sex.choices, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    relation = models.CharField(max_length=16, choices=Relation.choices)
    phone = models.CharField(max_length=40, blank=True, default="")
    address = models.CharField(max_length=300, blank=True, default="")
    person_ref = models.CharField(
        max_length=200,
        blank=True,
        default="",
        help_text="the registry's person reference, used to look for red-flag alerts",
    )
    dna_consent = models.BooleanField(default=False)
    dna_consent_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dna_consent=False, dna_consent_on__isnull=True)
                | Q(dna_consent=True, dna_consent_on__isnull=False),
                name="reunif_member_dna_consent_dated",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def access_scope(self) -> Scope:
        return self.tracing_request.access_scope()


class DnaSample(models.Model):
    """A DNA sample held by a laboratory, from a rescued child or a consenting family member."""

    class Status(models.TextChoices):
        COLLECTED = "collected", "collected"
        SEALED = "sealed", "sealed"
        TRANSFERRED = "transferred", "in transfer"
        RECEIVED = "received", "received at the laboratory"
        TYPED = "typed", "typed"

    lab = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="dna_samples")
    code = models.CharField(
        max_length=64, help_text="the laboratory's sample code (profile_id in genotype CSVs)"
    )
    donor_child = models.ForeignKey(
        RescuedChild, null=True, blank=True, on_delete=models.PROTECT, related_name="dna_samples"
    )
    donor_member = models.ForeignKey(
        FamilyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="dna_samples"
    )
    kit = models.CharField(max_length=100, help_text="collection kit (e.g. buccal swab kit and lot)")
    collected_at = models.DateTimeField()
    received_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COLLECTED)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["lab", "code"], name="reunif_sample_code_unique"),
            models.CheckConstraint(
                condition=Q(donor_child__isnull=False, donor_member__isnull=True)
                | Q(donor_child__isnull=True, donor_member__isnull=False),
                name="reunif_sample_one_donor",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def donor_kind(self) -> str:
        return "child" if self.donor_child_id else "family member"

    def access_scope(self) -> Scope:
        return agency_scope(self.lab)


class SampleCustodyEvent(models.Model):
    """One link of a sample's chain of custody: who handled it, when, where. Append-only."""

    class Kind(models.TextChoices):
        COLLECTED = "collected", "collected"
        SEALED = "sealed", "sealed"
        TRANSFERRED = "transferred", "transferred"
        RECEIVED = "received", "received"
        TYPED = "typed", "typed"

    sample = models.ForeignKey(DnaSample, on_delete=models.PROTECT, related_name="custody_events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    handled_by = models.CharField(max_length=200, help_text="who handled the sample (name and role)")
    place = models.CharField(max_length=300)
    seal_number = models.CharField(max_length=64, blank=True, default="")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class GenotypeImport(models.Model):
    """One upload of the laboratory's genotype CSV: imported whole, or refused whole with every row's problem."""

    class Status(models.TextChoices):
        IMPORTED = "imported", "imported"
        REFUSED = "refused", "refused"

    lab = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=300)
    panel = models.CharField(max_length=100, help_text="the typing kit or panel (e.g. CODIS 20, extended 29)")
    status = models.CharField(max_length=10, choices=Status.choices)
    rows = models.PositiveIntegerField(default=0)
    profiles = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text='[{"line", "profile", "locus", "problem"}]')
    imported_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def access_scope(self) -> Scope:
        return agency_scope(self.lab)


class DnaProfile(models.Model):
    """A sample's STR genotypes on one panel. Genotypes are shown to the laboratory role only."""

    sample = models.ForeignKey(DnaSample, on_delete=models.PROTECT, related_name="profiles")
    panel = models.CharField(max_length=100)
    genotypes = models.JSONField(help_text='{"locus": ["allele1", "allele2"]}, canonical locus names')
    loci_count = models.PositiveIntegerField()
    genotype_import = models.ForeignKey(GenotypeImport, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loci_count", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "panel"], name="reunif_profile_panel_unique")
        ]

    def access_scope(self) -> Scope:
        return self.sample.access_scope()


class SearchRun(models.Model):
    """One database search run by a laboratory, and its outcome (including "no candidate above threshold")."""

    class Direction(models.TextChoices):
        CHILD = "child", "a child against the searching families"
        FAMILY = "family", "a family against the rescued children"

    lab = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    child = models.ForeignKey(RescuedChild, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tracing_request = models.ForeignKey(
        TracingRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class State(models.TextChoices):
        QUEUED = "queued", "queued"
        RUNNING = "running", "running"
        DONE = "done", "done"
        FAILED = "failed", "failed"

    sample = models.ForeignKey(
        "DnaSample",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="search_runs",
        help_text="the sample searched from",
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.DONE)
    status = models.CharField(
        max_length=32, blank=True, default="", help_text="ok, no_candidate_above_threshold or too_few_loci"
    )
    error = models.TextField(blank=True, default="", help_text="why a failed search failed")
    labs_searched = models.PositiveIntegerField(
        default=0, help_text="laboratories whose profiles were searched"
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    compared = models.PositiveIntegerField(default=0)
    proposals_created = models.PositiveIntegerField(default=0)
    settings = models.JSONField(default=dict)
    notes = models.JSONField(default=list)
    run_by = models.ForeignKey(USER, null=True, on_delete=models.PROTECT, related_name="+")
    run_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def access_scope(self) -> Scope:
        return agency_scope(self.lab)


class MatchProposal(models.Model):
    """A DNA search result above the threshold: a lead for people to review, never a verdict."""

    class Status(models.TextChoices):
        PENDING_LAB_REVIEW = "pending_lab", "Waiting for laboratory review"
        NOT_CONFIRMED = "not_confirmed", "Not confirmed by the laboratory"
        PENDING_SAFEGUARDING = "pending_safeguarding", "Confirmed: waiting for the safeguarding assessment"
        PENDING_DECISION = "pending_decision", "Assessed: waiting for the supervisor's decision"
        PLAN_REUNIFICATION = "plan_reunification", "Decided: reunification plan under way"
        PLAN_ALTERNATIVE = "plan_alternative", "Decided: alternative care plan"
        REUNIFIED = "reunified", "Reunified"

    lab = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    child = models.ForeignKey(RescuedChild, on_delete=models.PROTECT, related_name="match_proposals")
    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.PROTECT, related_name="match_proposals"
    )
    search_run = models.ForeignKey(SearchRun, on_delete=models.PROTECT, related_name="proposals")
    child_sample = models.ForeignKey(DnaSample, on_delete=models.PROTECT, related_name="+")
    member_samples = models.ManyToManyField(DnaSample, related_name="+")
    members_label = models.CharField(max_length=200, help_text="e.g. father+mother, or mother")
    relationship = models.CharField(
        max_length=20, help_text="engine class: parent, full_sibling, second_degree or family"
    )
    lr = models.FloatField(help_text="likelihood ratio of the candidate (best class)")
    stated_lr = models.FloatField(help_text="likelihood ratio for the relation the family states")
    posterior = models.FloatField()
    loci_compared = models.PositiveIntegerField()
    inconsistent_loci = models.PositiveIntegerField()
    class_lrs = models.JSONField(default=dict)
    candidates = models.JSONField(default=list, help_text="every candidate row of this family in the search")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PENDING_LAB_REVIEW)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lr__gt=0) & Q(posterior__gte=0) & Q(posterior__lte=1), name="reunif_match_values"
            ),
        ]

    def __str__(self) -> str:
        return f"match {self.pk}"

    def access_scopes(self) -> list[Scope]:
        """A match concerns three agencies: the laboratory, the child's agency and the family's agency."""
        return [agency_scope(self.lab), self.child.access_scope(), self.tracing_request.access_scope()]

    def access_scope(self) -> Scope:
        return self.child.access_scope()


class LabReview(models.Model):
    """The laboratory's review of a proposal: confirmation on an extended panel, with the confirmation LR."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "confirmed"
        NOT_CONFIRMED = "not_confirmed", "not confirmed"

    match = models.OneToOneField(MatchProposal, on_delete=models.PROTECT, related_name="lab_review")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    confirmation_lr = models.FloatField(null=True, blank=True)
    loci_compared = models.PositiveIntegerField(default=0)
    inconsistent_loci = models.PositiveIntegerField(default=0)
    panels = models.CharField(max_length=300, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    reviewed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome="confirmed") | Q(confirmation_lr__isnull=False),
                name="reunif_review_confirmed_has_lr",
            ),
        ]


class SafeguardingAssessment(models.Model):
    """Would going home be safe? Did this family sell, abandon or harm the child? Recorded by a caseworker."""

    class Conclusion(models.TextChoices):
        SAFE = "safe", "safe to proceed"
        CONDITIONS = "conditions", "proceed with conditions"
        NOT_SAFE = "not_safe", "not safe"

    match = models.OneToOneField(MatchProposal, on_delete=models.PROTECT, related_name="safeguarding")
    lab_review = models.OneToOneField(LabReview, on_delete=models.PROTECT, related_name="+")
    lab_outcome = models.CharField(max_length=16, help_text="copy of the lab review's outcome (checked)")
    red_flags_checked = models.BooleanField()
    red_flag_alerts = models.JSONField(
        default=list, help_text="ids of the alerts about the family that were seen"
    )
    red_flag_notes = models.TextField(blank=True, default="")
    case_history_notes = models.TextField()
    reports_notes = models.TextField(help_text="registry, police and abandonment reports checked")
    concern_sold = models.BooleanField(help_text="evidence the family sold or gave the child away for gain")
    concern_abandoned = models.BooleanField()
    concern_harmed = models.BooleanField()
    child_view_applicable = models.BooleanField(help_text="the child is old enough to give a view")
    child_view = models.TextField(blank=True, default="")
    current_carer = models.CharField(max_length=300)
    carer_view = models.TextField(blank=True, default="")
    home_visit_notes = models.TextField(blank=True, default="")
    conclusion = models.CharField(max_length=12, choices=Conclusion.choices)
    conditions = models.TextField(blank=True, default="")
    reasons = models.TextField()
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(lab_outcome="confirmed"), name="reunif_assess_needs_confirmation"
            ),
            models.CheckConstraint(
                condition=Q(red_flags_checked=True), name="reunif_assess_red_flags_checked"
            ),
            models.CheckConstraint(
                condition=~Q(conclusion="conditions") | ~Q(conditions=""),
                name="reunif_assess_conditions_written",
            ),
            models.CheckConstraint(
                condition=~Q(conclusion="safe") | Q(concern_sold=False, concern_harmed=False),
                name="reunif_assess_no_safe_with_concern",
            ),
            models.CheckConstraint(
                condition=Q(child_view_applicable=False) | ~Q(child_view=""),
                name="reunif_assess_child_view_recorded",
            ),
        ]


class ReunificationDecision(models.Model):
    """The case supervisor's decision, with reasons, resting on the safeguarding assessment."""

    class Outcome(models.TextChoices):
        REUNIFY = "reunify", "reunify the child with the family"
        REUNIFY_WITH_CONDITIONS = "reunify_conditions", "reunify with conditions"
        ALTERNATIVE = "alternative", "do not reunify: alternative care plan"

    REUNIFY_OUTCOMES = (Outcome.REUNIFY, Outcome.REUNIFY_WITH_CONDITIONS)

    match = models.OneToOneField(MatchProposal, on_delete=models.PROTECT, related_name="decision")
    assessment = models.OneToOneField(
        SafeguardingAssessment, on_delete=models.PROTECT, related_name="decision"
    )
    assessment_conclusion = models.CharField(max_length=12, help_text="copy of the assessment's conclusion")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reasons = models.TextField()
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reasons=""), name="reunif_decision_reasons"),
            models.CheckConstraint(
                condition=~Q(outcome="reunify") | Q(assessment_conclusion="safe"), name="reunif_decision_safe"
            ),
            models.CheckConstraint(
                condition=~Q(outcome="reunify_conditions")
                | Q(assessment_conclusion__in=["safe", "conditions"]),
                name="reunif_decision_conditions",
            ),
        ]


class ReunificationPlan(models.Model):
    """What follows a decision: a reunification plan, or an alternative care plan. Completion is recorded."""

    class Kind(models.TextChoices):
        REUNIFICATION = "reunification", "reunification"
        ALTERNATIVE = "alternative", "alternative care"

    match = models.OneToOneField(MatchProposal, on_delete=models.PROTECT, related_name="plan")
    decision = models.OneToOneField(ReunificationDecision, on_delete=models.PROTECT, related_name="plan")
    decision_outcome = models.CharField(max_length=20, help_text="copy of the decision's outcome (checked)")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.TextField()
    planned_for = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    completion_notes = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="reunification")
                | Q(decision_outcome__in=["reunify", "reunify_conditions"]),
                name="reunif_plan_follows_decision",
            ),
            models.CheckConstraint(
                condition=~Q(kind="alternative") | Q(decision_outcome="alternative"),
                name="reunif_plan_alternative",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(kind="reunification"),
                name="reunif_plan_only_reunification_completes",
            ),
        ]


class FollowUpVisit(models.Model):
    """A visit after the decision (to the family home, or the alternative placement)."""

    class Wellbeing(models.TextChoices):
        GOOD = "good", "doing well"
        CONCERNS = "concerns", "some concerns"
        SERIOUS = "serious", "serious concerns: act now"

    plan = models.ForeignKey(ReunificationPlan, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField()
    child_seen = models.BooleanField()
    wellbeing = models.CharField(max_length=10, choices=Wellbeing.choices)
    notes = models.TextField(blank=True, default="")
    visited_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["visited_on", "id"]
