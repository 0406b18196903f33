"""Red flags on the live registry: the scheduled scan of the whole database, and each new fact as it arrives.

Both read the registry as an interchange dataset built by `kinward.apps.registry.export`, so a record has the same
ref (an imported record its dataset ref, a record created in Kinward `kw-<kind>-<key>`) in a dataset scan, in the
scheduled scan and in the per-fact evaluation, and an alert (identity: rule, version and subject ref) found by more
than one of them is stored once. Certificates are judged by the outcome stored when they were imported (Kinward
verified them once); a certificate Kinward signed itself is never flagged as invalid.

- `alerts_scan_database()`: every rule, over an export of the whole registry to a private temporary folder
  (the nightly task `alerts.tasks.alerts_scan_live`, and `kinward alerts scan --database`).
- `alerts_evaluate_facts(record_type, pks)`: the per-record rules (the rules engine's `IncrementalEvaluator`)
  for facts just committed (a birth, a custody event, a pregnancy enrolment or end, an abandonment report), over
  their neighbourhood only (`kinward.apps.registry.neighbourhood`, its reading audited as the rules engine's):
  the facts' rows are left out of the state and then added one by one, as the evaluator expects. Rules that compare facilities or build on other rules'
  alerts (facility_anomaly, clinic_ring, early_adoption) are left to the scheduled scan.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from kinward.apps.alerts.services import RULES_ENGINE, IngestReport, alerts_ingest, subject_agency_refs
from kinward.apps.audit.services import audit_record
from kinward.apps.registry.export import (
    KIND_PREFIX,
    Records,
    Refs,
    export_manifest,
    export_source,
    registry_export,
    registry_records,
)
from kinward.apps.registry.import_facts import imported_certificate_verifier
from kinward.apps.registry.models import Certificate
from kinward.apps.registry.neighbourhood import EVENT_TYPES, neighbourhood


@functools.cache
def _ruleset():
    """The shipped rules, read once per process (parsing the rule files costs more than evaluating an event; a
    worker restarted after an upgrade reads the new rules)."""
    from kinward.engines.rules import load_ruleset

    return load_ruleset()


def _scan_folder(folder: Path) -> tuple[list, dict]:
    """Every rule over an exported dataset: (alerts, the agency ref of each alert's subject)."""
    from kinward.engines.rules import open_dataset, scan_connection

    con, manifest = open_dataset(folder)
    try:
        verifier = imported_certificate_verifier("", certificates=Certificate.objects.all())
        result = scan_connection(con, manifest, _ruleset(), verifier=verifier)
        refs = subject_agency_refs(con, {(a.subject.type, a.subject.ref) for a in result.alerts})
    finally:
        con.close()
    return list(result.alerts), refs


def alerts_scan_database() -> IngestReport:
    """Run every rule over the live registry and queue the alerts (a whole export, in a private temp folder
    removed afterwards; the export is audited as the rules engine's)."""
    with tempfile.TemporaryDirectory(prefix="kinward-scan-") as folder:
        export = registry_export(actor=RULES_ENGINE, out=folder)
        alerts, refs = _scan_folder(Path(folder))
    return alerts_ingest(alerts=alerts, source=export.source, agency_refs=refs, agency_ids=export.agency_by_ref)


def _write_state(folder: Path, facts: list[tuple[str, int]]) -> tuple[list[tuple[str, dict]], Refs, Q]:
    """Write the facts' neighbourhood without the facts to `folder`; return the facts' own records (in the
    order given), the refs used, and the certificates of the neighbourhood."""
    from kinward.engines.interchange import DatasetWriter

    refs = Refs.build(partial=True)
    records = Records(refs)
    where = neighbourhood(facts)
    fact_pks: dict[str, list[int]] = {}
    for record_type, pk in facts:
        fact_pks.setdefault(record_type, []).append(pk)
    manifest = export_manifest(timezone.now().replace(microsecond=0), export_source())
    with DatasetWriter(folder, manifest) as writer:
        for record_type in KIND_PREFIX:
            if record_type not in where:
                continue
            rows = where[record_type]
            if record_type in fact_pks:
                rows = (rows or Q()) & ~Q(pk__in=fact_pks[record_type])
            for record in registry_records(records, record_type, rows):
                writer.write(record_type, record)
    added = [
        (record_type, record)
        for record_type, pks in fact_pks.items()
        for record in registry_records(records, record_type, Q(pk__in=pks))
    ]
    # the neighbourhood holds personal records: its reading is audited as the rules engine's, naming the facts
    audit_record(
        actor=RULES_ENGINE,
        action="registry.neighbourhood.read",
        object_type="facts",
        object_id=",".join(f"{t}:{pk}" for t, pk in facts)[:100],
    )
    return added, refs, where["certificates"]


def incremental_alerts(facts: list[tuple[str, int]]) -> tuple[list, dict, Refs]:
    """The per-record rules' alerts on the facts (see the module docstring): (alerts, subject agency refs,
    the refs of the evaluation)."""
    from kinward.engines.rules.incremental import IncrementalEvaluator

    facts = [(t, pk) for t, pk in facts if t in EVENT_TYPES]
    if not facts:
        return [], {}, Refs(places={"agencies": {}})
    with tempfile.TemporaryDirectory(prefix="kinward-event-") as folder:
        added, refs, certificates = _write_state(Path(folder), facts)
        verifier = imported_certificate_verifier("", certificates=Certificate.objects.filter(certificates))
        evaluator = IncrementalEvaluator.open(folder, _ruleset(), verifier=verifier)
        try:
            found = {}
            for record_type, record in added:
                found.update((alert.id, alert) for alert in evaluator.add(record_type, record))
            subjects = subject_agency_refs(evaluator.con, {(a.subject.type, a.subject.ref) for a in found.values()})
        finally:
            evaluator.close()
    return list(found.values()), subjects, refs


def alerts_evaluate_facts(*, record_type: str, pks: list[int]) -> IngestReport:
    """Evaluate facts just committed and queue their alerts (idempotent: an alert already queued is only seen
    again)."""
    facts = [(record_type, pk) for pk in pks]
    alerts, subjects, refs = incremental_alerts(facts)
    store = functools.partial(
        alerts_ingest, alerts=alerts, source=export_source(), agency_refs=subjects, agency_ids=refs.agency_by_ref()
    )
    try:
        return store()
    except IntegrityError:  # a task evaluating a neighbouring fact stored the same alert meanwhile: seen again
        return store()
