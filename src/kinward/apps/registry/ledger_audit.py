"""`kinward registry ledger-audit`: rebuild the registry log from the database and check it.

Checks, each reported with what failed: the leaves are numbered 0..n-1 without gaps; the stored subtree hashes
are those the leaves give (RFC 9162 §2.1.1, recomputed from the leaf bytes); every signed checkpoint verifies
with the log's key, has the log's origin, never shrinks, and its root is the rebuilt tree's root at its size;
every registry fact (birth, custody event, pregnancy enrolment, antenatal visit, pregnancy event, completed
registration, imported certificate, abandonment report and adoption file) points at a leaf of its own kind and
event id, and every leaf is claimed by exactly one fact.

Tamper evidence for rows (`rows="all"`, the default): each birth, custody event, pregnancy enrolment, antenatal
visit, pregnancy event, completed registration, imported certificate and adoption file has its leaf rebuilt from
its current row (and the rows it names: mother, adoptive parents, staff) by the write path's own builder
(`writes.birth_leaf`, `custody_leaf`, ...), the salted commitments recomputed with the row's own secret, and it
must be the stored leaf byte for byte; a mismatch names the kind, the event id (and dataset ref) and the leaf
index. A registration's office is not on its row: it is read from the stored leaf. Imported certificates and
adoption files are rebuilt too (`import_facts.certificate_leaf`, `adoption_file_leaf`); imported abandonment
reports are only matched to their leaves (theirs keep the times in the dataset's UTC offset, which the row does not
keep). `rows="sample"` rebuilds one row in SAMPLE_EVERY of each kind (a random residue of the pk per run),
`rows="none"` none. Rows stream CHUNK at a time (`values_list`, one query per chunk for what they name); the
rebuild costs ~0.1 ms of CPU per fact (docs/registry.md).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import F, QuerySet

from kinward.apps.registry.fastinsert import loaded_row, long_lived_spared
from kinward.apps.registry.import_facts import (
    abandonment_report_context,
    abandonment_report_leaf,
    adoption_file_context,
    adoption_file_leaf,
    certificate_leaf,
)
from kinward.apps.registry.ledger import ledger_signer
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    AdoptiveParent,
    AntenatalVisit,
    Birth,
    Certificate,
    CustodyEvent,
    ImportedFact,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    Pregnancy,
    PregnancyEvent,
    Registration,
)
from kinward.apps.registry.writes import (
    _persons,
    _staff_names,
    antenatal_visit_leaf,
    birth_leaf,
    custody_leaves,
    newborn_ids_of,
    pregnancy_event_leaf,
    pregnancy_leaf,
    registration_leaf,
)
from kinward.engines.ledger import LedgerError, MemoryStore, MerkleLog, open_checkpoint

CHUNK = 10_000
MAX_PROBLEMS = 50
ROW_CHECKS = ("all", "sample", "none")  # which facts' leaves are rebuilt from their rows (`--rows`)
SAMPLE_EVERY = 20  # `--rows sample`: one row in 20 of each kind, a different random share on every run


@dataclass
class LedgerAuditReport:
    size: int = 0
    checkpoints: int = 0
    facts: int = 0
    rows: str = "all"
    rows_rebuilt: int = 0
    rows_changed: int = 0
    sample_residue: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, problem: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)

    def lines(self) -> list[str]:
        head = (
            f"registry log {'intact' if self.ok else 'BROKEN'}: {self.size} leaves rebuilt, "
            f"{self.checkpoints} signed checkpoints checked, {self.facts} registry facts matched to leaves"
        )
        rows = {
            "all": f"{self.rows_rebuilt} rows rebuilt into their leaves",
            "sample": f"{self.rows_rebuilt} rows rebuilt into their leaves (a sample of one in {SAMPLE_EVERY})",
            "none": "rows not rebuilt into their leaves (--rows none)",
        }[self.rows]
        return [f"{head}; {rows}", *(f"  problem: {p}" for p in self.problems)]


def _rebuild(report: LedgerAuditReport) -> tuple[MerkleLog, dict[int, tuple[str, str]]]:
    log = MerkleLog(MemoryStore())
    claims: dict[int, tuple[str, str]] = {}
    expected = 0
    last = -1
    while True:
        chunk = list(
            LedgerLeaf.objects.filter(idx__gt=last).order_by("idx").values_list("idx", "data")[:CHUNK]
        )
        if not chunk:
            break
        for idx, data in chunk:
            if idx != expected:
                report.add(f"leaf {expected} is missing (next stored leaf is {idx})")
                return log, claims
            data = bytes(data)
            try:
                entry = json.loads(data)
                claims[idx] = (entry["kind"], entry["event_id"])
            except (ValueError, KeyError, TypeError):
                report.add(f"leaf {idx} is not a registry event leaf")
            expected += 1
        log.append_many([bytes(d) for _, d in chunk])
        last = chunk[-1][0]
    report.size = log.size
    return log, claims


def _check_nodes(log: MerkleLog, report: LedgerAuditReport) -> None:
    rebuilt = log.store.nodes  # MemoryStore: post-order node hashes
    stored_count = LedgerNode.objects.count()
    if stored_count != len(rebuilt):
        report.add(f"the database holds {stored_count} subtree hashes; the leaves give {len(rebuilt)}")
    last = -1
    while True:
        chunk = list(LedgerNode.objects.filter(id__gt=last).order_by("id").values_list("id", "hash")[:CHUNK])
        if not chunk:
            return
        for node, value in chunk:
            if node >= len(rebuilt) or bytes(value) != rebuilt[node]:
                report.add(f"stored subtree hash {node} differs from the hash its leaves give")
        last = chunk[-1][0]


def _check_checkpoints(log: MerkleLog, report: LedgerAuditReport) -> None:
    verifier = ledger_signer().verifier()
    previous = 0
    for seq, tree_size, note in LedgerCheckpoint.objects.order_by("seq").values_list(
        "seq", "tree_size", "note"
    ):
        report.checkpoints += 1
        try:
            checkpoint = open_checkpoint(note, [verifier], settings.LEDGER_ORIGIN)
        except LedgerError as exc:
            report.add(f"checkpoint {seq}: {exc}")
            continue
        if checkpoint.tree_size != tree_size:
            report.add(f"checkpoint {seq}: note says size {checkpoint.tree_size}, row says {tree_size}")
        if checkpoint.tree_size < previous:
            report.add(f"checkpoint {seq}: size {checkpoint.tree_size} is smaller than an earlier {previous}")
        previous = max(previous, checkpoint.tree_size)
        if checkpoint.tree_size > log.size:
            report.add(f"checkpoint {seq}: size {checkpoint.tree_size} but only {log.size} leaves are stored")
        elif log.root(checkpoint.tree_size) != checkpoint.root_hash:
            report.add(
                f"checkpoint {seq}: root for size {checkpoint.tree_size} is not the rebuilt tree's root"
            )


def _check_facts(claims: dict[int, tuple[str, str]], report: LedgerAuditReport) -> None:
    facts = [
        (Birth.objects.values_list("ledger_index", "event_id"), lambda row: "birth"),
        (
            CustodyEvent.objects.values_list("ledger_index", "event_id", "type"),
            lambda row: f"custody.{row[2]}",
        ),
        (
            PregnancyEvent.objects.values_list("ledger_index", "event_id", "type"),
            lambda row: f"pregnancy.{row[2]}",
        ),
        (
            Pregnancy.objects.filter(ledger_index__isnull=False).values_list("ledger_index", "event_id"),
            lambda row: "pregnancy.enrolled",
        ),
        (AntenatalVisit.objects.values_list("ledger_index", "event_id"), lambda row: "pregnancy.visit"),
        (
            Registration.objects.filter(ledger_index__isnull=False).values_list(
                "ledger_index", "birth__event_id"
            ),
            lambda row: "birth.registered",
        ),
        *(
            (
                model.objects.filter(ledger_index__isnull=False).values_list("ledger_index", "public_id"),
                lambda row, kind=kind: kind,
            )
            for model, kind in (
                (Certificate, "certificate"),
                (AbandonmentReport, "abandonment_report"),
                (AdoptionFile, "adoption_file"),
            )
        ),
    ]
    claimed: set[int] = set()
    for queryset, kind_of in facts:
        for row in queryset.iterator(chunk_size=CHUNK):
            index, event_id = row[0], str(row[1])
            report.facts += 1
            if claims.get(index) != (kind_of(row), event_id):
                report.add(f"{kind_of(row)} {event_id} points at leaf {index}, which does not record it")
            if index in claimed:
                report.add(f"leaf {index} is claimed by two registry facts")
            claimed.add(index)
    unclaimed = set(claims) - claimed
    if unclaimed:
        report.add(f"{len(unclaimed)} leaves record no registry fact (first: {min(unclaimed)})")


def _stored_leaves(indexes: list[int]) -> dict[int, bytes]:
    return {i: bytes(d) for i, d in LedgerLeaf.objects.filter(idx__in=indexes).values_list("idx", "data")}


def _named(kind: str, row: Any) -> str:
    """How a problem names a fact: its kind, public event id and, when it came from a dataset, its ref."""
    ref = getattr(row, "external_ref", "")
    public_id = row.public_id if isinstance(row, ImportedFact) else row.event_id
    return f"{kind} {public_id}" + (f" (ref {ref!r})" if ref else "")


def _compare_leaves(
    kind: str | Callable[[Any], str], rows: list, rebuilt: list[bytes], report: LedgerAuditReport
) -> None:
    stored = _stored_leaves([r.ledger_index for r in rows])
    for row, leaf in zip(rows, rebuilt, strict=True):
        if row.ledger_index in stored and stored[row.ledger_index] != leaf:
            report.rows_changed += 1
            name = _named(kind if isinstance(kind, str) else kind(row), row)
            report.add(
                f"{name}: leaf {row.ledger_index} is not the leaf its row gives now "
                "(the row or the leaf was changed after it was logged)"
            )
    report.rows_rebuilt += len(rows)


def _sampled(queryset: QuerySet, report: LedgerAuditReport) -> QuerySet:
    """All the rows, or with `--rows sample` those whose pk leaves this run's random residue mod SAMPLE_EVERY."""
    if report.rows != "sample":
        return queryset
    return queryset.alias(audit_residue=F("pk") % SAMPLE_EVERY).filter(audit_residue=report.sample_residue)


