"""Registry forms for the delivery room and the antenatal clinic: plain server-rendered forms (no script needed on
a slow connection) that hand their values to the same services as the API. Forms check shapes (the API schema's
limits); the services decide, and their refusals land on the named field (`service_errors`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kinward.apps.accounts.models import Agency
from kinward.apps.core.forms import add_service_errors
from kinward.apps.registry import services
from kinward.apps.registry.models import Birth, CustodyEvent, Person, PregnancyEvent, Staff
from kinward.engines.ids import validate as validate_newborn_id

PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")  # E.164, as the API's PersonIn
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# Offsets in use somewhere (minutes east of UTC): every half hour, and the three quarter-hour ones.
UTC_OFFSETS = sorted({m for m in range(-12 * 60, 14 * 60 + 1, 30)} | {345, 525, 765})


def offset_label(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def local_offset_minutes() -> int:
    """The offset of the server's time zone now (the form's default until a person picks another)."""
    return int(timezone.localtime().utcoffset().total_seconds() // 60)


def service_errors(form: forms.Form, invalid: ValidationError, renames: dict[str, str]) -> None:
    """Put a service's refusal on the form, renaming the service's field names to the form's."""
    if not hasattr(invalid, "error_dict"):
        form.add_error(None, invalid)
        return
    renamed: dict[str, list[str]] = {}
    for name, messages in invalid.message_dict.items():
        renamed.setdefault(renames.get(name, name), []).extend(messages)
    add_service_errors(form, ValidationError(renamed))


class _TimeMixin:
    """A wall-clock time and its UTC offset (a birth or event keeps the offset where it happened)."""

    def add_time_fields(self, offset: int) -> None:
        self.fields["time"] = forms.DateTimeField(
            label=_("Date and time"), widget=DATETIME_INPUT, input_formats=DATETIME_FORMATS
        )
        self.fields["utc_offset"] = forms.TypedChoiceField(
            label=_("Time zone (UTC offset)"),
            choices=[(m, offset_label(m)) for m in UTC_OFFSETS],
            coerce=int,
            initial=offset,
        )
        if not self.is_bound:
            now = timezone.now().astimezone(dt.timezone(dt.timedelta(minutes=offset)))
            self.initial.setdefault("time", now.replace(second=0, microsecond=0, tzinfo=None))

    def aware_time(self) -> dt.datetime:
        wall = self.cleaned_data["time"]
        if timezone.is_aware(
            wall
        ):  # the field made it aware in the server's zone: take the typed wall time back
            wall = timezone.make_naive(wall)
        return wall.replace(tzinfo=dt.timezone(dt.timedelta(minutes=self.cleaned_data["utc_offset"])))


def _add_person_fields(form: forms.Form, prefix: str, *, required: bool) -> None:
    f = form.fields
    f[f"{prefix}given_name"] = forms.CharField(label=_("Given name"), max_length=200, required=required)
    f[f"{prefix}family_name"] = forms.CharField(label=_("Family name"), max_length=200, required=False)
    f[f"{prefix}birth_date"] = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    f[f"{prefix}id_document_type"] = forms.ChoiceField(
        label=_("Identity document"),
        choices=[("", _("none shown"))] + list(Person.DocumentType.choices),
        required=False,
    )
    f[f"{prefix}id_document_number"] = forms.CharField(
        label=_("Document number"), max_length=100, required=False
    )
    f[f"{prefix}id_document_country"] = forms.CharField(
        label=_("Document country (2 letters, e.g. ID)"), max_length=2, required=False
    )
    f[f"{prefix}phone"] = forms.CharField(
        label=_("Phone (international, e.g. +628123456789)"), max_length=16, required=False
    )


