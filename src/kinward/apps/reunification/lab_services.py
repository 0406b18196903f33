"""Laboratory writes of family reunification: samples and their chain of custody, genotype imports, database
searches and the proposals they make. Re-exported by `services`, the app's one entry point for writes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kinward.apps.accounts.authz import Actor
from kinward.apps.accounts.models import Agency
from kinward.apps.audit.services import audit_record, require
from kinward.apps.reunification import matching
from kinward.apps.reunification.genotype_csv import RowProblem, check_genotype_csv
from kinward.apps.reunification.models import (
    DnaProfile,
    DnaSample,
    FamilyMember,
    GenotypeImport,
    MatchProposal,
    RescuedChild,
    SampleCustodyEvent,
    SearchRun,
    TracingRequest,
    agency_scope,
)

SAMPLES = "dna.sample.manage"


def own_agency(actor: Actor) -> Agency:
    if actor.agency_id is None:
        raise ValidationError({"agency": "you act for no agency"})
    return Agency.objects.select_related("region").get(pk=actor.agency_id)


def require_agency(actor: Actor, action: str, object_type: str) -> Agency:
    """The actor's own agency, after checking the action there (records are created in one's own agency)."""
    require(actor, action, object_type=object_type)
    agency = own_agency(actor)
    require(actor, action, agency_scope(agency), object_type=object_type)  # type: ignore[arg-type]
    return agency


# --- samples, custody, genotypes (laboratory) ---------------------------------------------------------------


def dna_sample_record(
    *,
    actor: Actor,
    code: str,
    kit: str,
    collected_at: dt.datetime,
    handled_by: str,
    place: str,
    donor_child: RescuedChild | None = None,
    donor_member: FamilyMember | None = None,
) -> DnaSample:
    """Register a sample at the laboratory with its first custody event (collection).

    A family member's sample is refused unless their DNA consent is recorded.
    """
    lab = require_agency(actor, SAMPLES, "dna_sample")
    errors = {}
    if lab.kind != Agency.Kind.DNA_LAB:
        errors["lab"] = "only a DNA laboratory records samples"
    if (donor_child is None) == (donor_member is None):
        errors["donor"] = "give exactly one donor: a rescued child or a family member"
    if donor_member is not None and not donor_member.dna_consent:
        errors["donor_member"] = "this family member has not consented to DNA: record the consent first"
    if not code.strip():
        errors["code"] = "give the laboratory's sample code"
    elif DnaSample.objects.filter(lab=lab, code=code.strip()).exists():
        errors["code"] = "this sample code is already used in the laboratory"
    if collected_at > timezone.now():
        errors["collected_at"] = "collection cannot be in the future"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        sample = DnaSample.objects.create(
            lab=lab,
            code=code.strip(),
            kit=kit,
            collected_at=collected_at,
            donor_child=donor_child,
            donor_member=donor_member,
            created_by_id=actor.user_id,
        )
        SampleCustodyEvent.objects.create(
            sample=sample,
            kind="collected",
            at=collected_at,
            handled_by=handled_by,
            place=place,
            recorded_by_id=actor.user_id,
        )
        audit_record(actor=actor, action=SAMPLES, object_type="dna_sample", object_id=sample.pk)
    return sample


_NEXT = {
    "collected": {"sealed"},
    "sealed": {"transferred", "received"},
    "transferred": {"transferred", "received"},
    "received": {"typed"},
    "typed": {"typed"},
}


def sample_custody_record(
    *,
    actor: Actor,
    sample: DnaSample,
    kind: str,
    at: dt.datetime,
    handled_by: str,
    place: str,
    seal_number: str = "",
) -> SampleCustodyEvent:
    """Add a link to the chain of custody (sealed, transferred, received, typed), in order and in time."""
    require(actor, SAMPLES, sample, object_type="dna_sample", object_id=sample.pk)
    last = sample.custody_events.order_by("-at", "-id").first()
    errors = {}
    if kind not in _NEXT.get(sample.status, set()):
        errors["kind"] = f"a sample that is {sample.get_status_display()} cannot be recorded as {kind} next"
    if last is not None and at < last.at:
        errors["at"] = "a custody event cannot come before the previous one"
    elif at > timezone.now() + dt.timedelta(minutes=5):
        errors["at"] = "a custody event cannot be in the future"
    if not handled_by.strip() or not place.strip():
        errors["handled_by"] = "say who handled the sample and where"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        event = SampleCustodyEvent.objects.create(
            sample=sample,
            kind=kind,
            at=at,
            handled_by=handled_by,
            place=place,
            seal_number=seal_number,
            recorded_by_id=actor.user_id,
        )
        sample.status = kind
        if kind == "received":
            sample.received_at = at
        sample.save(update_fields=["status", "received_at"])
        audit_record(actor=actor, action=SAMPLES, object_type="dna_sample", object_id=sample.pk)
    return event


def _check_samples(lab: Agency, profiles, panel: str) -> tuple[dict[str, DnaSample], list[RowProblem]]:
    samples = {
        s.code: s for s in DnaSample.objects.filter(lab=lab, code__in=[p.profile_id for p in profiles])
    }
    problems = []
    for prof in profiles:
        sample = samples.get(prof.profile_id)
        if sample is None:
            problems.append(RowProblem(0, prof.profile_id, "", "no sample of this laboratory has this code"))
            continue
        expected = "child" if sample.donor_child_id else "reference"
        if prof.role != expected:
            problems.append(
                RowProblem(
                    0,
                    prof.profile_id,
                    "",
                    f"role {prof.role!r}: this sample's donor is "
                    f"a {sample.donor_kind}, so the role is {expected}",
                )
            )
        if sample.status not in ("received", "typed"):
            problems.append(
                RowProblem(
                    0,
                    prof.profile_id,
                    "",
                    "the sample's receipt at the laboratory is not recorded in its chain of custody",
                )
            )
        if sample.profiles.filter(panel=panel).exists():
            problems.append(RowProblem(0, prof.profile_id, "", f"already typed on panel {panel!r}"))
    return samples, problems


def genotypes_import(*, actor: Actor, filename: str, text: str, panel: str) -> GenotypeImport:
    """Import the lab's genotype CSV (profile_id = sample code). All rows or none: a file with any problem is
    refused whole, and the import record lists every row's problem (profile, locus, what is wrong)."""
    lab = require_agency(actor, SAMPLES, "genotype_import")
    if not panel.strip():
        raise ValidationError({"panel": "name the typing kit or panel (e.g. CODIS 20)"})
    profiles, problems = check_genotype_csv(text)
    samples: dict[str, DnaSample] = {}
    if not problems:
        samples, problems = _check_samples(lab, profiles, panel)
    rows = max(len(text.splitlines()) - 1, 0)
    with transaction.atomic():
        record = GenotypeImport.objects.create(
            lab=lab,
            filename=filename[:300],
            panel=panel,
            rows=rows,
            imported_by_id=actor.user_id,
            status=GenotypeImport.Status.REFUSED if problems else GenotypeImport.Status.IMPORTED,
            profiles=0 if problems else len(profiles),
            errors=[p.as_dict() for p in problems],
        )
        now = timezone.now()
        for prof in [] if problems else profiles:
            sample = samples[prof.profile_id]
            DnaProfile.objects.create(
                sample=sample,
                panel=panel,
                genotypes={k: list(v) for k, v in prof.genotypes.items()},
                loci_count=len(prof.genotypes),
                genotype_import=record,
            )
            SampleCustodyEvent.objects.create(
                sample=sample,
                kind="typed",
                at=now,
                handled_by=actor.username,
                place=lab.name,
                recorded_by_id=actor.user_id,
            )
            sample.status = DnaSample.Status.TYPED
            sample.save(update_fields=["status"])
        audit_record(actor=actor, action=SAMPLES, object_type="genotype_import", object_id=record.pk)
    return record


