"""The bridge to the kinship engine: stored DNA profiles as engine `Profile`s, the database search of a child
against the searching families (and the reverse), and the confirmation LR of a proposal. Reads only: the
services write what these compute.

Engine profile ids are `S<sample id>`; a searching family is `family_id = T<tracing request id>`, and each
member's relation to the missing child places it in the family pedigree (kinship engine, `families`).

The search is national: it reads the typed samples of every laboratory of the searching laboratory's country
(`search_scope`). The genotypes never leave this module and the engine: a laboratory sees its own samples' typing
only, and a match shows "rescued child no. N" / "family member no. M" to the laboratory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings

from kinward.apps.reunification.models import DnaProfile, DnaSample, FamilyMember, TracingRequest
from kinward.engines.kinship import (
    KinshipSearch,
    Profile,
    SearchSettings,
    apply_minimum_frequency,
    load_frequencies,
)
from kinward.engines.kinship.search import Candidate, QueryResult

SEARCHABLE_RELATIONS = ("father", "mother", "parent", "full_sibling")
STATED_CLASS = {"father": "parent", "mother": "parent", "parent": "parent", "full_sibling": "full_sibling"}


@lru_cache(maxsize=4)
def _frequencies(path: str):
    return apply_minimum_frequency(load_frequencies(path))


def frequency_table():
    """The population allele frequencies (setting `KINWARD_DNA_FREQUENCIES`; default: NIST 1036 pooled, shipped
    with the synth engine), with the NRC II 5/2N minimum allele frequency applied."""
    from kinward.engines.synth.dna import FREQUENCIES_FILE

    return _frequencies(str(getattr(settings, "KINWARD_DNA_FREQUENCIES", FREQUENCIES_FILE)))


def lr_threshold() -> float:
    return float(getattr(settings, "KINWARD_DNA_LR_THRESHOLD", 10_000))


def search_settings(**overrides) -> SearchSettings:
    """The engine's defaults (stepwise mutation, theta 0), with the threshold and minimum loci of the settings."""
    base = {
        "threshold": lr_threshold(),
        "min_loci": int(getattr(settings, "KINWARD_DNA_MIN_LOCI", 15)),
        "top": 10,
    }
    return SearchSettings(**{**base, **overrides})


def best_profile(sample: DnaSample) -> DnaProfile | None:
    """The sample's profile typed at the most loci (an extended panel wins over the first typing)."""
    return sample.profiles.order_by("-loci_count", "-id").first()


def engine_profile(sample: DnaSample, profile: DnaProfile | None = None) -> Profile | None:
    """The sample as an engine profile: role `child` for a rescued child, `reference` with its family otherwise."""
    profile = profile or best_profile(sample)
    if profile is None:
        return None
    genotypes = {locus: (pair[0], pair[1]) for locus, pair in profile.genotypes.items()}
    if sample.donor_child_id:
        return Profile(f"S{sample.pk}", "child", genotypes)
    member: FamilyMember = sample.donor_member
    if member.relation not in SEARCHABLE_RELATIONS:
        return None
    return Profile(
        f"S{sample.pk}",
        "reference",
        genotypes,
        family_id=f"T{member.tracing_request_id}",
        relation=member.relation,
        sex=member.sex,
    )


def typed_samples(country: str, *, children: bool) -> list[tuple[DnaSample, Profile]]:
    """The typed samples the national search may use, as engine profiles: rescued children's samples (or family
    members' samples) held by any laboratory of `country`. A family member's sample is used only with that
    member's DNA consent and while the tracing request is not closed."""
    samples = (
        DnaSample.objects.filter(lab__country=country, profiles__isnull=False)
        .distinct()
        .select_related("donor_member")
    )
    if children:
        samples = samples.filter(donor_child__isnull=False)
    else:
        samples = samples.filter(donor_member__isnull=False, donor_member__dna_consent=True).exclude(
            donor_member__tracing_request__status=TracingRequest.Status.CLOSED
        )
    out = []
    for sample in samples.order_by("id"):
        prof = engine_profile(sample)
        if prof is not None:
            out.append((sample, prof))
    return out


def run_search(
    queries: list[Profile], database: list[Profile], st: SearchSettings
) -> tuple[list[QueryResult], list[str]]:
    """Run the engine's search; its notes (families not combined, loci needing a mutation...) are kept."""
    search = KinshipSearch.from_profiles(queries, database, frequency_table(), st)
    return search.run(), list(search.notes)


@dataclass
class FamilyHit:
    """The strongest candidate of one pairing (a child and one searching family) and every row behind it."""

    child_sample: DnaSample
    tracing_request_id: int
    member_samples: list[DnaSample]
    best: Candidate
    stated_lr: float
    rows: list[dict] = field(default_factory=list)


def candidate_row(c: Candidate, label: str) -> dict:
    return {
        "candidate": label,
        "relationship": c.relationship,
        "lr": c.lr,
        "posterior": c.posterior,
        "loci_compared": c.loci_compared,
        "inconsistent_loci": c.inconsistent_loci,
        "members": c.members,
        "class_lrs": c.class_lrs,
    }


def stated_lr(c: Candidate, member: FamilyMember | None) -> float:
    """The LR for the relation the family states (a father is tested as a parent), or the family LR."""
    if member is None or not c.class_lrs:
        return c.lr
    return c.class_lrs.get(STATED_CLASS.get(member.relation, c.relationship), c.lr)