def _chunks(queryset: QuerySet, report: LedgerAuditReport) -> Iterator[list]:
    """The rows (model instances) CHUNK at a time in pk order."""
    queryset, last = _sampled(queryset, report), 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _check_antenatal_leaves(report: LedgerAuditReport) -> None:
    """Rebuild each enrolment's and visit's leaf from its row (and the mother's, the recorder's) and compare it
    with the stored leaf: an enrolment or visit changed after it was logged no longer matches its leaf."""
    for chunk in _chunks(Pregnancy.objects.filter(ledger_index__isnull=False), report):
        persons = _persons({p.mother_id for p in chunk})
        _compare_leaves("pregnancy.enrolled", chunk, [pregnancy_leaf(p, persons) for p in chunk], report)
    for chunk in _chunks(AntenatalVisit.objects.all(), report):
        facility = dict(
            Pregnancy.objects.filter(pk__in={v.pregnancy_id for v in chunk}).values_list("pk", "facility_id")
        )
        staff = _staff_names({v.recorded_by_id for v in chunk})
        rebuilt = [antenatal_visit_leaf(v, facility_id=facility[v.pregnancy_id], staff=staff) for v in chunk]
        _compare_leaves("pregnancy.visit", chunk, rebuilt, report)


# What a birth's and a custody event's leaf is built from (`writes.birth_leaf`, `writes.custody_leaf`): read with
# `values_list` and made rows without the model constructor, CHUNK rows at a time, the pk first.
BIRTH_FIELDS = (
    "id", "ledger_index", "event_id", "newborn_id", "time", "utc_offset", "facility_id", "record_secret",
    "mother_id", "mother_absent_reason", "sex", "weight_g", "outcome", "attendant_id", "delivery",
    "pregnancy_id", "source", "external_ref",
)  # fmt: skip
CERTIFICATE_FIELDS = (
    "id", "ledger_index", "public_id", "child_id", "issued_on", "issued_by_id", "record_secret", "text",
    "source", "external_ref",
)  # fmt: skip
ADOPTION_FILE_FIELDS = (
    "id", "ledger_index", "public_id", "child_id", "adoption_agency_id", "adoptive_parents",
    "stated_birth_mother_id", "stated_birth_facility_id", "stated_birth_date", "filed_on", "documents",
    "record_secret", "source", "external_ref",
)  # fmt: skip
ABANDONMENT_REPORT_FIELDS = (
    "id", "ledger_index", "public_id", "child_id", "event_id", "facility_id", "reported_by_id", "found_at",
    "found_at_offset", "reported_at", "reported_at_offset", "place", "condition", "record_secret", "source",
    "external_ref",
)  # fmt: skip
CUSTODY_FIELDS = (
    "id", "ledger_index", "event_id", "child_id", "type", "time", "utc_offset", "facility_id", "record_secret",
    "to_facility_id", "authority_id", "adoption_agency_id", "corrects_id", "corrected_field", "recorded_by_id",
    "to_person_id", "relationship", "relationship_detail", "id_document_checked", "guardianship_document",
    "place", "found_by", "condition", "decision_number", "decided_on", "cause", "new_value", "reason",
    "source", "external_ref",
)  # fmt: skip