# --- search and proposals -----------------------------------------------------------------------------------


def match_search_request(*, actor: Actor, sample: DnaSample) -> SearchRun:
    """Queue a search from one typed sample (a child's against every searching family's references, or a family
    member's family against every rescued child), to run in the background (`tasks.match_search_execute`).

    The run is recorded at once with state `queued`; the task is enqueued in the same transaction (the database
    task queue), so a run is never queued without its task nor a task without its run."""
    from kinward.apps.reunification.tasks import match_search_execute

    require(actor, SAMPLES, sample, object_type="dna_sample", object_id=sample.pk)
    if not sample.profiles.exists():
        raise ValidationError({"sample": "the sample has no genotypes yet: import its typing first"})
    if sample.donor_child_id:
        run_fields = {"direction": SearchRun.Direction.CHILD, "child_id": sample.donor_child_id}
    else:
        run_fields = {
            "direction": SearchRun.Direction.FAMILY,
            "tracing_request_id": sample.donor_member.tracing_request_id,
        }
    with transaction.atomic():
        run = SearchRun.objects.create(
            lab_id=sample.lab_id,
            sample=sample,
            state=SearchRun.State.QUEUED,
            run_by_id=actor.user_id,
            **run_fields,
        )
        audit_record(actor=actor, action=SAMPLES, object_type="search_run", object_id=run.pk)
        match_search_execute.enqueue(run.pk)
    return run


