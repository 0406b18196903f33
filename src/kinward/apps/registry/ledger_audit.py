"""`kinward registry ledger-audit`: rebuild the registry log from the database and check it.

Checks, each reported with what failed: the leaves are numbered 0..n-1 without gaps; the stored subtree hashes
are those the leaves give (RFC 9162 §2.1.1, recomputed from the leaf bytes); every signed checkpoint verifies
with the log's key, has the log's origin, never shrinks, and its root is the rebuilt tree's root at its size;
every registry fact (birth, custody event, pregnancy enrolment, antenatal visit, pregnancy event, completed
registration, imported certificate, abandonment report and adoption file) points at a leaf of its own kind and
event id, and every leaf is claimed by exactly one fact; an enrolment's and a visit's leaf is rebuilt from its
row and must be the stored leaf byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings

from kinward.apps.registry.ledger import ledger_signer
from kinward.apps.registry.models import (
    AbandonmentReport,
    AdoptionFile,
    AntenatalVisit,
    Birth,
    Certificate,
    CustodyEvent,
    LedgerCheckpoint,
    LedgerLeaf,
    LedgerNode,
    Pregnancy,
    PregnancyEvent,
    Registration,
)
from kinward.apps.registry.writes import _persons, _staff_names, antenatal_visit_leaf, pregnancy_leaf
from kinward.engines.ledger import LedgerError, MemoryStore, MerkleLog, open_checkpoint

CHUNK = 10_000
MAX_PROBLEMS = 50


@dataclass
class LedgerAuditReport:
    size: int = 0
    checkpoints: int = 0
    facts: int = 0
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
        return [head, *(f"  problem: {p}" for p in self.problems)]


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


def _compare_leaves(kind: str, rows: list, rebuilt: list[bytes], report: LedgerAuditReport) -> None:
    stored = _stored_leaves([r.ledger_index for r in rows])
    for row, leaf in zip(rows, rebuilt, strict=True):
        if row.ledger_index in stored and stored[row.ledger_index] != leaf:
            report.add(
                f"{kind} {row.event_id}: leaf {row.ledger_index} is not the leaf its row gives now "
                "(the row or the leaf was changed after it was logged)"
            )


def _chunks(queryset):
    last = 0
    while True:
        chunk = list(queryset.filter(pk__gt=last).order_by("pk")[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk


def _check_antenatal_leaves(report: LedgerAuditReport) -> None:
    """Rebuild each enrolment's and visit's leaf from its row (and the mother's, the recorder's) and compare it
    with the stored leaf: an enrolment or visit changed after it was logged no longer matches its leaf."""
    for chunk in _chunks(Pregnancy.objects.filter(ledger_index__isnull=False)):
        persons = _persons({p.mother_id for p in chunk})
        _compare_leaves("pregnancy.enrolled", chunk, [pregnancy_leaf(p, persons) for p in chunk], report)
    for chunk in _chunks(AntenatalVisit.objects.all()):
        facility = dict(
            Pregnancy.objects.filter(pk__in={v.pregnancy_id for v in chunk}).values_list("pk", "facility_id")
        )
        staff = _staff_names({v.recorded_by_id for v in chunk})
        rebuilt = [antenatal_visit_leaf(v, facility_id=facility[v.pregnancy_id], staff=staff) for v in chunk]
        _compare_leaves("pregnancy.visit", chunk, rebuilt, report)


def ledger_audit() -> LedgerAuditReport:
    """Rebuild the log from the database and check it against the stored hashes, checkpoints and facts."""
    report = LedgerAuditReport()
    log, claims = _rebuild(report)
    _check_nodes(log, report)
    _check_checkpoints(log, report)
    _check_facts(claims, report)
    _check_antenatal_leaves(report)
    return report