def _loaded_chunks(queryset: QuerySet, names: tuple[str, ...], report: LedgerAuditReport) -> Iterator[list]:
    """The rows with only the fields `names` (pk first), CHUNK rows at a time in pk order."""
    model, queryset, last = queryset.model, _sampled(queryset, report), -1
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*names)[:CHUNK])
        if not chunk:
            return
        yield [loaded_row(model, names, values) for values in chunk]
        last = chunk[-1][0]


def _check_birth_leaves(report: LedgerAuditReport) -> None:
    """Rebuild each birth's leaf from its row, its mother's row and its attendant's name."""
    for chunk in _loaded_chunks(Birth.objects.all(), BIRTH_FIELDS, report):
        persons = _persons({b.mother_id for b in chunk})
        staff = _staff_names({b.attendant_id for b in chunk})
        _compare_leaves("birth", chunk, [birth_leaf(b, persons, staff) for b in chunk], report)


def _custody_leaves(chunk: list[CustodyEvent]) -> list[bytes]:
    """The leaves `writes.custody_events_write` gives these events now: their child's newborn ID, the corrected
    event's id, the adoptive parents in order and every person and staff member they name, one query each."""
    parents: dict[int, list[int]] = {}  # any event given parents has them in its leaf, whatever its type
    links = AdoptiveParent.objects.filter(event_id__gte=chunk[0].pk, event_id__lte=chunk[-1].pk)
    for event_id, person_id in links.order_by("event_id", "position", "pk").values_list("event_id", "person"):
        parents.setdefault(event_id, []).append(person_id)
    return custody_leaves(chunk, [parents.get(e.pk, []) for e in chunk])


