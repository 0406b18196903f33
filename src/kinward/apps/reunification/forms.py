"""Page forms; their cleaned data go to the services unchanged (the services validate the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kinward.apps.reunification.models import FamilyMember, FollowUpVisit, SafeguardingAssessment

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"})
TEXT = forms.Textarea(attrs={"rows": 3})
SEX_CHOICES = [("", _("not known")), ("F", _("female")), ("M", _("male"))]


class ChildForm(forms.Form):
    found_on = forms.DateField(label=_("Found or rescued on"), widget=DATE)
    name_known = forms.CharField(label=_("Name the child uses"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    birth_date_estimated = forms.DateField(label=_("Birth date (estimated)"), widget=DATE, required=False)
    found_place = forms.CharField(label=_("Where"), required=False)
    current_carer = forms.CharField(label=_("Current carer"), required=False)
    case_reference = forms.CharField(label=_("Case number"), required=False)


class CaseLinkForm(forms.Form):
    """Link a rescued child of the agency to their child-protection case (cases the user may see)."""

    child = forms.ModelChoiceField(label=_("Rescued child"), queryset=None)
    case = forms.ModelChoiceField(label=_("Child-protection case"), queryset=None, required=False)

    def __init__(self, *args, children=None, cases=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["child"].queryset = children
        self.fields["child"].label_from_instance = lambda c: f"{c.pk} · {c.label}"
        self.fields["case"].queryset = cases
        self.fields["case"].label_from_instance = lambda c: f"{c.reference} · {c.given_name} {c.family_name}"


class MemberForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"))
    family_name = forms.CharField(label=_("Family name"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=SEX_CHOICES, required=False)
    birth_date = forms.DateField(label=_("Birth date"), widget=DATE, required=False)
    relation = forms.ChoiceField(label=_("Relation to the child"), choices=FamilyMember.Relation.choices)
    phone = forms.CharField(label=_("Phone"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    person_ref = forms.CharField(
        label=_("Registry person reference"),
        required=False,
        help_text=_("Used to look for red-flag alerts about this person."),
    )
    dna_consent = forms.BooleanField(
        label=_("Consents to give a DNA sample and to its use in the search"), required=False
    )
    dna_consent_on = forms.DateField(label=_("Date of the DNA consent"), widget=DATE, required=False)


class TracingForm(forms.Form):
    received_on = forms.DateField(label=_("Request received on"), widget=DATE)
    searcher_given_name = forms.CharField(label=_("Searching person: given name"))
    searcher_family_name = forms.CharField(label=_("Searching person: family name"), required=False)
    searcher_relation = forms.ChoiceField(
        label=_("Searching person: relation to the child"), choices=FamilyMember.Relation.choices
    )
    searcher_sex = forms.ChoiceField(label=_("Searching person: sex"), choices=SEX_CHOICES, required=False)
    searcher_phone = forms.CharField(label=_("Searching person: phone"), required=False)
    searcher_address = forms.CharField(label=_("Searching person: address"), required=False)
    child_name = forms.CharField(label=_("The child's name as the family knew it"), required=False)
    child_sex = forms.ChoiceField(label=_("The child's sex"), choices=SEX_CHOICES, required=False)
    child_birth_date = forms.DateField(label=_("The child's birth date"), widget=DATE, required=False)
    child_marks = forms.CharField(
        label=_("Marks, clothes, anything the family remembers"), widget=TEXT, required=False
    )
    lost_on = forms.DateField(label=_("When the child was lost"), widget=DATE, required=False)
    lost_place = forms.CharField(label=_("Where the child was lost"), required=False)
    lost_circumstances = forms.CharField(label=_("How the child was lost"), widget=TEXT, required=False)
    tracing_consent = forms.BooleanField(label=_("The family consents to tracing"), required=False)
    tracing_consent_on = forms.DateField(label=_("Date of the tracing consent"), widget=DATE, required=False)

    @staticmethod
    def service_args(data: dict) -> dict:
        data = dict(data)
        searcher = {k.removeprefix("searcher_"): data.pop(k) for k in list(data) if k.startswith("searcher_")}
        return {**data, "searcher": searcher}


class SampleForm(forms.Form):
    code = forms.CharField(label=_("Sample code"))
    kit = forms.CharField(label=_("Collection kit and lot"))
    collected_at = forms.DateTimeField(label=_("Collected at"), widget=DATETIME)
    handled_by = forms.CharField(label=_("Collected by (name and role)"))
    place = forms.CharField(label=_("Where collected"))
    donor_child = forms.IntegerField(label=_("Donor: rescued child number"), required=False)
    donor_member = forms.IntegerField(label=_("Donor: family member number"), required=False)


class CustodyForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Event"),
        choices=[
            ("sealed", _("sealed")),
            ("transferred", _("transferred")),
            ("received", _("received")),
            ("typed", _("typed")),
        ],
    )
    at = forms.DateTimeField(label=_("When"), widget=DATETIME)
    handled_by = forms.CharField(label=_("Who (name and role)"))
    place = forms.CharField(label=_("Where"))
    seal_number = forms.CharField(label=_("Seal number"), required=False)


class ImportForm(forms.Form):
    panel = forms.CharField(label=_("Typing kit or panel"), help_text=_("e.g. CODIS 20, or extended 29"))
    file = forms.FileField(label=_("Genotype CSV (profile_id, role, locus, allele1, allele2)"))


class LabReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("confirmed", _("Confirmed on the extended panel")), ("not_confirmed", _("Not confirmed"))],
    )
    notes = forms.CharField(label=_("Notes"), widget=TEXT, required=False)


class AssessmentForm(forms.Form):
    red_flags_checked = forms.BooleanField(
        label=_("I checked the red-flag alerts about the family"), required=False
    )
    red_flag_notes = forms.CharField(label=_("What the alerts show"), widget=TEXT, required=False)
    case_history_notes = forms.CharField(label=_("Case history checked, and what it shows"), widget=TEXT)
    reports_notes = forms.CharField(label=_("Reports checked (registry, police, abandonment)"), widget=TEXT)
    concern_sold = forms.BooleanField(
        label=_("Evidence the family sold or gave the child away for gain"), required=False
    )
    concern_abandoned = forms.BooleanField(label=_("The family abandoned the child"), required=False)
    concern_harmed = forms.BooleanField(label=_("The family harmed or neglected the child"), required=False)
    child_view_applicable = forms.BooleanField(
        label=_("The child is old enough to give a view"), required=False
    )
    child_view = forms.CharField(label=_("The child's own view"), widget=TEXT, required=False)
    current_carer = forms.CharField(label=_("Current carer"))
    carer_view = forms.CharField(label=_("The carer's view"), widget=TEXT, required=False)
    home_visit_notes = forms.CharField(label=_("Home visit to the family"), widget=TEXT, required=False)
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=SafeguardingAssessment.Conclusion.choices)
    conditions = forms.CharField(label=_("Conditions (if any)"), widget=TEXT, required=False)
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("reunify", _("Reunify the child with the family")),
            ("reunify_conditions", _("Reunify with conditions")),
            ("alternative", _("Do not reunify: alternative care")),
        ],
    )
    reasons = forms.CharField(label=_("Reasons"), widget=TEXT)
    plan = forms.CharField(label=_("Plan (reunification or alternative care)"), widget=TEXT)
    planned_for = forms.DateField(label=_("Planned for"), widget=DATE, required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("Visited on"), widget=DATE)
    child_seen = forms.BooleanField(label=_("The child was seen"), required=False)
    wellbeing = forms.ChoiceField(label=_("How the child is"), choices=FollowUpVisit.Wellbeing.choices)
    notes = forms.CharField(label=_("Notes"), widget=TEXT, required=False)


class CompleteForm(forms.Form):
    notes = forms.CharField(label=_("How the handover went"), widget=TEXT, required=False)


STEP_TITLES = {
    "lab_review": _("Laboratory review"),
    "safeguarding": _("Safeguarding assessment"),
    "decision": _("Supervisor's decision"),
    "visit": _("Follow-up visit"),
    "complete": _("The child went home"),
}