def _choose(hit: FamilyHit | None, cand: Candidate, stated: float) -> bool:
    if hit is None:
        return True
    if cand.relationship == "family" and hit.best.relationship != "family":
        return True
    return hit.best.relationship != "family" and stated > hit.stated_lr


@dataclass
class SearchOutcome:
    status: str
    compared: int
    notes: list[str]
    hits: list[FamilyHit]
    labs: int = 0


def _labs(pairs: list[tuple[DnaSample, Profile]]) -> int:
    return len({s.lab_id for s, _p in pairs})


def _add(
    hits: dict,
    key,
    child: DnaSample,
    tr_id: int,
    members: list[DnaSample],
    cand: Candidate,
    member: FamilyMember | None,
    label: str,
) -> None:
    stated = stated_lr(cand, member)
    hit = hits.get(key)
    row = candidate_row(cand, label)
    if _choose(hit, cand, stated):
        rows = hit.rows if hit else []
        hits[key] = hit = FamilyHit(child, tr_id, members, cand, stated, rows)
    hit.rows.append(row)


def search_child(child_sample: DnaSample, child_profile: Profile, country: str) -> SearchOutcome:
    """One child against every searching family's reference profiles typed in the country (forward search)."""
    refs = typed_samples(country, children=False)
    if not refs:
        return SearchOutcome(
            "no_candidate_above_threshold", 0, ["no family reference profile is typed yet"], []
        )
    (result,), notes = run_search([child_profile], [p for _s, p in refs], search_settings())
    by_id = {p.profile_id: s for s, p in refs}
    by_family: dict[str, list[DnaSample]] = {}
    for s, p in refs:
        by_family.setdefault(p.family_id, []).append(s)
    hits: dict = {}
    for cand in result.candidates:
        if cand.relationship == "family":
            tr_id = int(cand.candidate_id[1:])
            _add(hits, tr_id, child_sample, tr_id, by_family[cand.candidate_id], cand, None, "family")
        else:
            sample = by_id[cand.candidate_id]
            tr_id = sample.donor_member.tracing_request_id
            _add(
                hits,
                tr_id,
                child_sample,
                tr_id,
                [sample],
                cand,
                sample.donor_member,
                sample.donor_member.relation,
            )
    return SearchOutcome(
        result.status, result.compared, [*notes, result.message], list(hits.values()), _labs(refs)
    )


def search_family(tracing_request_id: int, country: str) -> SearchOutcome:
    """One searching family (each member, and the members together) against every typed rescued child."""
    members = [
        (s, p) for s, p in typed_samples(country, children=False) if p.family_id == f"T{tracing_request_id}"
    ]
    children = typed_samples(country, children=True)
    if not members or not children:
        note = "no typed reference profile of this family" if not members else "no rescued child is typed yet"
        return SearchOutcome("no_candidate_above_threshold", 0, [note], [])
    results, search_notes = run_search(
        [p for _s, p in members], [p for _s, p in children], search_settings(reverse=True)
    )
    child_by_id = {p.profile_id: s for s, p in children}
    member_by_id = {p.profile_id: s for s, p in members}
    hits: dict = {}
    for result in results:
        is_family = result.query_id.startswith("family:")
        for cand in result.candidates:
            child = child_by_id[cand.candidate_id]
            if is_family:
                _add(
                    hits, child.pk, child, tracing_request_id, [s for s, _p in members], cand, None, "family"
                )
            else:
                sample = member_by_id[result.query_id]
                _add(
                    hits,
                    child.pk,
                    child,
                    tracing_request_id,
                    [sample],
                    cand,
                    sample.donor_member,
                    sample.donor_member.relation,
                )
    statuses = {r.status for r in results}
    status = (
        "ok" if hits else ("too_few_loci" if statuses == {"too_few_loci"} else "no_candidate_above_threshold")
    )
    notes = [*search_notes, *(f"{r.query_id}: {r.message}" for r in results if r.message)]
    compared = max((r.compared for r in results), default=0)
    return SearchOutcome(status, compared, notes, list(hits.values()), _labs(children))


@dataclass(frozen=True)
class Confirmation:
    lr: float
    loci_compared: int
    inconsistent_loci: int
    panels: str


def confirm(
    child_sample: DnaSample, member_samples: list[DnaSample], relationship: str
) -> Confirmation | None:
    """Recompute the proposal's LR on each sample's largest typing (the extended panel, once imported).

    A family proposal is scored with the members together; a single relative with the LR for the stated
    relation. None when a sample has no profile.
    """
    child_prof = best_profile(child_sample)
    child = engine_profile(child_sample, child_prof)
    refs = [(s, best_profile(s)) for s in member_samples]
    if child is None or any(p is None for _s, p in refs):
        return None
    profiles = [engine_profile(s, p) for s, p in refs]
    profiles = [p for p in profiles if p is not None]
    (result,), _notes = run_search([child], profiles, search_settings(threshold=0.0, min_loci=1, top=50))
    panels = ", ".join(sorted({child_prof.panel, *(p.panel for _s, p in refs)}))
    for cand in result.candidates:
        if relationship == "family" and cand.relationship == "family":
            return Confirmation(cand.lr, cand.loci_compared, cand.inconsistent_loci, panels)
        if relationship != "family" and cand.relationship != "family":
            member = member_samples[0].donor_member
            return Confirmation(stated_lr(cand, member), cand.loci_compared, cand.inconsistent_loci, panels)
    return Confirmation(0.0, 0, 0, panels)