def _clean_person(form: forms.Form, prefix: str) -> None:
    data = form.cleaned_data
    given = (data.get(f"{prefix}given_name") or "").strip()
    filled = any(
        data.get(f"{prefix}{n}") for n in ("family_name", "birth_date", "id_document_number", "phone")
    )
    if filled and not given:
        form.add_error(f"{prefix}given_name", _("Give at least the given name."))
    document = [data.get(f"{prefix}id_document_{n}") or "" for n in ("type", "number", "country")]
    if any(document) and not all(document):
        form.add_error(
            f"{prefix}id_document_number", _("Give the document's type, number and country together.")
        )
    country = document[2].upper()
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        form.add_error(f"{prefix}id_document_country", _("Two letters (ISO 3166-1), e.g. ID."))
    data[f"{prefix}id_document_country"] = country
    phone = (data.get(f"{prefix}phone") or "").replace(" ", "")
    if phone and not PHONE.fullmatch(phone):
        form.add_error(f"{prefix}phone", _("An international number starting with +, e.g. +628123456789."))
    data[f"{prefix}phone"] = phone


def person_data(cleaned: dict, prefix: str) -> services.PersonData | None:
    """The person the form names (None when no name was given)."""
    given = (cleaned.get(f"{prefix}given_name") or "").strip()
    if not given:
        return None
    return services.PersonData(
        given_name=given,
        family_name=(cleaned.get(f"{prefix}family_name") or "").strip(),
        birth_date=cleaned.get(f"{prefix}birth_date"),
        sex="female" if prefix == "mother_" else "unknown",
        id_document_type=cleaned.get(f"{prefix}id_document_type") or "",
        id_document_number=(cleaned.get(f"{prefix}id_document_number") or "").strip(),
        id_document_country=cleaned.get(f"{prefix}id_document_country") or "",
        phone=cleaned.get(f"{prefix}phone") or "",
    )


def person_initial(person: Person | None, prefix: str) -> dict[str, Any]:
    if person is None:
        return {}
    return {
        f"{prefix}given_name": person.given_name,
        f"{prefix}family_name": person.family_name,
        f"{prefix}birth_date": person.birth_date,
        f"{prefix}id_document_type": person.id_document_type,
        f"{prefix}id_document_number": person.id_document_number,
        f"{prefix}id_document_country": person.id_document_country,
        f"{prefix}phone": person.phone,
    }


PERSON_RENAMES = {"given_name": "given_name", "id_document": "id_document_number"}


def person_renames(prefix: str) -> dict[str, str]:
    return {name: f"{prefix}{target}" for name, target in PERSON_RENAMES.items()}


def _staff_fields(form: forms.Form, prefix: str, label: str) -> None:
    form.fields[f"{prefix}_name"] = forms.CharField(label=label, max_length=300, required=False)
    form.fields[f"{prefix}_role"] = forms.ChoiceField(
        label=_("Their role"), choices=Staff.Role.choices, initial=Staff.Role.MIDWIFE
    )


# --- antenatal care ------------------------------------------------------------------------------------------