def _check_custody_leaves(report: LedgerAuditReport) -> None:
    for chunk in _loaded_chunks(CustodyEvent.objects.all(), CUSTODY_FIELDS, report):
        _compare_leaves(lambda e: f"custody.{e.type}", chunk, _custody_leaves(chunk), report)


def _check_pregnancy_event_and_registration_leaves(report: LedgerAuditReport) -> None:
    """Pregnancy events, and completed registrations: the registry office that completed one is not kept on
    the row, so it is taken from the stored leaf; the birth, the completion time and lateness are rebuilt."""
    for chunk in _chunks(PregnancyEvent.objects.all(), report):
        staff = _staff_names({e.recorded_by_id for e in chunk})
        rebuilt = [pregnancy_event_leaf(e, staff) for e in chunk]
        _compare_leaves(lambda e: f"pregnancy.{e.type}", chunk, rebuilt, report)
    registrations = Registration.objects.filter(ledger_index__isnull=False).select_related("birth")
    for chunk in _chunks(registrations, report):
        stored = _stored_leaves([r.ledger_index for r in chunk])
        rebuilt = []
        for registration in chunk:
            registration.event_id = registration.birth.event_id  # how a problem names it
            try:
                office = json.loads(stored.get(registration.ledger_index, b"{}")).get("facility")
            except (ValueError, AttributeError):  # not a registry leaf: `_check_facts` reports it
                office = None
            rebuilt.append(registration_leaf(registration, registration.birth, registry_agency_id=office))
        _compare_leaves("birth.registered", chunk, rebuilt, report)


