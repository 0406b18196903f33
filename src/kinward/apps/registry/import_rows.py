"""How `kinward import` turns each interchange record into an unsaved row (`RecordRows._row_<type>`), with the
registry's own checks (`services.birth_problems`, `services.custody_problems`); `importer.DatasetImport` resolves
refs, batches and writes the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kinward.apps.registry import services
from kinward.apps.registry.fastinsert import fast_row
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    Birth,
    Certificate,
    Person,
    Pregnancy,
    PregnancyEvent,
    Staff,
)
from kinward.engines.interchange.semantics import parse_time

# the custody event fields that hold refs, with the record type they point at (a correction's new value too)
REF_FIELDS = {
    "facility": "agencies",
    "to_facility": "agencies",
    "authority": "agencies",
    "adoption_agency": "agencies",
    "recorded_by": "staff",
    "to": "persons",
    "adoptive_parents": "persons",
}


class Rejected(Exception):
    """One record cannot be imported: the field and the reason."""

    def __init__(self, field_name: str | None, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def parse_day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def time_and_offset(value: str) -> tuple[dt.datetime, int]:
    parsed = parse_time(value)
    return parsed, int(parsed.utcoffset().total_seconds() // 60)


class _Row:
    """A stand-in for a row known only by id (and, for a corrected event, its child and type)."""

    __slots__ = ("pk", "child_id", "type")

    def __init__(self, pk: int, child_id: int | None = None, type: str = "") -> None:
        self.pk, self.child_id, self.type = pk, child_id, type


class RecordRows:
    """The conversion of one record per type; mixed into `DatasetImport`, which supplies `_ref` (a ref's row id,
    flushing a pending batch that holds it), what earlier records taught it (`staff_agency`, `agency_kind`,
    `birth_info`, `event_info`) and `_certificate_outcome`. Each returns the row and what its write needs
    besides (an adoption order's parents), or raises `Rejected`."""

    staff_agency: dict[int, int]
    agency_kind: dict[int, str]
    birth_info: dict[int, tuple[str, dt.datetime]]
    event_info: dict[int, tuple[int, str]]

    def _ref(self, rtype: str, ref: str | None, field_name: str, *, required: bool = True) -> int | None:
        raise NotImplementedError

    def _certificate_outcome(self, ref: str, text: str, child_ref: str) -> tuple[str, str]:
        raise NotImplementedError

    def _row_staff(self, r):
        return fast_row(
            Staff, agency_id=self._ref("agencies", r["agency"], "agency"), role=r["role"], name=r["name"]
        ), None

    def _row_persons(self, r):
        document = r.get("id_document") or {}
        return fast_row(
            Person,
            given_name=r["given_name"],
            family_name=r.get("family_name") or "",
            birth_date=parse_day(r.get("birth_date")),
            sex=r["sex"],
            id_document_type=document.get("type", ""),
            id_document_number=document.get("number", ""),
            id_document_country=document.get("country", ""),
            phone=r.get("phone") or "",
            region_id=self._ref("regions", r.get("region"), "region", required=False),
        ), None

    def _row_pregnancies(self, r):
        return fast_row(
            Pregnancy,
            mother_id=self._ref("persons", r["mother"], "mother"),
            facility_id=self._ref("agencies", r["facility"], "facility"),
            enrolled_on=parse_day(r["enrolled_on"]),
            expected_date=parse_day(r["expected_date"]),
            visits=list(r.get("visits") or []),
        ), None

    def _row_pregnancy_events(self, r):
        recorded_by = self._ref("staff", r["recorded_by"], "recorded_by")
        return fast_row(
            PregnancyEvent,
            pregnancy_id=self._ref("pregnancies", r["pregnancy"], "pregnancy"),
            type=r["type"],
            date=parse_day(r["date"]),
            recorded_by_id=recorded_by,
            facility_id=self._ref("agencies", r.get("facility"), "facility", required=False),
        ), None

    def _row_births(self, r):
        facility = self._ref("agencies", r["facility"], "facility")
        attendant = self._ref("staff", r["attendant"], "attendant")
        if self.staff_agency.get(attendant) != facility:
            raise Rejected("attendant", f"staff {r['attendant']!r} does not work at the facility of birth")
        born, offset = time_and_offset(r["time"])
        birth = fast_row(
            Birth,
            facility_id=facility,
            attendant_id=attendant,
            time=born,
            utc_offset=offset,
            delivery=r["delivery"],
            pregnancy_id=self._ref("pregnancies", r.get("pregnancy"), "pregnancy", required=False),
            mother_id=self._ref("persons", r.get("mother"), "mother", required=False),
            mother_absent_reason=r.get("mother_absent_reason") or "",
            sex=r["sex"],
            weight_g=r.get("weight_g"),
            outcome=r["outcome"],
            newborn_id=r.get("newborn_id") or "",
        )
        problems = services.birth_problems(birth, self.agency_kind.get(facility, ""))
        if problems:
            raise Rejected(*problems[0])
        return birth, None

    def _custody_value(self, name: str, value: Any) -> Any:
        if name in REF_FIELDS:
            target = REF_FIELDS[name]
            if isinstance(value, list):
                return [self._ref(target, v, "new_value") for v in value]
            return self._ref(target, value, "new_value")
        return value

    def _row_custody_events(self, r):
        child = self._ref("births", r["child"], "child")
        outcome, born = self.birth_info[child]
        when, _offset = time_and_offset(r["time"])
        agencies = {
            n: self._ref("agencies", r.get(n), n, required=False)
            for n in ("facility", "to_facility", "authority", "adoption_agency")
        }
        recorded_by = self._ref("staff", r["recorded_by"], "recorded_by")
        corrects = None
        if r["type"] == "correction":
            target = self._ref("custody_events", r["corrects"], "corrects")
            child_id, kind = self.event_info[target]
            corrects = _Row(target, child_id, kind)

        def row(pk):
            return _Row(pk) if pk else None

        data = services.CustodyInput(
            type=r["type"],
            time=when,
            facility=row(agencies["facility"]),
            recorded_by=row(recorded_by),
            to=row(self._ref("persons", r.get("to"), "to", required=False)),
            relationship=r.get("relationship") or "",
            relationship_detail=r.get("relationship_detail") or "",
            id_document_checked=r.get("id_document_checked"),
            guardianship_document=self._guardianship(r.get("guardianship_document")),
            to_facility=row(agencies["to_facility"]),
            place=r.get("place") or "",
            found_by=r.get("found_by") or "",
            condition=r.get("condition") or "",
            authority=row(agencies["authority"]),
            decision_number=r.get("decision_number") or "",
            decided_on=parse_day(r.get("decided_on")),
            adoptive_parents=tuple(
                _Row(self._ref("persons", p, "adoptive_parents")) for p in r.get("adoptive_parents") or ()
            ),
            adoption_agency=row(agencies["adoption_agency"]),
            cause=r.get("cause") or "",
            corrects=corrects,
            field=r.get("field") or "",
            new_value=self._custody_value(r["field"], r["new_value"]) if r["type"] == "correction" else None,
            reason=r.get("reason") or "",
        )
        problems = services.custody_problems(
            data, child_id=child, child_outcome=outcome, agency_kinds=self.agency_kind
        )
        if problems:
            raise Rejected(*problems[0])
        if when < born:
            raise Rejected("time", "a custody event cannot precede the child's birth")
        event, parents = services.custody_event_build(data, child_id=child)
        return event, parents

    def _guardianship(self, document: dict | None) -> dict | None:
        if not document:
            return None
        issued_by = self._ref("agencies", document.get("issued_by"), "guardianship_document.issued_by")
        return {**document, "issued_by": issued_by}

    def _row_abandonment_reports(self, r):
        found_at, found_at_offset = time_and_offset(r["found_at"])
        reported_at, reported_at_offset = time_and_offset(r["reported_at"])
        return fast_row(
            AbandonmentReport,
            child_id=self._ref("births", r.get("child"), "child", required=False),
            event_id=self._ref("custody_events", r.get("event"), "event", required=False),
            facility_id=self._ref("agencies", r["facility"], "facility"),
            reported_by_id=self._ref("staff", r["reported_by"], "reported_by"),
            found_at=found_at,
            found_at_offset=found_at_offset,
            reported_at=reported_at,
            reported_at_offset=reported_at_offset,
            place=r["place"],
            condition=r["condition"],
        ), None

    def _row_certificates(self, r):
        child = self._ref("births", r["child"], "child")
        outcome, reason = self._certificate_outcome(r["ref"], r["text"], r["child"])
        return fast_row(
            Certificate,
            child_id=child,
            issued_on=parse_day(r["issued_on"]),
            issued_by_id=self._ref("agencies", r["issued_by"], "issued_by"),
            text=r["text"],
            verification=outcome,
            verification_reason=reason,
        ), None

    def _row_adoption_files(self, r):
        documents = []
        for n, document in enumerate(r.get("documents") or []):
            documents.append(
                {
                    **document,
                    "issued_by": self._ref(
                        "agencies", document.get("issued_by"), f"documents[{n}].issued_by", required=False
                    ),
                    "certificate": self._ref(
                        "certificates",
                        document.get("certificate"),
                        f"documents[{n}].certificate",
                        required=False,
                    ),
                }
            )
        return fast_row(
            AdoptionFile,
            child_id=self._ref("births", r.get("child"), "child", required=False),
            adoption_agency_id=self._ref("agencies", r["adoption_agency"], "adoption_agency"),
            adoptive_parents=[self._ref("persons", p, "adoptive_parents") for p in r["adoptive_parents"]],
            stated_birth_mother_id=self._ref(
                "persons", r.get("stated_birth_mother"), "stated_birth_mother", required=False
            ),
            stated_birth_facility_id=self._ref(
                "agencies", r.get("stated_birth_facility"), "stated_birth_facility", required=False
            ),
            stated_birth_date=parse_day(r["stated_birth_date"]),
            filed_on=parse_day(r["filed_on"]),
            documents=documents,
        ), None
