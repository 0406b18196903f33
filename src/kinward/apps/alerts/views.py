"""Reviewers' pages: the alert queue, an alert with its evidence and decisions, each rule's precision."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kinward.apps.alerts import selectors, services
from kinward.apps.alerts.models import Alert
from kinward.apps.core.forms import add_service_errors


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[
        ("review", _("Take it: I am reviewing it")),
        ("dismiss", _("Dismiss: not a concern")),
        ("escalate_case", _("Escalate to a child-protection case")),
        ("escalate_police", _("Escalate to police")),
        ("merge", _("Merge: a duplicate of another alert")),
    ])
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                             help_text=_("Required to dismiss, escalate or merge; kept with the decision."))
    into = forms.IntegerField(label=_("Duplicate of alert number"), required=False)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rule = request.GET.get("rule", "")
    alerts = selectors.alert_queue(actor=request.actor, status=status, rule=rule,
                                   assigned_to_me=request.GET.get("mine") == "1")
    page = Paginator(alerts, 50).get_page(request.GET.get("page"))
    template = "alerts/_queue_rows.html" if request.headers.get("HX-Request") else "alerts/queue.html"
    return render(request, template, {"page": page, "status": status, "rule": rule,
                                      "statuses": Alert.Status.choices,
                                      "rules": sorted(set(alerts.values_list("rule", flat=True)))})


@login_required
def detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_open(actor=request.actor, alert_id=alert_id)
    return render(request, "alerts/detail.html", {"alert": alert, "form": DecisionForm(),
                                                   "decisions": alert.decisions.select_related("decided_by")})


@login_required
@require_POST
def decide(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = selectors.alert_open(actor=request.actor, alert_id=alert_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _apply_decision(request, alert, data["decision"], data["reason"], data["into"])
        except ValidationError as invalid:
            add_service_errors(form, invalid)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("alerts:detail", alert_id=alert.pk)
    return render(request, "alerts/detail.html", {"alert": alert, "form": form,
                                                  "decisions": alert.decisions.all()}, status=400)


def _apply_decision(request, alert: Alert, decision: str, reason: str, into: int | None) -> None:
    actor = request.actor
    if decision == "review":
        services.alert_assign(actor=actor, alert=alert, assignee=request.user)
    elif decision == "dismiss":
        services.alert_dismiss(actor=actor, alert=alert, reason=reason)
    elif decision in ("escalate_case", "escalate_police"):
        services.alert_escalate(actor=actor, alert=alert, to=decision.split("_")[1], reason=reason)
    else:
        if into is None:
            raise ValidationError({"into": "give the number of the alert this one duplicates"})
        target = selectors.alert_open(actor=actor, alert_id=into)
        services.alert_merge(actor=actor, alert=alert, into=target, reason=reason)


@login_required
def precision(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/precision.html", {"rules": selectors.rule_precision(actor=request.actor)})