class PregnancyEnrolForm(forms.Form):
    """Enrol a pregnancy: the mother (found again by her identity document), enrolment and expected dates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _add_person_fields(self, "mother_", required=True)
        self.fields["enrolled_on"] = forms.DateField(
            label=_("Enrolled on"), widget=DATE_INPUT, initial=timezone.localdate
        )
        self.fields["expected_date"] = forms.DateField(
            label=_("Expected date of delivery"), widget=DATE_INPUT
        )

    def clean(self):
        cleaned = super().clean()
        _clean_person(self, "mother_")
        return cleaned

    renames = {**person_renames("mother_"), "mother": "mother_given_name"}


class PregnancyVisitForm(forms.Form):
    date = forms.DateField(label=_("Visit date"), widget=DATE_INPUT, initial=timezone.localdate)


class PregnancyEndForm(forms.Form):
    """How a pregnancy ended without a birth here (a ledger fact)."""

    type = forms.ChoiceField(label=_("Outcome"), choices=PregnancyEvent.Type.choices)
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT, initial=timezone.localdate)
    to_facility = forms.TypedChoiceField(
        label=_("Receiving facility (transfer only)"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, facility_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_facility"].choices = [("", "—")] + list(facility_choices)
        _staff_fields(self, "recorded_by", _("Recorded by (name)"))


# --- birth notification --------------------------------------------------------------------------------------


class BirthNotifyForm(_TimeMixin, forms.Form):
    """The delivery room's birth notification: the API's BirthNotificationIn fields, as one plain form."""

    renames = {
        **person_renames("mother_"),
        "pregnancy_id": "pregnancy",
        "attendant.name": "attendant_name",
        "attendant.role": "attendant_role",
        "delivery": "twin_of",
        "facility_id": "__all__",
    }

    def __init__(self, *args, offset: int, pregnancy_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["pregnancy"] = forms.TypedChoiceField(
            label=_("Enrolled pregnancy (if any)"),
            choices=[("", _("not enrolled here"))] + list(pregnancy_choices),
            coerce=int,
            required=False,
            empty_value=None,
        )
        _add_person_fields(self, "mother_", required=False)
        f["mother_absent_reason"] = forms.ChoiceField(
            label=_("No mother recorded because"),
            choices=[("", _("the mother is recorded above"))] + list(Birth.MotherAbsentReason.choices),
            required=False,
            help_text=_(
                "Only when the mother cannot be named: her identity document or a reason is required."
            ),
        )
        self.add_time_fields(offset)
        f["outcome"] = forms.ChoiceField(
            label=_("Born"), choices=Birth.Outcome.choices, initial="live", widget=forms.RadioSelect
        )
        f["sex"] = forms.ChoiceField(label=_("Sex"), choices=Person.Sex.choices, widget=forms.RadioSelect)
        f["weight_g"] = forms.IntegerField(
            label=_("Weight (grams)"), min_value=200, max_value=8000, required=False
        )
        f["twin_of"] = forms.CharField(
            label=_("Multiple birth: newborn ID of a sibling from this delivery"),
            max_length=20,
            required=False,
            help_text=_("Leave empty for a single birth or the first child of a multiple birth."),
        )
        _staff_fields(self, "attendant", _("Birth attendant (name)"))
        f["newborn_id"] = forms.CharField(
            label=_("Newborn ID from the facility's offline block (only if one was already used)"),
            max_length=20,
            required=False,
        )

    def clean_twin_of(self) -> str:
        return self._newborn_id("twin_of")

    def clean_newborn_id(self) -> str:
        return self._newborn_id("newborn_id")

    def _newborn_id(self, name: str) -> str:
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        result = validate_newborn_id(value)
        if not result.valid:
            raise ValidationError(result.message)
        return result.id

    def clean(self):
        cleaned = super().clean()
        _clean_person(self, "mother_")
        return cleaned


# --- custody events ------------------------------------------------------------------------------------------


class CustodyEventForm(_TimeMixin, forms.Form):
    """What every custody event form shares: when it happened and who recorded it."""

    event_type = ""
    renames: dict[str, str] = {"recorded_by": "recorded_by_name", "attendant.name": "recorded_by_name"}

    def __init__(self, *args, offset: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_time_fields(offset)
        _staff_fields(self, "recorded_by", _("Recorded by (name)"))

    def event_fields(self) -> dict[str, Any]:
        """The type's own CustodyInput fields (people are resolved by the view inside its transaction)."""
        return {}


