"""The registry rows one new fact can change red flags on: its *neighbourhood*, read from the database.

What the rules engine's incremental evaluator copies from its state for a record (kinward.engines.rules
.incremental, module docstring), read here from the database so that no resident copy of the registry is needed:
the children the facts concern with their custody events, abandonment reports, certificates and adoption files;
every persons record of their mothers (and of the persons the facts name) sharing an identity document, with all
those women's births and pregnancies (and pregnancy events); the adoption agencies named, with their orders and
files, and the corrections of those orders (also an order a correction moved to one of the agencies); and every
region and agency (a small table the evaluator keeps whole). A superset is harmless: the
evaluator copies only what the rules need.

`neighbourhood(facts)` returns, per interchange record type, a filter on that type's model (None: every row).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Iterable

from django.db.models import Q

from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    AdoptiveParent,
    Birth,
    CustodyEvent,
    Person,
    Pregnancy,
    PregnancyEvent,
)

# the record types whose new rows are evaluated one by one (the registry announces them: registry/events.py)
EVENT_TYPES = ("births", "custody_events", "pregnancies", "pregnancy_events", "abandonment_reports")
STATED_WINDOW = dt.timedelta(days=32)  # the evaluator copies births within 31 local days of a stated date


def _any(parts: list[Q]) -> Q:
    return functools.reduce(operator.or_, parts) if parts else Q(pk__in=[])


def _pks(model, pks, *fields):
    return model.objects.filter(pk__in=pks).values_list(*fields)


def same_women(persons: set[int]) -> set[int]:
    """The persons and every persons record sharing an identity document with one of them."""
    documents = {
        Q(id_document_type=t, id_document_number=n, id_document_country=c)
        for t, n, c in _pks(Person, persons, "id_document_type", "id_document_number", "id_document_country")
        if n
    }
    if documents:
        persons |= set(Person.objects.filter(_any(list(documents))).values_list("pk", flat=True))
    return persons


def _named(facts: Iterable[tuple[str, int]]) -> tuple[set[int], set[int], set[int], set[int], set[int]]:
    """What the facts name directly: children, pregnancies, persons, adoption agencies, reports."""
    by_type: dict[str, list[int]] = {}
    for record_type, pk in facts:
        by_type.setdefault(record_type, []).append(pk)
    kids, pregnancies, persons, agencies = set(by_type.get("births", [])), set(), set(), set()
    reports = set(by_type.get("abandonment_reports", []))
    pregnancies |= set(by_type.get("pregnancies", []))
    pregnancies |= {p for (p,) in _pks(Birth, kids, "pregnancy_id")}
    pregnancies |= {p for (p,) in _pks(PregnancyEvent, by_type.get("pregnancy_events", []), "pregnancy_id")}
    for child, to, agency, corrected_agency, field, value in _pks(
        CustodyEvent, by_type.get("custody_events", []), "child_id", "to_person_id", "adoption_agency_id",
        "corrects__adoption_agency_id", "corrected_field", "new_value",
    ):  # fmt: skip
        kids.add(child)
        persons.add(to)
        agencies |= {agency, corrected_agency}  # a correction of an order: the order's agency
        if field == "adoption_agency" and isinstance(value, int):
            agencies.add(value)  # ... and the agency it moves the order to
    for child, event_child in _pks(AbandonmentReport, reports, "child_id", "event__child_id"):
        kids |= {child, event_child}
    return kids - {None}, pregnancies - {None}, persons - {None}, agencies - {None}, reports


def _agency_order_corrections(agencies: set[int]) -> Q:
    """The corrections of the agencies' adoption orders (a correction names no agency itself), and the orders a
    correction moved to one of the agencies with their corrections: the agency's orders as corrected."""
    if not agencies:
        return Q(pk__in=[])
    moved = CustodyEvent.objects.filter(
        _any([Q(new_value=agency) for agency in sorted(agencies)]),
        type="correction",
        corrected_field="adoption_agency",
    ).values_list("corrects_id", flat=True)
    moved_in = set(moved)
    return Q(corrects__adoption_agency_id__in=agencies) | Q(pk__in=moved_in) | Q(corrects_id__in=moved_in)


def neighbourhood(facts: Iterable[tuple[str, int]]) -> dict[str, Q | None]:
    """Per record type, the rows the facts' red flags can depend on (see the module docstring)."""
    kids, pregnancies, persons, agencies, reports = _named(facts)
    mothers = persons | {m for (m,) in _pks(Birth, kids, "mother_id")}
    mothers |= {m for (m,) in _pks(Pregnancy, pregnancies, "mother_id")}
    mothers = same_women(mothers - {None})
    people = set(mothers)
    events = Q(child_id__in=kids) | Q(adoption_agency_id__in=agencies) | _agency_order_corrections(agencies)
    event_pks = []
    for pk, to in CustodyEvent.objects.filter(events).values_list("pk", "to_person_id"):
        event_pks.append(pk)
        people.add(to)
    people |= set(AdoptiveParent.objects.filter(event_id__in=event_pks).values_list("person_id", flat=True))
    certificates, windows = set(), []
    files = Q(child_id__in=kids) | Q(adoption_agency_id__in=agencies)
    for child, mother, parents, documents, facility, day in AdoptionFile.objects.filter(files).values_list(
        "child_id", "stated_birth_mother_id", "adoptive_parents", "documents", "stated_birth_facility_id",
        "stated_birth_date",
    ):
        people |= {mother, *parents}
        certificates |= {d.get("certificate") for d in documents or []}
        if child is None and facility is not None:
            start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            windows.append(Q(facility_id=facility, time__range=(start - STATED_WINDOW, start + STATED_WINDOW)))
    pregnancy_rows = Q(pk__in=pregnancies) | Q(mother_id__in=mothers)
    return {
        "regions": None,
        "agencies": None,
        "persons": Q(pk__in=people - {None}),
        "pregnancies": pregnancy_rows,
        "pregnancy_events": Q(pregnancy__in=Pregnancy.objects.filter(pregnancy_rows)),
        "births": _any([Q(pk__in=kids), Q(mother_id__in=mothers), *windows]),
        "custody_events": Q(pk__in=event_pks),
        "abandonment_reports": Q(child_id__in=kids) | Q(event_id__in=event_pks) | Q(pk__in=reports),
        "certificates": Q(child_id__in=kids) | Q(pk__in=certificates - {None}),
        "adoption_files": files,
    }