def match_search_execute(*, search_run_id: int) -> SearchRun:
    """Run a queued search (called by the background task): the engine's national search, then one proposal per
    pairing above the LR threshold; "no candidate above the threshold" is a normal outcome. A run already done
    is left alone (a task run twice changes nothing); a failure is recorded on the run with its reason."""
    with transaction.atomic():
        run = SearchRun.objects.select_for_update().get(pk=search_run_id)
        if run.state != SearchRun.State.QUEUED:
            return run
        run.state = SearchRun.State.RUNNING
        run.save(update_fields=["state"])
    sample = DnaSample.objects.select_related("lab", "donor_member").get(pk=run.sample_id)
    try:
        if sample.donor_child_id:
            outcome = matching.search_child(sample, matching.engine_profile(sample), sample.lab.country)
        else:
            outcome = matching.search_family(sample.donor_member.tracing_request_id, sample.lab.country)
    except Exception as exc:  # noqa: BLE001 - any engine failure is recorded on the run, then re-raised
        SearchRun.objects.filter(pk=run.pk).update(
            state=SearchRun.State.FAILED, error=f"{type(exc).__name__}: {exc}", finished_at=timezone.now()
        )
        raise
    st = matching.search_settings()
    with transaction.atomic():
        run.status, run.compared, run.labs_searched = outcome.status, outcome.compared, outcome.labs
        run.notes = [n for n in outcome.notes if n]
        run.settings = {"threshold": st.threshold, "min_loci": st.min_loci, "mutation": "stepwise",
                        "theta": st.theta, "scope": f"national ({sample.lab.country})"}  # fmt: skip
        run.proposals_created = sum(_proposal_create(run, hit) is not None for hit in outcome.hits)
        run.state, run.finished_at = SearchRun.State.DONE, timezone.now()
        run.save()
        audit_record(
            actor=Actor(username="system:kinship-search"),
            action=SAMPLES,
            object_type="search_run",
            object_id=run.pk,
        )
    return run


def match_search_run(*, actor: Actor, sample: DnaSample) -> SearchRun:
    """Queue a search and run it at once in this process (the demo and batch scripts; pages and the API only
    queue, see `match_search_request`)."""
    run = match_search_request(actor=actor, sample=sample)
    return match_search_execute(search_run_id=run.pk)


def _proposal_create(run: SearchRun, hit: matching.FamilyHit) -> MatchProposal | None:
    child_id = hit.child_sample.donor_child_id
    open_already = (
        MatchProposal.objects.filter(child_id=child_id, tracing_request_id=hit.tracing_request_id)
        .exclude(status=MatchProposal.Status.NOT_CONFIRMED)
        .exists()
    )
    if open_already:
        return None
    best = hit.best
    proposal = MatchProposal.objects.create(
        lab_id=run.lab_id,
        child_id=child_id,
        tracing_request_id=hit.tracing_request_id,
        search_run=run,
        child_sample=hit.child_sample,
        members_label=best.members or hit.rows[0]["candidate"],
        relationship=best.relationship,
        lr=min(best.lr, 1e300),
        stated_lr=min(hit.stated_lr, 1e300),
        posterior=best.posterior,
        loci_compared=best.loci_compared,
        inconsistent_loci=best.inconsistent_loci,
        class_lrs={k: min(v, 1e300) for k, v in best.class_lrs.items()},
        candidates=[
            {
                **r,
                "lr": min(r["lr"], 1e300),
                "class_lrs": {k: min(v, 1e300) for k, v in r["class_lrs"].items()},
            }
            for r in hit.rows
        ],
    )
    proposal.member_samples.set(hit.member_samples)
    TracingRequest.objects.filter(pk=hit.tracing_request_id, status=TracingRequest.Status.OPEN).update(
        status=TracingRequest.Status.MATCHED
    )
    audit_record(
        actor=Actor(username="system:kinship-search"),
        action="reunification.match.create",
        object_type="match",
        object_id=proposal.pk,
    )
    return proposal