class DischargeForm(CustodyEventForm):
    event_type = "discharge"
    renames = {**CustodyEventForm.renames, **person_renames("to_"), "to": "to_given_name"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _add_person_fields(self, "to_", required=True)
        self.fields["relationship"] = forms.ChoiceField(
            label=_("Relationship to the child"), choices=CustodyEvent.Relationship.choices
        )
        self.fields["relationship_detail"] = forms.CharField(
            label=_("Relationship, when other"), max_length=300, required=False
        )
        self.fields["id_document_checked"] = forms.TypedChoiceField(
            label=_("Identity document checked"),
            choices=[("yes", _("yes, seen and checked")), ("no", _("no"))],
            coerce=lambda v: v == "yes",
            widget=forms.RadioSelect,
        )

    def clean(self):
        cleaned = super().clean()
        _clean_person(self, "to_")
        return cleaned

    def event_fields(self) -> dict[str, Any]:
        return {
            "relationship": self.cleaned_data["relationship"],
            "relationship_detail": self.cleaned_data["relationship_detail"].strip(),
            "id_document_checked": self.cleaned_data["id_document_checked"],
        }


class TransferForm(CustodyEventForm):
    event_type = "transfer"
    renames = {**CustodyEventForm.renames, "to_facility": "to_facility"}

    def __init__(self, *args, facility_choices: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_facility"] = forms.TypedChoiceField(
            label=_("To facility or child protection"), choices=list(facility_choices), coerce=int
        )

    def event_fields(self) -> dict[str, Any]:
        return {"to_facility": Agency.objects.get(pk=self.cleaned_data["to_facility"])}


class DeathForm(CustodyEventForm):
    event_type = "death"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cause"] = forms.CharField(label=_("Cause of death"), max_length=300)

    def event_fields(self) -> dict[str, Any]:
        return {"cause": self.cleaned_data["cause"].strip()}


class AbandonmentFoundForm(CustodyEventForm):
    event_type = "abandonment_found"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"] = forms.CharField(label=_("Where the child was found"), max_length=300)
        self.fields["found_by"] = forms.CharField(label=_("Found by"), max_length=300)
        self.fields["condition"] = forms.CharField(label=_("The child's condition"), max_length=300)

    def event_fields(self) -> dict[str, Any]:
        return {n: self.cleaned_data[n].strip() for n in ("place", "found_by", "condition")}


class AdoptionOrderForm(CustodyEventForm):
    """An adoption order: the deciding authority, its decision, the adoption agency and one or two adoptive
    parents, each named with an identity document. The child's record is linked to them, never changed."""

    event_type = "adoption_order"
    PARENTS = ("parent1_", "parent2_")
    renames = {
        **CustodyEventForm.renames,
        **person_renames("parent1_"),
        "adoptive_parents": "parent1_given_name",
        # the service's rule (`services.adoptive_parent_problems`), shown on the parent's document number
        **{
            f"adoptive_parents[{n}].id_document": f"{prefix}id_document_number"
            for n, prefix in enumerate(PARENTS)
        },
    }

    def __init__(self, *args, authority_choices=(), agency_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        f = self.fields
        f["authority"] = forms.TypedChoiceField(
            label=_("Deciding authority or court"), choices=list(authority_choices), coerce=int
        )
        f["decision_number"] = forms.CharField(label=_("Decision number"), max_length=100)
        f["decided_on"] = forms.DateField(label=_("Decided on"), widget=DATE_INPUT)
        f["adoption_agency"] = forms.TypedChoiceField(
            label=_("Adoption agency (if any)"),
            choices=[("", "—")] + list(agency_choices),
            coerce=int,
            required=False,
            empty_value=None,
        )
        who_is = (_("First adoptive parent"), _("Second adoptive parent (if any)"))
        for prefix, who in zip(self.PARENTS, who_is, strict=True):
            _add_person_fields(self, prefix, required=prefix == "parent1_")
            for name in [n for n in f if n.startswith(prefix)]:
                f[name].label = format_lazy("{}: {}", who, f[name].label)
            f[f"{prefix}id_document_type"].help_text = _("Required for each adoptive parent named.")
        f["recorded_by_role"].initial = Staff.Role.OTHER

    def clean(self):
        """Each parent's fields; the identity document each adoptive parent needs is the service's rule
        (`services.adoptive_parent_problems`, as for the API), shown on the parent's document number."""
        cleaned = super().clean()
        for prefix in self.PARENTS:
            _clean_person(self, prefix)
        return cleaned

    def adoptive_parents(self) -> list[services.PersonData]:
        """The adoptive parents the form names, in order (resolved by the view inside its transaction)."""
        named = (person_data(self.cleaned_data, prefix) for prefix in self.PARENTS)
        return [person for person in named if person is not None]

    def event_fields(self) -> dict[str, Any]:
        agency = self.cleaned_data["adoption_agency"]
        return {
            "authority": Agency.objects.get(pk=self.cleaned_data["authority"]),
            "decision_number": self.cleaned_data["decision_number"].strip(),
            "decided_on": self.cleaned_data["decided_on"],
            "adoption_agency": Agency.objects.get(pk=agency) if agency else None,
        }


# Fields a correction from the page may change, and how its new value is read. People and staff are named by
# record, not typed: their corrections go through the API (person) or a new event.
_TEXT = ("relationship_detail", "place", "found_by", "condition", "decision_number", "cause")
_AGENCY = ("facility", "to_facility", "authority", "adoption_agency")
CORRECTION_FIELDS = ("time", "relationship", "id_document_checked", "decided_on", *_AGENCY, *_TEXT)


def correction_value(field: str, text: str) -> Any:
    """The JSON value a correction of `field` stores, read from what was typed; ValueError says what is wrong."""
    text = text.strip()
    if field == "time":
        value = dt.datetime.fromisoformat(text)
        if value.utcoffset() is None:
            raise ValueError("give the time with its offset, e.g. 2026-03-01T04:12:00+07:00")
        return value.isoformat()
    if field == "decided_on":
        return dt.date.fromisoformat(text).isoformat()
    if field == "id_document_checked":
        if text.lower() not in ("yes", "no", "true", "false"):
            raise ValueError("answer yes or no")
        return text.lower() in ("yes", "true")
    if field == "relationship":
        if text not in CustodyEvent.Relationship.values:
            raise ValueError(f"use one of {', '.join(CustodyEvent.Relationship.values)}")
        return text
    if field in _AGENCY:
        if not text.isdigit() or not Agency.objects.filter(pk=int(text)).exists():
            raise ValueError("give the agency's number (as shown in the agency list)")
        return int(text)
    if not text:
        raise ValueError("give the new value")
    return text if field in _TEXT else json.loads(text)


class CorrectionForm(CustodyEventForm):
    event_type = "correction"
    renames = {**CustodyEventForm.renames, "corrects": "corrects", "field": "field", "reason": "reason"}

    def __init__(self, *args, event_choices: list[tuple[str, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"] = forms.ChoiceField(label=_("Event to correct"), choices=list(event_choices))
        self.fields["field"] = forms.ChoiceField(
            label=_("Field to correct"), choices=[(f, f.replace("_", " ")) for f in CORRECTION_FIELDS]
        )
        self.fields["new_value"] = forms.CharField(
            label=_("Correct value"),
            max_length=300,
            help_text=_("A time as 2026-03-01T04:12+07:00, a date as 2026-03-01, yes/no, or the text."),
        )
        self.fields["reason"] = forms.CharField(label=_("Reason for the correction"), max_length=500)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("field") and cleaned.get("new_value") is not None:
            try:
                cleaned["new_value"] = correction_value(cleaned["field"], cleaned["new_value"])
            except ValueError as exc:
                self.add_error("new_value", str(exc))
        return cleaned

    def event_fields(self) -> dict[str, Any]:
        return {
            "field": self.cleaned_data["field"],
            "new_value": self.cleaned_data["new_value"],
            "reason": self.cleaned_data["reason"].strip(),
        }


CUSTODY_FORMS: dict[str, type[CustodyEventForm]] = {
    form.event_type: form
    for form in (
        DischargeForm,
        TransferForm,
        DeathForm,
        AbandonmentFoundForm,
        AdoptionOrderForm,
        CorrectionForm,
    )
}
