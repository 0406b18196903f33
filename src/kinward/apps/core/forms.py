"""Pages hand form data to services; a service's refusal (a ValidationError naming fields) lands on the form."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form: forms.Form, invalid: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the named field when the form has it, else on the form."""
    for field_name, errors in invalid.message_dict.items():
        form.add_error(field_name if field_name in form.fields else None, errors)


def apply_form(form: forms.Form, call: Callable[[dict], object]) -> bool:
    """Run `call` with a valid form's cleaned data; a refusal goes onto the form. True when it went through."""
    if not form.is_valid():
        return False
    try:
        call(form.cleaned_data)
    except ValidationError as invalid:
        add_service_errors(form, invalid)
        return False
    return True
