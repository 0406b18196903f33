"""Page forms of the cases app. They only parse input; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.models import Agency
from kinward.apps.cases.catalogue import Instrument, consent_rules, service_catalogue
from kinward.apps.cases.models import Case, ConsentRecord, Perpetrator, ServiceRecord, TraffickingEvent

DATE = forms.DateInput(attrs={"type": "date"})


def _text(label, rows=3, required=False, help_text=""):
    return forms.CharField(
        label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows})
    )


class ChildForm(forms.Form):
    """The child's identity as a case holds it."""

    given_name = forms.CharField(label=_("Name the child uses"), max_length=200)
    family_name = forms.CharField(label=_("Family name"), max_length=200, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Case.Sex.choices)
    birth_date = forms.DateField(label=_("Birth date"), required=False, widget=DATE)
    age_estimate_years = forms.IntegerField(
        label=_("Age estimate (years), when the birth date is not known"),
        required=False,
        min_value=0,
        max_value=25,
    )
    nationality = forms.CharField(label=_("Nationality (ISO code, e.g. ID)"), max_length=2, required=False)
    languages = forms.CharField(label=_("Languages the child speaks"), max_length=200, required=False)
    newborn_id = forms.CharField(label=_("Newborn ID (if the child has one)"), max_length=20, required=False)


class CaseForm(ChildForm):
    exploitation_type = forms.ChoiceField(
        label=_("Type of exploitation"), choices=Case.Exploitation.choices, initial=Case.Exploitation.UNKNOWN
    )


class ContextForm(forms.Form):
    exploitation_type = forms.ChoiceField(label=_("Type of exploitation"), choices=Case.Exploitation.choices)
    exploitation_details = _text(_("What is known of the exploitation"))
    vulnerabilities = _text(_("Vulnerabilities"))


class PlanForm(forms.Form):
    plan = _text(_("Support plan: what the child needs, agreed with the child"), rows=5, required=True)


class PerpetratorForm(forms.Form):
    role = forms.ChoiceField(label=_("Role in what happened"), choices=Perpetrator.Role.choices)
    details = _text(_("Details"))


class EventForm(forms.Form):
    type = forms.ChoiceField(label=_("Event"), choices=TraffickingEvent.Type.choices)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE)
    city = forms.CharField(label=_("Place (city, facility)"), max_length=200, required=False)
    country = forms.CharField(label=_("Country (ISO code)"), max_length=2, required=False)
    description = _text(_("What happened"))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Trafficking status"), choices=Case.TraffickingStatus.choices[1:])
    authority = forms.CharField(label=_("Competent authority that decided"), max_length=300)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    reasons = _text(_("Reasons"), required=True)


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"))
    decision = forms.ChoiceField(label=_("Decision"), choices=ConsentRecord.Decision.choices)
    given_by = forms.ChoiceField(
        label=_("Given, refused or withdrawn by"), choices=ConsentRecord.GivenBy.choices, required=False
    )
    reason = _text(_("Reason (required for an override)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = [(p.code, p.title) for p in consent_rules().purposes.values()]


class ReferralForm(forms.Form):
    to_agency = forms.ModelChoiceField(label=_("Refer to agency"), queryset=Agency.objects.none())
    service = forms.ChoiceField(label=_("Service"))
    details = _text(_("What the receiving service should know to help (logistics, arrangements)"))
    shared_sections = forms.MultipleChoiceField(
        label=_("Share also (beyond the minimum: needs consent to information sharing, or an override)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, own_agency_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = (
            Agency.objects.filter(offered_services__is_active=True).exclude(pk=own_agency_id).distinct()
        )
        self.fields["service"].choices = service_catalogue().choices()
        self.fields["shared_sections"].choices = [
            (s, s.replace("_", " ")) for s in consent_rules().optional_sections
        ]


class ServiceForm(forms.Form):
    entry = forms.ChoiceField(label=_("Entry"), choices=ServiceRecord.Entry.choices)
    service = forms.ChoiceField(label=_("Service (when not on a referral)"), required=False)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    description = _text(_("What was delivered or found"))
    outcome = forms.ChoiceField(
        label=_("Outcome (for an outcome entry)"),
        required=False,
        choices=[("", "—"), *ServiceRecord.Outcome.choices],
    )
    next_follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = [("", "—"), *service_catalogue().choices()]


class ChildIdentityForm(ChildForm):
    """The child's identity; saving records the fields that differ, with the reason."""

    reason = _text(_("Why the record changes"), required=True)


class ReassignForm(forms.Form):
    caseworker = forms.ModelChoiceField(label=_("New primary caseworker"), queryset=None)
    reason = _text(_("Why the case changes hands"), required=True)

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caseworker"].queryset = staff if staff is not None else Case.objects.none()
        self.fields["caseworker"].label_from_instance = lambda user: user.get_full_name() or user.username


class ClosureForm(forms.Form):
    reason = _text(_("Why the case can close"), required=True)


class ClosureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve closing the case")), ("return", _("Return it to the caseworker"))],
    )
    note = _text(_("Note (required to return)"))


class RespondForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accept", _("Accept")), ("reject", _("Reject")), ("complete", _("Mark completed"))],
    )
    reason = _text(_("Reason (required to reject)"))


class RevokeForm(forms.Form):
    reason = _text(_("Why the referral is revoked"), required=True)


class DeclareForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service your agency offers"))
    active = forms.BooleanField(label=_("Offered (untick to withdraw)"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = service_catalogue().choices()


def screening_form(instrument: Instrument, data=None) -> forms.Form:
    """A form with one checkbox per instrument item, in the instrument's groups (the form renderer)."""
    fields = {item.id: forms.BooleanField(label=item.text, required=False) for item in instrument.items}
    fields["notes"] = _text(_("Notes (what you saw or were told; not the child's words in full)"))
    return type("ScreeningForm", (forms.Form,), fields)(data)


class LeadAgencyField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name} ({obj.region.name})"


class LeadCaseForm(forms.Form):
    """Open a case at a child-protection agency from a tip or an online post (the analysts' pages)."""

    agency = LeadAgencyField(
        label=_("Child-protection agency that will hold the case"),
        queryset=Agency.objects.none(),
        help_text=_("Its case supervisor becomes the primary caseworker; its case staff are notified."),
    )
    reason = _text(_("Why a case is opened"), required=True, help_text=_("Kept with the case and the lead."))
    given_name = forms.CharField(
        label=_("Name the child uses, if known"),
        max_length=200,
        required=False,
        help_text=_('Left empty, the case names the child "Unknown".'),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Case.Sex.choices, initial=Case.Sex.UNKNOWN)
    age_estimate_years = forms.IntegerField(
        label=_("Age estimate (years), if known"), required=False, min_value=0, max_value=25
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["agency"].queryset = agencies

    def child(self) -> dict:
        data = self.cleaned_data
        return {
            "given_name": data["given_name"],
            "sex": data["sex"],
            "age_estimate_years": data["age_estimate_years"],
        }
