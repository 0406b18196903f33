"""Sign-in, sign-out, password change and the role's home page."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts import services as account_services
from kinward.apps.core.forms import add_service_errors
from kinward.apps.core.selectors import home_page


class SignInForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=_("Current password"), widget=forms.PasswordInput)
    new_password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)
    new_password_again = forms.CharField(label=_("New password again"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("new_password") != data.get("new_password_again"):
            raise ValidationError(_("The two new passwords differ."))
        return data


def login_view(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.login_attempt(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client_address=request.META.get("REMOTE_ADDR", ""),
            )
        except account_services.LoginRefused as refused:
            form.add_error(None, str(refused))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = ""
            return redirect(target or "core:home")
    return render(request, "core/login.html", {"form": form}, status=200 if request.method == "GET" or
                  form.is_valid() else 400)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    actor = getattr(request, "actor", None)
    if actor is not None and not actor.is_anonymous:
        account_services.logout_record(actor=actor)
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("core:login")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"page": home_page(actor=request.actor)})


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_services.password_change(
                actor=request.actor,
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password is changed."))
            return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


def health(request: HttpRequest) -> HttpResponse:
    """Liveness for load balancers: answers without touching personal data."""
    return HttpResponse("ok", content_type="text/plain")
