"""Registry API, antenatal care: enrol a pregnancy, list a facility's open ones, record a visit or an ending
without a birth here. Mounted on the registry router (`api.py` imports this module), so paths, schemas and
operation ids are those these routes had in `api.py`."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor
from kinward.apps.registry import antenatal, selectors
from kinward.apps.registry.api import ERRORS, PersonIn, StaffIn, _agency, router
from kinward.apps.registry.models import Pregnancy


def _operation_id(name: str) -> str:
    return f"kinward_apps_registry_api_{name}"


class PregnancyIn(StrictSchema):
    """A pregnancy enrolled in antenatal care at a facility (the mother is reused by identity document)."""

    facility_id: int | None = Field(None, description="default: the caller's agency")
    mother: PersonIn
    enrolled_on: dt.date | None = Field(None, description="default: today")
    expected_date: dt.date = Field(description="expected date of delivery")


class PregnancyOut(Schema):
    id: int
    facility_id: int
    enrolled_on: dt.date
    expected_date: dt.date
    visits: list[dt.date]
    days_past_expected: int = Field(description="negative before the expected date")
    overdue: bool = Field(description="open and more than 6 weeks past the expected date (a red flag)")


def _pregnancy_out(pregnancy: Pregnancy, *, is_open: bool = True) -> PregnancyOut:
    days = (timezone.localdate() - pregnancy.expected_date).days
    return PregnancyOut(
        id=pregnancy.pk,
        facility_id=pregnancy.facility_id,
        enrolled_on=pregnancy.enrolled_on,
        expected_date=pregnancy.expected_date,
        visits=[dt.date.fromisoformat(v) for v in pregnancy.visit_dates()],
        days_past_expected=days,
        overdue=is_open and days > antenatal.OVERDUE_AFTER.days,
    )


def _pregnancy_for_writing(pregnancy_id: int) -> Pregnancy:
    return Pregnancy.objects.select_related("facility__region", "mother").get(pk=pregnancy_id)


@router.post(
    "/pregnancies",
    response={201: PregnancyOut, **ERRORS},
    summary="Enrol a pregnancy in antenatal care",
    operation_id=_operation_id("enrol_pregnancy"),
)
def enrol_pregnancy(request: HttpRequest, payload: PregnancyIn):
    actor = request_actor(request)
    facility = _agency(payload.facility_id or actor.agency_id, "facility_id")
    if facility is None:
        raise ValidationError({"facility_id": "give the facility"})
    pregnancy = antenatal.pregnancy_enrol(
        actor=actor,
        facility=facility,
        mother=payload.mother.data(),
        expected_date=payload.expected_date,
        enrolled_on=payload.enrolled_on,
    )
    return Status(201, _pregnancy_out(pregnancy))


@router.get(
    "/pregnancies",
    response={200: list[PregnancyOut], **ERRORS},
    summary="A facility's open pregnancies, earliest expected date first (overdue ones flagged; audited)",
    operation_id=_operation_id("open_pregnancies"),
)
@paginate(Pagination)
def open_pregnancies(request: HttpRequest, facility_id: int | None = None):
    actor = request_actor(request)
    facility = _agency(facility_id or actor.agency_id, "facility_id")
    if facility is None:
        raise ValidationError({"facility_id": "give the facility"})
    return [
        _pregnancy_out(row.pregnancy) for row in selectors.pregnancies_open(actor=actor, facility=facility)
    ]


class VisitIn(StrictSchema):
    date: dt.date


@router.post(
    "/pregnancies/{pregnancy_id}/visits",
    response={200: PregnancyOut, **ERRORS},
    summary="Record an antenatal visit of an open pregnancy",
    operation_id=_operation_id("record_visit"),
)
def record_visit(request: HttpRequest, pregnancy_id: int, payload: VisitIn):
    visit = antenatal.pregnancy_visit_record(
        actor=request_actor(request), pregnancy=_pregnancy_for_writing(pregnancy_id), date=payload.date
    )
    return _pregnancy_out(visit.pregnancy)


class PregnancyEndIn(StrictSchema):
    """How a pregnancy ended without a birth here: a ledger fact (INTERCHANGE.md, pregnancy_events)."""

    type: Literal["loss", "transfer_out", "moved_away"]
    date: dt.date
    to_facility_id: int | None = Field(None, description="transfer_out only: the receiving health facility")
    recorded_by: StaffIn | None = None


class PregnancyEventOut(Schema):
    event_id: uuid.UUID
    pregnancy_id: int
    type: str
    date: dt.date
    ledger_index: int


@router.post(
    "/pregnancies/{pregnancy_id}/outcomes",
    response={201: PregnancyEventOut, **ERRORS},
    summary="Record a loss, a transfer to another facility or a move away (a fact in the public log)",
    operation_id=_operation_id("record_pregnancy_end"),
)
def record_pregnancy_end(request: HttpRequest, pregnancy_id: int, payload: PregnancyEndIn):
    event = antenatal.pregnancy_end_record(
        actor=request_actor(request),
        pregnancy=_pregnancy_for_writing(pregnancy_id),
        type=payload.type,
        date=payload.date,
        to_facility=_agency(payload.to_facility_id, "to_facility_id"),
        recorded_by_name=payload.recorded_by.name if payload.recorded_by else "",
        recorded_by_role=payload.recorded_by.role if payload.recorded_by else "midwife",
    )
    return Status(
        201,
        PregnancyEventOut(
            event_id=event.event_id,
            pregnancy_id=event.pregnancy_id,
            type=event.type,
            date=event.date,
            ledger_index=event.ledger_index,
        ),
    )
