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
from kinward.apps.registry import import_facts, writes
from kinward.apps.registry.fastinsert import bulk_write_cache, long_lived_spared, rows_insert
from kinward.apps.registry.import_rows import RecordRows, Rejected, parse_day
from kinward.apps.registry.models import (
    Birth,
    CustodyEvent,
    ExternalReference,
    ImportRun,
    Licence,
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


class FieldRefused(IntegrityError):
    """The database would refuse a batch because of one field's value (named in the rejection)."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name


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


@dataclass
class _Pending:
    """A record converted to an unsaved row, waiting for its batch to be written."""

    item: Any
    row: Any
    extra: Any = None


class DatasetImport(RecordRows):
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
        self.waiting: list[
            Any
        ] = []  # records naming a same-type record of the pending batch (see `_convert`)
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
            with bulk_write_cache(), long_lived_spared():
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
        if (
            found is None
            and rtype == self.pending_type
            and (ref in self.pending_refs or ref in self.waiting_refs)
        ):
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
                    valid_from=parse_day(licence["valid_from"]),
                    valid_to=parse_day(licence["valid_to"]),
                    status=licence["status"],
                    status_since=parse_day(licence.get("status_since")),
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
