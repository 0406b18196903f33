"""Attach the acting identity to every page request, so views hand it to services and selectors."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import translation

from kinward.apps.accounts.services import actor_for_user


class ActorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            request.actor = actor_for_user(user, client_address=request.META.get("REMOTE_ADDR", ""))
            if user.preferred_language and not request.COOKIES.get("django_language"):
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A page refused by `require` answers 403 without revealing the record; a missing one 404."""
        from django.core.exceptions import ObjectDoesNotExist
        from django.shortcuts import render

        from kinward.apps.accounts.authz import AccessDenied

        if isinstance(exception, AccessDenied):
            return render(request, "core/403.html", status=403)
        if isinstance(exception, ObjectDoesNotExist):
            return render(request, "core/404.html", status=404)
        return None
