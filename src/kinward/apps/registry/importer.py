"""`kinward import DIR`: load an interchange dataset (INTERCHANGE.md) through the registry's write path.

Records are read in load order and checked by the interchange engine (schema, calendar, references; for a large
dataset the checks of each record on its own run ahead in a helper process, `engines.interchange.precheck`); each
accepted record is then turned into a row with the registry's own checks (`services.birth_problems`,
`services.custody_problems`) and written in batches: one transaction per batch of up to `batch_size` records,
rows and ledger leaves together (`writes.py`), one audit entry per batch naming the import run and the refs.
Import is all-or-nothing per record: a batch that the database refuses is retried record by record, each in its
own savepoint, so one bad record never takes others with it. Every record keeps its `ref` and the dataset's
`source`; a record whose (source, ref) is already present is left as it is, so importing the same dataset again
changes nothing.

Certificates are verified against the manifest's `issuer_keys` and keep the outcome; certificates, abandonment
reports and adoption files are ledger facts like births and custody events (`import_facts.py`). A ref resolves
only within its own dataset (INTERCHANGE.md, "Rules for every record"); a ref to a record that only another
dataset holds is rejected with a reason that says where that record came from (docs/interchange/README.md,
ambiguity 17).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency, Region
from kinward.apps.accounts.services import agency_create, region_create
from kinward.apps.audit.services import audit_record
from kinward.apps.registry import import_facts, services, writes
from kinward.apps.registry.fastinsert import bulk_write_cache, fast_row, rows_insert
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    Birth,
    Certificate,
    CustodyEvent,
    ExternalReference,
    ImportRun,
    Licence,
    Person,
    Pregnancy,
    PregnancyEvent,
    Staff,
)
from kinward.engines.interchange import (
    RECORD_TYPES,
    DatasetValidator,
    Problem,
    check_manifest,
    read_dataset,
    read_manifest,
)
from kinward.engines.interchange.certificates import (
    VALID,
    VERIFIED_REASON,
    CertificateChecker,
    IssuerKeysError,
)
from kinward.engines.interchange.precheck import RecordPrecheck
from kinward.engines.interchange.semantics import parse_time

# certificates.jsonl above this many bytes (~1,000 certificates): verify them in a helper process
PARALLEL_VERIFY_BYTES = 512_000
# record files above this many bytes (~20,000 records): check records on their own in a helper process
PARALLEL_PRECHECK_BYTES = 8_000_000

ROW_MODELS = import_facts.ROW_MODELS
FACT_WRITERS = {
    "certificates": import_facts.certificates_write,
    "abandonment_reports": import_facts.abandonment_reports_write,
    "adoption_files": import_facts.adoption_files_write,
}

IMPORT_ACTOR = Actor(username="system:import")
REF_FIELDS = {
    "facility": "agencies",
    "to_facility": "agencies",
    "authority": "agencies",
    "adoption_agency": "agencies",
    "recorded_by": "staff",
    "to": "persons",
    "adoptive_parents": "persons",
}


class FieldRefused(IntegrityError):
    """The database would refuse a batch because of one field's value (named in the rejection)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name


class Rejected(Exception):
    """One record cannot be imported: the field and the reason."""

    def __init__(self, field_name: str | None, reason: str):
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


