"""Forms of the public tip line and of the analysts' triage page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.models import Region
from kinward.apps.tips.models import Tip


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files in one field; each is read into memory only if it is within the size limit."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": "image/jpeg,image/png,image/webp,application/pdf"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        limit = settings.TIP_ATTACHMENT_MAX_BYTES
        for position, upload in enumerate(files, start=1):
            if upload.size > limit:
                raise ValidationError(
                    _("File %(n)s is too large: at most %(mb)s MB per file.")
                    % {"n": position, "mb": round(limit / 1_048_576, 1)}
                )
        return [b"".join(upload.chunks()) for upload in files]


def attachments_help():
    return _(
        "Optional. Up to %(n)s pictures (JPEG, PNG or WebP) or PDF documents, at most %(mb)s MB each. "
        "Before we store them we remove hidden details such as the place and time a photo was taken or the "
        "author of a PDF. Password-protected PDF files are not accepted."
    ) % {"n": settings.TIP_ATTACHMENTS_MAX, "mb": round(settings.TIP_ATTACHMENT_MAX_BYTES / 1_048_576, 1)}


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return obj.name


class TipForm(forms.Form):
    category = forms.ChoiceField(label=_("What is your tip about?"), choices=Tip.Category.choices)
    what_happened = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Describe what you saw or heard, in your own words."),
    )
    where = forms.CharField(
        label=_("Where did it happen?"),
        max_length=500,
        help_text=_("A town, a street, the name of a clinic or a website."),
    )
    region = RegionField(
        label=_("Region (optional)"),
        required=False,
        empty_label=_("I don't know"),
        queryset=Region.objects.exclude(level=Region.Level.COUNTRY).order_by("path"),
    )
    when = forms.CharField(
        label=_("When did it happen? (optional)"),
        max_length=200,
        required=False,
        help_text=_('A date, or words such as "last week".'),
    )
    seen_identifiers = forms.CharField(
        label=_("Links, phone numbers or accounts you saw (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a web address, a phone number or a social-media account name."),
    )
    contact_name = forms.CharField(label=_("Your name (optional)"), max_length=200, required=False)
    contact_phone = forms.CharField(label=_("Your phone number (optional)"), max_length=50, required=False)
    contact_email = forms.EmailField(label=_("Your e-mail address (optional)"), required=False)
    attachments = AttachmentsField(label=_("Pictures (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()


class ReceiptCodeForm(forms.Form):
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The code you were given when you sent your tip, like K7QM-2HXD-9RTA-WBNE."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class AddInformationForm(forms.Form):
    receipt_code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    text = forms.CharField(
        label=_("What would you like to add?"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = AttachmentsField(label=_("Pictures (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = attachments_help()


class TriageForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("assign", _("Take it: I am reviewing it")),
            ("reviewed", _("Mark reviewed")),
            ("alert", _("Make a red-flag alert")),
            ("refer", _("Refer (to a case, a police unit or a service)")),
            ("route", _("Send to the analysts of another region")),
            ("close", _("Close")),
        ],
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required to close, refer or make an alert; kept with the decision."),
    )
    target = forms.CharField(
        label=_("Referred to"),
        max_length=200,
        required=False,
        help_text=_("Only to refer: the case, unit or service, e.g. a case number."),
    )
    region = RegionField(
        label=_("Region"),
        required=False,
        queryset=Region.objects.order_by("path"),
        help_text=_("Only to send the tip to another region."),
    )
