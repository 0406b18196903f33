"""`kinward export --out DIR`: the registry database written as an interchange dataset (INTERCHANGE.md, version 1).

The export streams every record type in load order through `DatasetWriter` (a chunk of rows at a time, the refs
of the rows they point at looked up per chunk), so memory stays flat however large the registry. It holds the
personal fields: it is an operator's command only (no page, no API) and every export is audited.

Refs (docs/registry.md, "Export"):

- a record imported from a dataset keeps its dataset `ref`, so alerts on the export name records in that
  dataset's own terms (and `kinward rules evaluate --truth` still scores them);
- a record created in Kinward gets `kw-<kind>-<primary key>` (`kw-birth-123`, `kw-custody-event-9`);
- refs are scoped to one dataset, so two sources (or an imported ref and a Kinward one) may claim the same ref
  for one record type: the record with the smallest primary key (the one that was there first) keeps it, every
  other gets `<ref>~<first 6 hex digits of SHA-256 of its source>`. Rows are never deleted and keys only grow,
  so a ref, once given, never changes (an alert's identity is rule + subject ref).

Where Kinward holds less than the format requires, the export says so rather than inventing: a birth, custody
event or pregnancy event recorded without its staff member points at one placeholder staff record per agency
(`kw-staff-unrecorded-<agency key>`, role `other`); a birth recorded without a weight has no `weight_g`, which
the format requires (`kinward interchange validate` reports those births). Agencies of kinds the format does not
list (an oversight body) are left out. Certificates keep their printed text; the manifest's `issuer_keys` are
the keys Kinward publishes, so certificates of other issuers read as unverified where the export is imported.

`neighbourhood_records` builds the same records for the few rows one new fact can affect (the incremental red-flag
evaluation, `kinward.apps.alerts.live`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, Region
from kinward.apps.audit.services import audit_record
from kinward.apps.registry.fastinsert import long_lived_spared
from kinward.apps.registry.import_facts import ROW_MODELS
from kinward.apps.registry.import_rows import REF_FIELDS
from kinward.apps.registry.ledger import rfc3339
from kinward.apps.registry.models import (
    AdoptiveParent,
    AntenatalVisit,
    Birth,
    CustodyEvent,
    ExternalReference,
    Person,
    Pregnancy,
    PregnancyEvent,
)
from kinward.engines.interchange import DatasetWriter

KIND_PREFIX = {
    "regions": "region",
    "agencies": "agency",
    "staff": "staff",
    "persons": "person",
    "pregnancies": "pregnancy",
    "pregnancy_events": "pregnancy-event",
    "births": "birth",
    "custody_events": "custody-event",
    "abandonment_reports": "abandonment-report",
    "certificates": "certificate",
    "adoption_files": "adoption-file",
}
AGENCY_KINDS = frozenset(
    {"public_hospital", "private_clinic", "maternity_home", "registry_office", "adoption_authority",
     "adoption_agency", "police_unit", "child_protection", "ngo", "dna_lab", "statistics_office"}
)
# correction fields whose value is a row key in the database and a ref in the format
CORRECTION_REFS = REF_FIELDS
CHUNK = 2000
UNRECORDED_STAFF = "kw-staff-unrecorded-"


def native_ref(record_type: str, pk: int) -> str:
    """The ref of a record created in Kinward: `kw-<kind>-<primary key>`."""
    return f"kw-{KIND_PREFIX[record_type]}-{pk}"


def qualified_ref(ref: str, source: str) -> str:
    """The ref of a record that lost a contested ref to an earlier record: `<ref>~<source hash>`."""
    return f"{ref}~{hashlib.sha256(source.encode()).hexdigest()[:6]}"


def export_source() -> str:
    """The `source` an export of this registry names in its manifest (and live alerts name)."""
    return f"kinward {settings.LEDGER_ORIGIN}"


# --- refs ----------------------------------------------------------------------------------------------------


def _losers(claims: dict[str, set[tuple[int, str]]]) -> dict[int, str]:
    """For each ref claimed by several (pk, source): every claimant but the smallest pk, qualified."""
    out = {}
    for ref, claimants in claims.items():
        for pk, source in sorted(claimants)[1:]:
            out[pk] = qualified_ref(ref, source)
    return out


def _contested(record_type: str, pks: set[int] | None = None) -> dict[int, str]:
    """Rows of one type whose ref another row (another source, or a Kinward key) claimed first: among all rows,
    or among the claimants of the refs of the rows `pks`."""
    model = ROW_MODELS[record_type]
    prefix = f"kw-{KIND_PREFIX[record_type]}-"
    if pks is None:
        shared = (
            model.objects.exclude(external_ref="").values("external_ref").annotate(n=Count("pk")).filter(n__gt=1)
        )
        candidates = model.objects.filter(
            Q(external_ref__in=shared.values("external_ref")) | Q(external_ref__startswith=prefix)
        )
    else:
        names = {ext or native_ref(record_type, pk)
                 for pk, ext in model.objects.filter(pk__in=pks).values_list("pk", "external_ref")}
        candidates = model.objects.filter(external_ref__in=names)
    claims: dict[str, set[tuple[int, str]]] = {}
    lookalikes = {}
    for pk, ref, source in candidates.values_list("pk", "external_ref", "source"):
        claims.setdefault(ref, set()).add((pk, source))
        if ref.startswith(prefix) and ref[len(prefix):].isdigit():
            lookalikes[pk] = (ref, int(ref[len(prefix):]))
    natives = set(
        model.objects.filter(pk__in={n for _, n in lookalikes.values()}, external_ref="").values_list(
            "pk", flat=True
        )
    )
    for ref, n in lookalikes.values():
        if n in natives:
            claims[ref].add((n, ""))
    return _losers({ref: c for ref, c in claims.items() if len(c) > 1})


def _place_refs(record_type: str, model: Any) -> dict[int, str]:
    """pk -> ref of every region or agency: the first dataset ref recorded for it, else its own external_ref,
    else `kw-<kind>-<pk>`; contested refs as for other records."""
    found: dict[int, tuple[str, str]] = {}
    for object_id, ref, source in (
        ExternalReference.objects.filter(record_type=record_type).order_by("pk").values_list(
            "object_id", "ref", "source"
        )
    ):
        found.setdefault(object_id, (ref, source))
    refs, claims = {}, {}
    for pk, own in model.objects.values_list("pk", "external_ref"):
        ref, source = found.get(pk) or ((own, "") if own else (native_ref(record_type, pk), ""))
        refs[pk] = ref
        claims.setdefault(ref, set()).add((pk, source))
    refs.update(_losers({r: c for r, c in claims.items() if len(c) > 1}))
    return refs


@dataclass
class Refs:
    """The ref of every row in one export (see the module docstring)."""

    places: dict[str, dict[int, str]] = field(default_factory=dict)
    contested: dict[str, dict[int, str]] = field(default_factory=dict)
    checked: dict[str, set[int]] | None = None  # partial: the rows whose contest is settled so far

    @classmethod
    def build(cls, *, partial: bool = False) -> Refs:
        """Every ref settled up front (an export), or, `partial`, per row as rows are read (a neighbourhood)."""
        places = {"regions": _place_refs("regions", Region), "agencies": _place_refs("agencies", Agency)}
        if partial:
            return cls(places, {t: {} for t in ROW_MODELS}, {t: set() for t in ROW_MODELS})
        return cls(places, {t: _contested(t) for t in ROW_MODELS})

    def settle(self, record_type: str, pks: Iterable[int | None]) -> None:
        """Settle the contests of these rows (a partial Refs only)."""
        if self.checked is None or record_type in self.places:
            return
        missing = {pk for pk in pks if pk is not None} - self.checked[record_type]
        if missing:
            self.contested[record_type].update(_contested(record_type, missing))
            self.checked[record_type] |= missing

    def agency_by_ref(self) -> dict[str, int]:
        """ref -> Agency pk (to find the agency an alert on this export concerns)."""
        return {ref: pk for pk, ref in self.places["agencies"].items()}

    def of(self, record_type: str, pk: int | None, external_ref: str = "") -> str | None:
        if pk is None:
            return None
        if record_type in self.places:
            return self.places[record_type].get(pk)
        return self.contested[record_type].get(pk) or external_ref or native_ref(record_type, pk)

    def lookup(self, wanted: Iterable[tuple[str, int | None]]) -> Callable[[str, int | None], str | None]:
        """A `ref(type, pk)` function for the rows a chunk of records points at (one query per type)."""
        by_type: dict[str, set[int]] = {}
        for record_type, pk in wanted:
            if pk is not None and record_type not in self.places:
                by_type.setdefault(record_type, set()).add(pk)
        known: dict[tuple[str, int], str] = {}
        for record_type, pks in by_type.items():
            self.settle(record_type, pks)
            for pk, ext in ROW_MODELS[record_type].objects.filter(pk__in=pks).values_list("pk", "external_ref"):
                known[(record_type, pk)] = self.of(record_type, pk, ext)

        def ref(record_type: str, pk: int | None) -> str | None:
            if pk is None:
                return None
            if record_type in self.places:
                return self.places[record_type].get(pk)
            return known.get((record_type, pk))

        return ref


def _put(record: dict, name: str, value: Any) -> None:
    """Set an optional field only when it has a value (the format omits absent optional fields)."""
    if value is not None and value != "":
        record[name] = value


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _utc(value: dt.datetime) -> str:
    return rfc3339(value, 0)


# --- record builders: (fields read, refs needed, record) per type ---------------------------------------------


class Records:
    """Interchange records built from registry rows, chunk by chunk."""

    def __init__(self, refs: Refs) -> None:
        self.refs = refs

    def stream(self, record_type: str, rows: QuerySet) -> Iterator[dict]:
        """The records of `rows` (a queryset of the type's model), in primary-key order."""
        build, needs = getattr(self, "_" + record_type), getattr(self, "_needs_" + record_type, None)
        chunk: list[Any] = []
        for row in rows.order_by("pk").iterator(chunk_size=CHUNK):
            chunk.append(row)
            if len(chunk) >= CHUNK:
                yield from self._chunk(record_type, chunk, build, needs)
                chunk = []
        if chunk:
            yield from self._chunk(record_type, chunk, build, needs)

    def _chunk(self, record_type, rows, build, needs) -> Iterator[dict]:
        _attach_lists(record_type, rows)
        wanted = [w for row in rows for w in needs(row)] if needs else []
        ref = self.refs.lookup(wanted)
        self.refs.settle(record_type, [row.pk for row in rows])
        for row in rows:
            record = build(row, ref)
            if record is not None:
                yield {"ref": self.refs.of(record_type, row.pk, getattr(row, "external_ref", "")), **record}

    def _regions(self, region, ref):
        return {"name": region.name, "level": region.level, "parent": ref("regions", region.parent_id)}

    def _agencies(self, agency, ref):
        if agency.kind not in AGENCY_KINDS:
            return None
        record = {"name": agency.name, "kind": agency.kind, "region": ref("regions", agency.region_id)}
        licence = getattr(agency, "licence", None)
        if licence is not None:
            record["licence"] = {"number": licence.number, "valid_from": _day(licence.valid_from),
                                 "valid_to": _day(licence.valid_to), "status": licence.status}
            _put(record["licence"], "status_since", _day(licence.status_since))
        return record

    def _staff(self, staff, ref):
        return {"agency": ref("agencies", staff.agency_id), "role": staff.role, "name": staff.name}

    def _persons(self, person, ref):
        record = {"given_name": person.given_name}
        _put(record, "family_name", person.family_name)
        _put(record, "birth_date", _day(person.birth_date))
        record["sex"] = person.sex
        if person.id_document_number:
            record["id_document"] = {"type": person.id_document_type or "other",
                                     "number": person.id_document_number,
                                     "country": person.id_document_country or person.region_country}
        _put(record, "phone", person.phone)
        _put(record, "region", ref("regions", person.region_id))
        return record

    def _needs_pregnancies(self, p):
        return [("persons", p.mother_id)]

    def _pregnancies(self, p, ref):
        return {"mother": ref("persons", p.mother_id), "facility": ref("agencies", p.facility_id),
                "enrolled_on": _day(p.enrolled_on), "expected_date": _day(p.expected_date),
                "visits": sorted({*p.visits, *p.recorded_visits})}

    def _needs_pregnancy_events(self, e):
        return [("pregnancies", e.pregnancy_id), ("staff", e.recorded_by_id)]

    def _pregnancy_events(self, e, ref):
        record = {"pregnancy": ref("pregnancies", e.pregnancy_id), "type": e.type, "date": _day(e.date)}
        _put(record, "facility", ref("agencies", e.facility_id))
        record["recorded_by"] = ref("staff", e.recorded_by_id) or UNRECORDED_STAFF + str(e.pregnancy.facility_id)
        return record

    def _needs_births(self, b):
        return [("pregnancies", b.pregnancy_id), ("staff", b.attendant_id), ("persons", b.mother_id)]

    def _births(self, b, ref):
        record = {"delivery": b.delivery}
        _put(record, "pregnancy", ref("pregnancies", b.pregnancy_id))
        record.update(facility=ref("agencies", b.facility_id), time=rfc3339(b.time, b.utc_offset),
                      attendant=ref("staff", b.attendant_id) or UNRECORDED_STAFF + str(b.facility_id),
                      mother=ref("persons", b.mother_id))
        _put(record, "mother_absent_reason", b.mother_absent_reason)
        record["sex"] = b.sex
        _put(record, "weight_g", b.weight_g)
        record.update(outcome=b.outcome, newborn_id=b.newborn_id)
        return record

    def _needs_custody_events(self, e):
        wanted = [("births", e.child_id), ("staff", e.recorded_by_id), ("persons", e.to_person_id),
                  ("custody_events", e.corrects_id)]
        wanted += [("persons", p) for p in e.parent_ids]
        if e.corrected_field in CORRECTION_REFS and e.corrected_field != "adoptive_parents":
            wanted.append((CORRECTION_REFS[e.corrected_field], e.new_value))
        elif e.corrected_field == "adoptive_parents":
            wanted += [("persons", p) for p in e.new_value or []]
        return wanted

    def _custody_events(self, e, ref):
        record = {"child": ref("births", e.child_id), "type": e.type, "time": rfc3339(e.time, e.utc_offset)}
        _put(record, "facility", ref("agencies", e.facility_id))
        record["recorded_by"] = ref("staff", e.recorded_by_id) or UNRECORDED_STAFF + str(
            e.facility_id or e.child.facility_id
        )
        fill = getattr(self, "_custody_" + e.type)
        fill(record, e, ref)
        return record

    def _custody_discharge(self, record, e, ref):
        record.update(to=ref("persons", e.to_person_id), relationship=e.relationship)
        _put(record, "relationship_detail", e.relationship_detail)
        record["id_document_checked"] = e.id_document_checked
        if e.guardianship_document:
            record["guardianship_document"] = self._guardianship(e.guardianship_document, ref)

    def _guardianship(self, document, ref):
        return {**document, "issued_by": ref("agencies", document.get("issued_by"))}

    def _custody_transfer(self, record, e, ref):
        record["to_facility"] = ref("agencies", e.to_facility_id)

    def _custody_abandonment_found(self, record, e, ref):
        record.update(place=e.place, found_by=e.found_by, condition=e.condition)

    def _custody_adoption_order(self, record, e, ref):
        record.update(authority=ref("agencies", e.authority_id), decision_number=e.decision_number,
                      decided_on=_day(e.decided_on), adoptive_parents=[ref("persons", p) for p in e.parent_ids])
        _put(record, "adoption_agency", ref("agencies", e.adoption_agency_id))

    def _custody_death(self, record, e, ref):
        record["cause"] = e.cause

    def _custody_correction(self, record, e, ref):
        value = e.new_value
        target = CORRECTION_REFS.get(e.corrected_field)
        if target and isinstance(value, list):
            value = [ref(target, v) for v in value]
        elif target:
            value = ref(target, value)
        elif e.corrected_field == "guardianship_document" and isinstance(value, dict):
            value = self._guardianship(value, ref)
        record.update(corrects=ref("custody_events", e.corrects_id), field=e.corrected_field, new_value=value,
                      reason=e.reason)

    def _needs_abandonment_reports(self, r):
        return [("births", r.child_id), ("custody_events", r.event_id), ("staff", r.reported_by_id)]

    def _abandonment_reports(self, r, ref):
        record = {}
        _put(record, "child", ref("births", r.child_id))
        _put(record, "event", ref("custody_events", r.event_id))
        record.update(facility=ref("agencies", r.facility_id), reported_by=ref("staff", r.reported_by_id),
                      found_at=_utc(r.found_at), reported_at=_utc(r.reported_at), place=r.place,
                      condition=r.condition)
        return record

    def _needs_certificates(self, c):
        return [("births", c.child_id)]

    def _certificates(self, c, ref):
        return {"child": ref("births", c.child_id), "issued_on": _day(c.issued_on),
                "issued_by": ref("agencies", c.issued_by_id), "text": c.text}

    def _needs_adoption_files(self, f):
        wanted = [("births", f.child_id), ("persons", f.stated_birth_mother_id)]
        wanted += [("persons", p) for p in f.adoptive_parents]
        wanted += [("certificates", d.get("certificate")) for d in f.documents or []]
        return wanted

    def _adoption_files(self, f, ref):
        record = {}
        _put(record, "child", ref("births", f.child_id))
        record.update(adoption_agency=ref("agencies", f.adoption_agency_id),
                      adoptive_parents=[ref("persons", p) for p in f.adoptive_parents])
        _put(record, "stated_birth_mother", ref("persons", f.stated_birth_mother_id))
        _put(record, "stated_birth_facility", ref("agencies", f.stated_birth_facility_id))
        record.update(stated_birth_date=_day(f.stated_birth_date), filed_on=_day(f.filed_on), documents=[])
        for document in f.documents or []:
            out = {"type": document["type"], "number": document["number"]}
            _put(out, "issued_by", ref("agencies", document.get("issued_by")))
            out["issued_on"] = document["issued_on"]
            _put(out, "certificate", ref("certificates", document.get("certificate")))
            record["documents"].append(out)
        return record


def _attach_lists(record_type: str, rows: list) -> None:
    """What a chunk of rows holds in other tables, one query per chunk: an adoption order's adoptive parents
    (in order), a pregnancy's visits recorded after enrolment (as `Pregnancy.visit_dates` reads them)."""
    if record_type == "custody_events":
        parents: dict[int, list[int]] = {}
        orders = [row.pk for row in rows if row.type == "adoption_order"]
        for event, person in AdoptiveParent.objects.filter(event_id__in=orders).order_by(
            "event_id", "position", "pk"
        ).values_list("event_id", "person_id"):
            parents.setdefault(event, []).append(person)
        for row in rows:
            row.parent_ids = parents.get(row.pk, [])
    elif record_type == "pregnancies":
        visits: dict[int, list[str]] = {}
        for pregnancy, day in AntenatalVisit.objects.filter(pregnancy_id__in=[row.pk for row in rows]).values_list(
            "pregnancy_id", "date"
        ):
            visits.setdefault(pregnancy, []).append(day.isoformat())
        for row in rows:
            row.recorded_visits = visits.get(row.pk, [])


def rows_of(record_type: str, where: Q | None = None) -> QuerySet:
    """The queryset an export reads for a record type (with what its records need joined)."""
    if record_type == "regions":
        rows = Region.objects.all()
    elif record_type == "agencies":
        rows = Agency.objects.select_related("licence")
    elif record_type == "persons":
        rows = Person.objects.annotate(region_country=F("region__country"))
    elif record_type == "pregnancies":
        rows = Pregnancy.objects.all()
    elif record_type == "pregnancy_events":
        rows = PregnancyEvent.objects.select_related("pregnancy")
    elif record_type == "custody_events":
        rows = CustodyEvent.objects.select_related("child")
    else:
        rows = ROW_MODELS[record_type].objects.all()
    return rows.filter(where) if where is not None else rows


def unrecorded_staff(agency_ids: Iterable[int], refs: Refs) -> Iterator[dict]:
    """One placeholder staff record per agency whose facts were recorded without a staff member."""
    for agency_id in sorted(set(agency_ids)):
        yield {"ref": UNRECORDED_STAFF + str(agency_id), "agency": refs.of("agencies", agency_id),
               "role": "other", "name": "(not recorded in Kinward)"}


def _agencies_missing_staff() -> set[int]:
    found = set(Birth.objects.filter(attendant__isnull=True).values_list("facility_id", flat=True).distinct())
    for facility, birth_facility in (
        CustodyEvent.objects.filter(recorded_by__isnull=True).values_list("facility_id", "child__facility_id")
        .distinct()
    ):
        found.add(facility or birth_facility)
    found |= set(
        PregnancyEvent.objects.filter(recorded_by__isnull=True).values_list("pregnancy__facility_id", flat=True)
        .distinct()
    )
    return found


def registry_records(records: Records, record_type: str, where: Q | None = None) -> Iterator[dict]:
    """The interchange records of one type (all of them, or those matching `where`)."""
    return records.stream(record_type, rows_of(record_type, where))


# --- the export ----------------------------------------------------------------------------------------------


class ExportError(ValueError):
    """The export cannot be written where asked (the message says why)."""


@dataclass(frozen=True)
class ExportReport:
    path: Path
    source: str
    counts: dict[str, int]
    agency_by_ref: dict[str, int]


def export_manifest(now: dt.datetime, source: str) -> dict[str, Any]:
    """The manifest of an export made at `now`: "now" is `created`; the period covered starts at the earliest
    birth (an index lookup, so the per-fact evaluation can afford it); Kinward's published certificate keys."""
    from kinward.apps.registry.certificates import published_keys

    first = Birth.objects.order_by("time").values_list("time", flat=True).first()
    country = Region.objects.filter(level="country").order_by("pk").values_list("country", flat=True).first()
    manifest = {"country": country or "XX", "coverage_from": _utc(min(first or now, now)), "created": _utc(now),
                "source": source}
    keys = published_keys()
    if keys:
        manifest["issuer_keys"] = keys
    return manifest


def registry_export(*, actor: Actor, out: str | Path, source: str | None = None) -> ExportReport:
    """Write the whole registry to the folder `out` as an interchange dataset (see the module docstring).
    Personal fields included: for operators only (the CLI), audited as `registry.export`."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out}: choose a new or empty folder (files of an earlier export would mix with this one)")
    now = timezone.now().replace(microsecond=0)
    source = source or export_source()
    with long_lived_spared(), DatasetWriter(out, export_manifest(now, source)) as writer:
        refs = Refs.build()
        records = Records(refs)
        for record_type in KIND_PREFIX:
            for record in registry_records(records, record_type):
                writer.write(record_type, record)
            if record_type == "staff":
                for record in unrecorded_staff(_agencies_missing_staff(), refs):
                    writer.write("staff", record)
    counts = dict(writer.counts)
    audit_record(actor=actor, action="registry.export", object_type="dataset", object_id=str(out)[:100])
    return ExportReport(path=out, source=source, counts=counts, agency_by_ref=refs.agency_by_ref())
