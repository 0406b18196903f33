"""Antenatal care pages: a facility's open pregnancies, enrolment, a pregnancy with its timeline (each fact
with its place in the public log), and the forms to record a visit or an ending. Views parse the request and
call one selector or service (`antenatal.py`, `selectors.py`); nothing is decided here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kinward.apps.accounts.authz import authorize
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import require
from kinward.apps.registry import antenatal, forms, selectors
from kinward.apps.registry.models import Pregnancy, PregnancyEvent
from kinward.apps.registry.people import agency_scope
from kinward.apps.registry.views import _facility, _facility_choices


@login_required
def pregnancies(request: HttpRequest) -> HttpResponse:
    """A facility's open pregnancies by expected date; past-due and overdue ones are marked (red flag)."""
    facility = _facility(request)
    rows = selectors.pregnancies_open(actor=request.actor, facility=facility)
    return render(
        request,
        "registry/pregnancies.html",
        {
            "facility": facility,
            "rows": rows,
            "overdue_weeks": antenatal.OVERDUE_AFTER.days // 7,
            "overdue_count": sum(1 for r in rows if r.overdue),
            "can_enrol": authorize(request.actor, antenatal.PREGNANCY_RECORD, agency_scope(facility)).allowed,
        },
    )


@login_required
def pregnancy_enrol(request: HttpRequest) -> HttpResponse:
    facility = _facility(request)
    scope = agency_scope(facility)
    require(request.actor, antenatal.PREGNANCY_RECORD, scope, object_type="agency", object_id=facility.pk)
    form = forms.PregnancyEnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pregnancy = antenatal.pregnancy_enrol(
                actor=request.actor,
                facility=facility,
                mother=forms.person_data(data, "mother_"),
                expected_date=data["expected_date"],
                enrolled_on=data["enrolled_on"],
            )
        except ValidationError as invalid:
            forms.service_errors(form, invalid, form.renames)
        else:
            messages.success(request, _("Pregnancy enrolled."))
            return redirect("registry:pregnancy", pregnancy_id=pregnancy.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "registry/pregnancy_enrol.html", {"form": form, "facility": facility}, status=status
    )


def _pregnancy_page(request: HttpRequest, pregnancy_id: int, bound: dict | None = None) -> HttpResponse:
    record = selectors.pregnancy_record(actor=request.actor, pregnancy_id=pregnancy_id)
    pregnancy = record.pregnancy
    may_record = authorize(request.actor, antenatal.PREGNANCY_RECORD, pregnancy).allowed
    bound = bound or {}
    context = {
        "record": record,
        "pregnancy": pregnancy,
        "is_open": record.is_open,
        "visit_dates": pregnancy.visit_dates(),
        "days_past_expected": (timezone.localdate() - pregnancy.expected_date).days,
        "overdue_days": antenatal.OVERDUE_AFTER.days,
        "events": [e.fact for e in record.timeline if e.kind in PregnancyEvent.Type.values],
        "births": [e.fact for e in record.timeline if e.kind == "birth"],
        "may_record": may_record and record.is_open,
        "may_notify": authorize(
            request.actor, "registry.birth.notify", agency_scope(pregnancy.facility)
        ).allowed,
        "visit_form": bound.get("visit") or forms.PregnancyVisitForm(prefix="visit"),
        "end_form": bound.get("end")
        or forms.PregnancyEndForm(prefix="end", facility_choices=_facility_choices(pregnancy.facility)),
    }
    return render(request, "registry/pregnancy.html", context, status=400 if bound else 200)


@login_required
def pregnancy(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    return _pregnancy_page(request, pregnancy_id)


@login_required
@require_POST
def pregnancy_visit(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    pregnancy = Pregnancy.objects.select_related("facility__region").get(pk=pregnancy_id)
    require(
        request.actor, antenatal.PREGNANCY_RECORD, pregnancy, object_type="pregnancy", object_id=pregnancy.pk
    )
    form = forms.PregnancyVisitForm(request.POST, prefix="visit")
    if form.is_valid():
        try:
            antenatal.pregnancy_visit_record(
                actor=request.actor, pregnancy=pregnancy, date=form.cleaned_data["date"]
            )
        except ValidationError as invalid:
            forms.service_errors(form, invalid, {})
        else:
            messages.success(request, _("Visit recorded."))
            return redirect("registry:pregnancy", pregnancy_id=pregnancy.pk)
    return _pregnancy_page(request, pregnancy_id, {"visit": form})


@login_required
@require_POST
def pregnancy_end(request: HttpRequest, pregnancy_id: int) -> HttpResponse:
    pregnancy = Pregnancy.objects.select_related("facility__region").get(pk=pregnancy_id)
    require(
        request.actor, antenatal.PREGNANCY_RECORD, pregnancy, object_type="pregnancy", object_id=pregnancy.pk
    )
    form = forms.PregnancyEndForm(
        request.POST, prefix="end", facility_choices=_facility_choices(pregnancy.facility)
    )
    if form.is_valid():
        data = form.cleaned_data
        to_facility = Agency.objects.get(pk=data["to_facility"]) if data["to_facility"] else None
        try:
            antenatal.pregnancy_end_record(
                actor=request.actor,
                pregnancy=pregnancy,
                type=data["type"],
                date=data["date"],
                to_facility=to_facility,
                recorded_by_name=data["recorded_by_name"],
                recorded_by_role=data["recorded_by_role"],
            )
        except ValidationError as invalid:
            forms.service_errors(form, invalid, {"attendant.name": "recorded_by_name"})
        else:
            messages.success(request, _("The end of this pregnancy is recorded."))
            return redirect("registry:pregnancy", pregnancy_id=pregnancy.pk)
    return _pregnancy_page(request, pregnancy_id, {"end": form})
