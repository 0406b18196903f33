"""Auditors' pages: search the trail, export it as CSV."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from kinward.apps.audit import selectors
from kinward.apps.audit.models import AuditEntry


class AuditSearchForm(forms.Form):
    action = forms.CharField(label=_("Action starts with"), required=False)
    object_type = forms.CharField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False)
    username = forms.CharField(label=_("Username"), required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", _("any"))] + list(AuditEntry.Outcome.choices))
    since = forms.DateTimeField(label=_("From"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    until = forms.DateTimeField(label=_("To"), required=False,
                                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


def _query(request: HttpRequest) -> tuple[AuditSearchForm, selectors.AuditQuery]:
    form = AuditSearchForm(request.GET or None)
    if form.is_valid():
        return form, selectors.AuditQuery(**{k: v or ("" if k not in ("since", "until") else None)
                                             for k, v in form.cleaned_data.items()})
    return form, selectors.AuditQuery()


@login_required
def search(request: HttpRequest) -> HttpResponse:
    form, query = _query(request)
    entries = selectors.audit_entry_search(actor=request.actor, query=query)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    template = "audit/_results.html" if request.headers.get("HX-Request") else "audit/search.html"
    return render(request, template, {"form": form, "page": page, "querystring": request.GET.urlencode()})


@login_required
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    _form, query = _query(request)
    response = StreamingHttpResponse(selectors.audit_entry_export_csv(actor=request.actor, query=query),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="kinward-audit.csv"'
    return response