def _check_imported_fact_leaves(report: LedgerAuditReport) -> None:
    """Imported certificates, abandonment reports and adoption files (`import_facts.certificate_leaf`,
    `abandonment_report_leaf`, `adoption_file_leaf`). A report imported before its times' offsets were kept on
    the row is matched to its leaf but not rebuilt (its leaf keeps the times in the dataset's offsets)."""
    logged = {"ledger_index__isnull": False}
    reports = AbandonmentReport.objects.filter(
        **logged, found_at_offset__isnull=False, reported_at_offset__isnull=False
    )
    for chunk in _loaded_chunks(reports, ABANDONMENT_REPORT_FIELDS, report):
        context = abandonment_report_context(chunk)
        _compare_leaves(
            "abandonment_report", chunk, [abandonment_report_leaf(r, *context) for r in chunk], report
        )
    for chunk in _loaded_chunks(Certificate.objects.filter(**logged), CERTIFICATE_FIELDS, report):
        newborn = newborn_ids_of({c.child_id for c in chunk})
        _compare_leaves("certificate", chunk, [certificate_leaf(c, newborn) for c in chunk], report)
    for chunk in _loaded_chunks(AdoptionFile.objects.filter(**logged), ADOPTION_FILE_FIELDS, report):
        newborn, persons = adoption_file_context(chunk)
        _compare_leaves(
            "adoption_file", chunk, [adoption_file_leaf(f, newborn, persons) for f in chunk], report
        )


def ledger_audit(*, rows: str = "all") -> LedgerAuditReport:
    """Rebuild the log from the database and check it against the stored hashes, checkpoints and facts; with
    `rows` "all" (or a "sample" of them, or "none") also rebuild each fact's leaf from its row and compare."""
    if rows not in ROW_CHECKS:
        raise ValueError(f"rows must be one of {', '.join(ROW_CHECKS)}, not {rows!r}")
    with long_lived_spared():
        return _audit(rows)


def _audit(rows: str) -> LedgerAuditReport:
    report = LedgerAuditReport(rows=rows, sample_residue=secrets.randbelow(SAMPLE_EVERY))
    log, claims = _rebuild(report)
    _check_nodes(log, report)
    _check_checkpoints(log, report)
    _check_facts(claims, report)
    if rows != "none":
        _check_antenatal_leaves(report)
        _check_birth_leaves(report)
        _check_custody_leaves(report)
        _check_pregnancy_event_and_registration_leaves(report)
        _check_imported_fact_leaves(report)
    return report