@dataclass
class ImportReport:
    """What an import did, per record type, and why each rejected record was rejected."""

    source: str = ""
    accepted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECORD_TYPES, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECORD_TYPES, 0))
    rejected: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RECORD_TYPES, 0))
    problems: list[Problem] = field(default_factory=list)
    refused: bool = False
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def total_rejected(self) -> int:
        return sum(self.rejected.values())


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _time(value: str) -> tuple[dt.datetime, int]:
    parsed = parse_time(value)
    return parsed, int(parsed.utcoffset().total_seconds() // 60)


class _Row:
    """A stand-in for a row known only by id (and, for a corrected event, its child and type)."""

    __slots__ = ("pk", "child_id", "type")

    def __init__(self, pk: int, child_id: int | None = None, type: str = "") -> None:
        self.pk, self.child_id, self.type = pk, child_id, type


@dataclass
class _Pending:
    """A record converted to an unsaved row, waiting for its batch to be written."""

    item: Any
    row: Any
    extra: Any = None


class DatasetImport:
    """One import of one dataset folder. Use `run()`; see the module docstring."""

    def __init__(
        self, path: str | Path, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None
    ) -> None:
        self.path = Path(path)
        self.batch_size = batch_size
        self.progress = progress
        self.report = ImportReport()
        self.refs: dict[str, dict[str, int]] = {t: {} for t in RECORD_TYPES}
        self.agency_kind: dict[int, str] = {}
        self.staff_agency: dict[int, int] = {}
        self.birth_info: dict[int, tuple[str, dt.datetime]] = {}  # pk -> (outcome, time)
        self.event_info: dict[int, tuple[int, str]] = {}  # custody event pk -> (child pk, type)
        self.given_newborn: dict[str, str] = {}  # birth ref -> the newborn ID this dataset gave it
        self.verifying: Any = None  # the helper process verifying certificates (Popen)
        self.precheck: RecordPrecheck | None = None  # the helper process checking records on their own
        self.outcomes: dict[str, tuple] | None = None
        self.known_sources: list[str] | None = None
        self.pending: list[_Pending] = []
        self.pending_type: str | None = None
        self.pending_refs: set[str] = set()
        self.waiting: list[Any] = []  # records naming a same-type record of the pending batch (see `_convert`)
        self.waiting_refs: set[str] = set()

    # --- the run ---------------------------------------------------------------------------------------------
    def run(self) -> ImportReport:
        started = time.perf_counter()
        manifest = read_manifest(self.path)
        problems = check_manifest(manifest)
        if problems:
            self.report.refused = True
            self.report.problems.extend(problems)
            return self.report
        try:
            self.checker = CertificateChecker(manifest.get("issuer_keys"), parse_time(manifest["created"]))
        except IssuerKeysError as exc:
            self.report.refused = True
            self.report.problems.append(Problem("manifest.json", None, None, "issuer_keys", str(exc)))
            return self.report
        self.source = str(manifest["source"])[:200]
        self.country = str(manifest["country"]).upper()
        self.report.source = self.source
        run = ImportRun.objects.create(
            source=self.source, path=str(self.path)[:1000], started_at=timezone.now()
        )
        self.run_id = self.report.run_id = run.pk
        self._load_known()
        if len(self.refs["certificates"]) < (manifest.get("counts") or {}).get("certificates", 0):
            self._start_verifying()  # not for a re-import that holds every certificate already
        try:
            with bulk_write_cache():
                self._load_records()
        finally:
            if self.precheck is not None:
                self.precheck.close()
            if self.verifying is not None:  # no certificate was reached (or an error): stop the helper
                self.verifying.kill()
                self.verifying.communicate()
                self.verifying = None
        run.finished_at = timezone.now()
        run.accepted, run.rejected, run.unchanged = (
            self.report.accepted,
            self.report.rejected,
            self.report.unchanged,
        )
        run.save(update_fields=["finished_at", "accepted", "rejected", "unchanged"])
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _load_records(self) -> None:
        """Every record of the dataset, in load order, through validation, conversion and batched writes."""
        validator = DatasetValidator(outside=self._held_elsewhere, check_record=self._start_prechecking())
        for item, found in validator.validate(read_dataset(self.path)):
            if self.progress:
                self.progress(1)
            if item.type != self.pending_type:
                self._flush_all()
                self.pending_type = item.type
            if found:
                self._reject_problems(item.type, found)
                continue
            ref = item.record["ref"]
            if item.type == "births" and self.verifying is None and item.record.get("newborn_id"):
                self.given_newborn[ref] = item.record["newborn_id"]
            if ref in self.refs[item.type]:
                self.report.unchanged[item.type] += 1
                continue
            self._take(item)
        self._flush_all()

    def _take(self, item) -> None:
        try:
            self._convert(item)
        except Rejected as exc:
            self._reject(item, exc.field, exc.reason)

    def _start_prechecking(self) -> RecordPrecheck | None:
        """For a large dataset, check each record on its own (schema, calendar) in a second process, ahead of
        this one (`engines.interchange.precheck`); same answers, on the second core."""
        size = sum(f.stat().st_size for f in self.path.glob("*.jsonl") if f.is_file())
        if size >= PARALLEL_PRECHECK_BYTES:
            self.precheck = RecordPrecheck(self.path)
        return self.precheck

    def _start_verifying(self) -> None:
        """For a large certificates file, verify every certificate in a second process while this one loads the
        records before them (signature checks are CPU-bound; the machine has a second core)."""
        path = self.path / "certificates.jsonl"
        if not path.is_file() or path.stat().st_size < PARALLEL_VERIFY_BYTES:
            return
        command = [sys.executable, "-m", "kinward.engines.interchange.certificates", str(self.path)]
        self.verifying = (
            subprocess.Popen(  # a plain interpreter: no fork of this process, no re-run of __main__
                [*command, self.checker.placeholder],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )

    def _certificate_outcome(self, ref: str, text: str, child_ref: str) -> tuple[str, str]:
        """The verification outcome of one certificate: from the second process when it ran (checked here if
        that process failed), else checked here."""
        if self.verifying is not None:
            out, _err = self.verifying.communicate()
            try:
                found = json.loads(out) if self.verifying.returncode == 0 else None
            except ValueError:
                found = None
            self.outcomes = {ref: tuple(v) for ref, v in found.items()} if found is not None else None
            self.verifying = None  # on failure: checked in this process (without the newborn-ID comparison)
        if self.outcomes is not None:
            return self.outcomes.get(ref, (VALID, VERIFIED_REASON))
        return self.checker.check(text, self.given_newborn.get(child_ref))

    def _load_known(self) -> None:
        """What earlier imports of this source already wrote (so a re-import changes nothing)."""
        for rtype in ("regions", "agencies"):
            self.refs[rtype] = dict(
                ExternalReference.objects.filter(source=self.source, record_type=rtype).values_list(
                    "ref", "object_id"
                )
            )
        for rtype, model in ROW_MODELS.items():
            self.refs[rtype] = dict(
                model.objects.filter(source=self.source).values_list("external_ref", "pk")
            )
        self.agency_kind = dict(Agency.objects.values_list("pk", "kind"))
        self.staff_agency = dict(Staff.objects.filter(source=self.source).values_list("pk", "agency_id"))
        for pk, outcome, born in Birth.objects.filter(source=self.source).values_list(
            "pk", "outcome", "time"
        ):
            self.birth_info[pk] = (outcome, born)
        for pk, child, kind in CustodyEvent.objects.filter(source=self.source).values_list(
            "pk", "child_id", "type"
        ):
            self.event_info[pk] = (child, kind)

    def _held_elsewhere(self, rtype: str, ref: str) -> str | None:
        """Where an earlier import holds a `rtype` record with this `ref` (see import_facts.held_elsewhere)."""
        if self.known_sources is None:
            self.known_sources = sorted(set(ImportRun.objects.values_list("source", flat=True)))
        return import_facts.held_elsewhere(rtype, ref, self.known_sources, self.source)

    # --- problems -------------------------------------------------------------------------------------------
    def _reject_problems(self, rtype: str, problems: list[Problem]) -> None:
        self.report.rejected[rtype] += 1
        self.report.problems.extend(problems)

    def _reject(self, item, field_name: str | None, reason: str) -> None:
        ref = item.record.get("ref") if item.record else None
        self._reject_problems(item.type, [Problem(item.file, item.line, ref, field_name, reason)])

    def _ref(self, rtype: str, ref: str | None, field_name: str, *, required: bool = True) -> int | None:
        """The id of the row a ref points at; a same-type ref still in the batch flushes the batch first."""
        if ref is None:
            if required:
                raise Rejected(field_name, "required")
            return None
        found = self.refs[rtype].get(ref)
        if found is None and rtype == self.pending_type and (ref in self.pending_refs or ref in self.waiting_refs):
            self._flush_all()
            found = self.refs[rtype].get(ref)
        if found is None:
            raise Rejected(field_name, f"points at {rtype} record {ref!r}, which was rejected")
        return found

    # --- conversion per record type ---------------------------------------------------------------------
    def _convert(self, item) -> None:
        """Add the record's row to the pending batch. A correction of a custody event that is itself still in the
        batch waits for the batch to be written (it needs the event's key) and joins the next one, instead of
        cutting the batch short: a dataset correcting one event in two hundred otherwise wrote its custody events
        in batches of ~150, each a transaction of its own."""
        rtype, record = item.type, item.record
        corrects = record.get("corrects") if rtype == "custody_events" else None
        if corrects is not None and (corrects in self.pending_refs or corrects in self.waiting_refs):
            self.waiting.append(item)
            self.waiting_refs.add(record["ref"])
            return
        if rtype == "regions":
            return self._region(item)
        if rtype == "agencies":
            return self._agency(item)
        row, extra = getattr(self, "_row_" + rtype)(record)
        row.external_ref, row.source = record["ref"], self.source
        self.pending.append(_Pending(item, row, extra))
        self.pending_refs.add(record["ref"])
        if len(self.pending) >= self.batch_size:
            self._flush()

    def _region(self, item) -> None:
        record = item.record
        parent_id = self._ref("regions", record.get("parent"), "parent", required=False)
        parent = Region.objects.get(pk=parent_id) if parent_id else None
        with transaction.atomic():
            if (
                record["level"] == "country"
                and Region.objects.filter(code=self.country, level="country").exists()
            ):
                region = Region.objects.get(code=self.country)
            else:
                code = self.country if record["level"] == "country" else record["ref"]
                if Region.objects.filter(code=code).exists():
                    code = f"{record['ref']}~{hashlib.sha256(self.source.encode()).hexdigest()[:6]}"
                region = region_create(
                    code=code,
                    name=record["name"],
                    level=record["level"],
                    parent=parent,
                    external_ref=record["ref"],
                )
            self._remember_place(item, region.pk)

    def _agency(self, item) -> None:
        record = item.record
        region = Region.objects.get(pk=self._ref("regions", record["region"], "region"))
        with transaction.atomic():
            agency = agency_create(
                name=record["name"][:300], kind=record["kind"], region=region, external_ref=record["ref"]
            )
            licence = record.get("licence")
            if licence:
                Licence.objects.create(
                    agency=agency,
                    number=licence["number"],
                    valid_from=_date(licence["valid_from"]),
                    valid_to=_date(licence["valid_to"]),
                    status=licence["status"],
                    status_since=_date(licence.get("status_since")),
                )
            self.agency_kind[agency.pk] = agency.kind
            self._remember_place(item, agency.pk)

    def _remember_place(self, item, pk: int) -> None:
        ExternalReference.objects.create(
            source=self.source, record_type=item.type, ref=item.record["ref"], object_id=pk
        )
        audit_record(actor=IMPORT_ACTOR, action="registry.import", object_type=item.type, object_id=pk)
        self.refs[item.type][item.record["ref"]] = pk
        self.report.accepted[item.type] += 1

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
            birth_date=_date(r.get("birth_date")),
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
            enrolled_on=_date(r["enrolled_on"]),
            expected_date=_date(r["expected_date"]),
            visits=list(r.get("visits") or []),
        ), None

    def _row_pregnancy_events(self, r):
        recorded_by = self._ref("staff", r["recorded_by"], "recorded_by")
        return fast_row(
            PregnancyEvent,
            pregnancy_id=self._ref("pregnancies", r["pregnancy"], "pregnancy"),
            type=r["type"],
            date=_date(r["date"]),
            recorded_by_id=recorded_by,
            facility_id=self._ref("agencies", r.get("facility"), "facility", required=False),
        ), None

    def _row_births(self, r):
        facility = self._ref("agencies", r["facility"], "facility")
        attendant = self._ref("staff", r["attendant"], "attendant")
        if self.staff_agency.get(attendant) != facility:
            raise Rejected("attendant", f"staff {r['attendant']!r} does not work at the facility of birth")
        born, offset = _time(r["time"])
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
        when, _offset = _time(r["time"])
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
            decided_on=_date(r.get("decided_on")),
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
        return fast_row(
            AbandonmentReport,
            child_id=self._ref("births", r.get("child"), "child", required=False),
            event_id=self._ref("custody_events", r.get("event"), "event", required=False),
            facility_id=self._ref("agencies", r["facility"], "facility"),
            reported_by_id=self._ref("staff", r["reported_by"], "reported_by"),
            found_at=parse_time(r["found_at"]),
            reported_at=parse_time(r["reported_at"]),
            place=r["place"],
            condition=r["condition"],
        ), None

    def _row_certificates(self, r):
        child = self._ref("births", r["child"], "child")
        outcome, reason = self._certificate_outcome(r["ref"], r["text"], r["child"])
        return fast_row(
            Certificate,
            child_id=child,
            issued_on=_date(r["issued_on"]),
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
            stated_birth_date=_date(r["stated_birth_date"]),
            filed_on=_date(r["filed_on"]),
            documents=documents,
        ), None

    # --- writing batches ----------------------------------------------------------------------------------
    def _flush_all(self) -> None:
        """Write the pending batch and every record waiting for it."""
        while self.pending or self.waiting:
            self._flush()

    def _flush(self) -> None:
        """Write the pending batch; the records that waited for it then start the next one."""
        self._write_pending()
        waiting, self.waiting, self.waiting_refs = self.waiting, [], set()
        for item in waiting:
            self._take(item)

    def _write_pending(self) -> None:
        batch, rtype = self.pending, self.pending_type
        self.pending, self.pending_refs = [], set()
        if not batch:
            return
        try:
            with transaction.atomic():
                rows = self._write(rtype, batch)
        except (IntegrityError, DatabaseError):
            for one in batch:  # the database refused the batch: find the record(s) it refused
                try:
                    with transaction.atomic():
                        rows = self._write(rtype, [one])
                except (IntegrityError, DatabaseError) as exc:
                    reason = f"refused by the database: {str(exc).splitlines()[0][:200]}"
                    self._reject(one.item, getattr(exc, "field", None), reason)
                else:
                    self._remember(rtype, [one], rows)
            return
        self._remember(rtype, batch, rows)

    def _write(self, rtype: str, batch: list[_Pending]) -> list:
        rows = [p.row for p in batch]
        if rtype == "births":
            self._unique_newborn_ids(batch)
            rows = writes.births_write(rows, actor=None)
        elif rtype == "custody_events":
            parents = {i: p.extra for i, p in enumerate(batch) if p.extra}
            rows = writes.custody_events_write(rows, actor=None, parents=parents)
        elif rtype == "pregnancies":
            rows = writes.pregnancies_write(rows, actor=None)
        elif rtype == "pregnancy_events":
            rows = writes.pregnancy_events_write(rows, actor=None)
        elif rtype in FACT_WRITERS:
            rows = FACT_WRITERS[rtype](rows)
        else:
            rows = rows_insert(rows)
        first, last = batch[0].item.record["ref"], batch[-1].item.record["ref"]
        audit_record(
            actor=IMPORT_ACTOR,
            action="registry.import",
            object_type=rtype,
            object_id=f"{self.run_id}:{first}..{last}"[:100],
        )
        return rows

    def _remember(self, rtype: str, batch: list[_Pending], rows: list) -> None:
        """After the batch committed: index its refs and what later records' checks need."""
        for pending, row in zip(batch, rows, strict=True):
            self.refs[rtype][pending.item.record["ref"]] = row.pk
            if rtype == "births":
                self.birth_info[row.pk] = (row.outcome, row.time)
            elif rtype == "custody_events":
                self.event_info[row.pk] = (row.child_id, row.type)
            elif rtype == "staff":
                self.staff_agency[row.pk] = row.agency_id
        self.report.accepted[rtype] += len(rows)

    def _unique_newborn_ids(self, batch: list[_Pending]) -> None:
        given = [p.row.newborn_id for p in batch if p.row.newborn_id]
        if given and (len(set(given)) != len(given) or Birth.objects.filter(newborn_id__in=given).exists()):
            raise FieldRefused("newborn_id", "newborn_id is already held by another child")


def dataset_import(
    path: str | Path, *, batch_size: int = 1000, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Import the interchange dataset at `path` (see the module docstring); returns the report."""
    return DatasetImport(path, batch_size=batch_size, progress=progress).run()
