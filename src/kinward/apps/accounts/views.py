"""Administrators' pages: people of the agencies, and API tokens for system clients."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts import selectors, services
from kinward.apps.accounts.roles import catalogue


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Which system uses it"), max_length=200)
    agency = forms.ModelChoiceField(label=_("Agency it acts for"), queryset=None)
    actions = forms.MultipleChoiceField(label=_("Actions it may take"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = selectors.agency_list(actor=actor)
        self.fields["actions"].choices = [(a, f"{a}: {t}") for a, t in catalogue().actions.items()]


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    token_list = selectors.api_token_list(actor=request.actor)
    form = TokenForm(request.POST or None, actor=request.actor)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_issue(actor=request.actor, name=form.cleaned_data["name"],
                                              agency=form.cleaned_data["agency"],
                                              actions=form.cleaned_data["actions"])
        except ValidationError as invalid:
            form.add_error(None, invalid)
        else:
            form = TokenForm(actor=request.actor)
    return render(request, "accounts/tokens.html", {"tokens": token_list, "form": form, "issued": issued},
                  status=400 if request.method == "POST" and issued is None else 200)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get(actor=request.actor, token_id=token_id)
    services.api_token_revoke(actor=request.actor, token=token)
    messages.success(request, _("The token is revoked; the system using it is refused from now on."))
    return redirect("accounts:tokens")


@login_required
def people(request: HttpRequest) -> HttpResponse:
    people_list = selectors.user_list(actor=request.actor)
    return render(request, "accounts/people.html", {"people": people_list, "now": timezone.now()})


@login_required
@require_POST
def person_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    person = selectors.user_get_for_management(actor=request.actor, user_id=user_id)
    services.user_unlock(actor=request.actor, user=person)
    messages.success(request, _("The account is unlocked."))
    return redirect("accounts:people")
