"""API: tracing requests and rescued children (caseworkers), DNA samples, custody, genotype imports and searches
(laboratory), match proposals and their path (lab review, safeguarding, decision, visits, completion)."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kinward.apps.core.api_support import Pagination, StrictSchema, request_actor
from kinward.apps.reunification import selectors, services
from kinward.apps.reunification.models import GenotypeImport

router = Router(tags=["reunification"])

SexIn = Literal["F", "M", ""]
RelationIn = Literal["father", "mother", "parent", "full_sibling", "other"]


class ChildIn(StrictSchema):
    found_on: date
    name_known: str = ""
    sex: SexIn = ""
    birth_date_estimated: date | None = None
    found_place: str = ""
    current_carer: str = ""
    case_reference: str = ""


class ChildOut(Schema):
    id: int
    agency_id: int
    case_reference: str
    case_id: int | None
    name_known: str
    sex: str
    birth_date_estimated: date | None
    found_on: date
    found_place: str
    current_carer: str


class MemberIn(StrictSchema):
    given_name: str
    family_name: str = ""
    sex: SexIn = ""
    birth_date: date | None = None
    relation: RelationIn
    phone: str = ""
    address: str = ""
    person_ref: str = ""
    dna_consent: bool = False
    dna_consent_on: date | None = None


class MemberOut(Schema):
    id: int
    is_searcher: bool
    given_name: str
    family_name: str
    sex: str
    relation: str
    phone: str
    person_ref: str
    dna_consent: bool
    dna_consent_on: date | None


class TracingIn(StrictSchema):
    received_on: date
    tracing_consent: bool
    tracing_consent_on: date | None = None
    searcher: MemberIn
    child_name: str = ""
    child_sex: SexIn = ""
    child_birth_date: date | None = None
    child_marks: str = ""
    lost_on: date | None = None
    lost_place: str = ""
    lost_circumstances: str = ""


class TracingOut(Schema):
    id: int
    agency_id: int
    status: str
    received_on: date
    child_name: str
    child_sex: str
    child_birth_date: date | None
    child_marks: str
    lost_on: date | None
    lost_place: str
    lost_circumstances: str
    tracing_consent_on: date


class TracingDetailOut(TracingOut):
    members: list[MemberOut]

    @staticmethod
    def resolve_members(obj):
        return list(obj.members.all())


class ConsentIn(StrictSchema):
    consent_on: date


class CustodyIn(StrictSchema):
    kind: Literal["sealed", "transferred", "received", "typed"]
    at: datetime
    handled_by: str
    place: str
    seal_number: str = ""


class CustodyOut(Schema):
    kind: str
    at: datetime
    handled_by: str
    place: str
    seal_number: str


class SampleIn(StrictSchema):
    code: str
    kit: str
    collected_at: datetime
    handled_by: str
    place: str
    donor_child_id: int | None = None
    donor_member_id: int | None = None


class SampleOut(Schema):
    id: int
    code: str
    lab_id: int
    donor_kind: str
    donor_child_id: int | None
    donor_member_id: int | None
    kit: str
    collected_at: datetime
    received_at: datetime | None
    status: str
    typed_loci: int

    @staticmethod
    def resolve_typed_loci(obj):
        return selectors.typed_loci(obj)


class PanelOut(Schema):
    panel: str
    loci_count: int
    genotypes: dict[str, list[str]]
    imported_at: datetime


class SampleDetailOut(SampleOut):
    custody_events: list[CustodyOut]
    genotypes: list[PanelOut] | None = None

    @staticmethod
    def resolve_custody_events(obj):
        return list(obj.custody_events.all())


class ImportIn(StrictSchema):
    filename: str = "genotypes.csv"
    panel: str
    csv: str


class ImportOut(Schema):
    id: int
    filename: str
    panel: str
    status: str
    rows: int
    profiles: int
    errors: list[dict]
    imported_at: datetime


class CaseLinkIn(StrictSchema):
    case_id: int | None


class SearchRunOut(Schema):
    id: int
    sample_id: int | None
    state: str
    labs_searched: int
    error: str
    finished_at: datetime | None
    direction: str
    child_id: int | None
    tracing_request_id: int | None
    status: str
    compared: int
    proposals_created: int
    notes: list[str]
    settings: dict
    run_at: datetime


class MatchOut(Schema):
    id: int
    status: str
    child_id: int
    tracing_request_id: int
    lab_id: int
    relationship: str
    members_label: str
    lr: float
    stated_lr: float
    posterior: float
    loci_compared: int
    inconsistent_loci: int
    created_at: datetime


class StepOut(Schema):
    title: str
    done: bool
    lines: list[str]


class MatchDetailOut(MatchOut):
    headline: str
    meaning: str
    notes: list[str]
    steps: list[StepOut]


class LabReviewIn(StrictSchema):
    outcome: Literal["confirmed", "not_confirmed"]
    notes: str = ""


class AssessmentIn(StrictSchema):
    red_flags_checked: bool
    red_flag_alerts: list[int] = []
    red_flag_notes: str = ""
    case_history_notes: str
    reports_notes: str
    concern_sold: bool
    concern_abandoned: bool
    concern_harmed: bool
    child_view_applicable: bool
    child_view: str = ""
    current_carer: str
    carer_view: str = ""
    home_visit_notes: str = ""
    conclusion: Literal["safe", "conditions", "not_safe"]
    conditions: str = ""
    reasons: str


class DecisionIn(StrictSchema):
    outcome: Literal["reunify", "reunify_conditions", "alternative"]
    reasons: str
    plan: str
    planned_for: date | None = None


class VisitIn(StrictSchema):
    visited_on: date
    child_seen: bool
    wellbeing: Literal["good", "concerns", "serious"]
    notes: str = ""


class CompleteIn(StrictSchema):
    notes: str = ""


class StatusFilter(Schema):
    status: str = ""


# --- caseworkers -------------------------------------------------------------------------------------------------


@router.get("/children", response=list[ChildOut], summary="Rescued children of the caller's agency")
@paginate(Pagination)
def child_list(request: HttpRequest):
    return selectors.rescued_children(actor=request_actor(request))


@router.post("/children", response={201: ChildOut}, summary="Record a rescued child who may be searched for")
def child_create(request: HttpRequest, payload: ChildIn):
    return Status(201, services.rescued_child_record(actor=request_actor(request), **payload.dict()))


@router.post(
    "/children/{child_id}/case",
    response=ChildOut,
    summary="Link the child to their child-protection case (one the caller may see); null removes the link",
)
def child_case_link(request: HttpRequest, child_id: int, payload: CaseLinkIn):
    actor = request_actor(request)
    child = selectors.rescued_child_open(actor=actor, child_id=child_id)
    return services.rescued_child_case_link(actor=actor, child=child, case_id=payload.case_id)


@router.get("/tracing-requests", response=list[TracingOut], summary="Searching families' requests (agency)")
@paginate(Pagination)
def tracing_list(request: HttpRequest, filters: Query[StatusFilter]):
    return selectors.tracing_requests(actor=request_actor(request), status=filters.status)


@router.post("/tracing-requests", response={201: TracingDetailOut}, summary="Record a tracing request")
def tracing_create(request: HttpRequest, payload: TracingIn):
    data = payload.dict()
    searcher = data.pop("searcher")
    return Status(
        201, services.tracing_request_create(actor=request_actor(request), searcher=searcher, **data)
    )


@router.get(
    "/tracing-requests/{request_id}", response=TracingDetailOut, summary="One tracing request (audited)"
)
def tracing_detail(request: HttpRequest, request_id: int):
    return selectors.tracing_request_open(actor=request_actor(request), request_id=request_id)


@router.post(
    "/tracing-requests/{request_id}/members",
    response={201: MemberOut},
    summary="Add a relative of the searching family",
)
def member_add(request: HttpRequest, request_id: int, payload: MemberIn):
    actor = request_actor(request)
    tracing = selectors.tracing_request_open(actor=actor, request_id=request_id)
    return Status(201, services.family_member_add(actor=actor, tracing_request=tracing, **payload.dict()))


@router.post(
    "/members/{member_id}/dna-consent", response=MemberOut, summary="Record a relative's DNA consent"
)
def member_consent(request: HttpRequest, member_id: int, payload: ConsentIn):
    actor = request_actor(request)
    member = selectors.family_member_open(actor=actor, member_id=member_id)
    return services.family_member_dna_consent(actor=actor, member=member, consent_on=payload.consent_on)


# --- laboratory --------------------------------------------------------------------------------------------------


@router.get("/samples", response=list[SampleOut], summary="DNA samples of the caller's laboratory")
@paginate(Pagination)
def sample_list(request: HttpRequest, filters: Query[StatusFilter]):
    return selectors.samples(actor=request_actor(request), status=filters.status)


@router.post("/samples", response={201: SampleOut}, summary="Register a sample with its collection event")
def sample_create(request: HttpRequest, payload: SampleIn):
    actor = request_actor(request)
    data = payload.dict()
    child_id, member_id = data.pop("donor_child_id"), data.pop("donor_member_id")
    child = selectors.donor_child_for_lab(actor=actor, child_id=child_id) if child_id else None
    member = selectors.donor_member_for_lab(actor=actor, member_id=member_id) if member_id else None
    return Status(
        201, services.dna_sample_record(actor=actor, donor_child=child, donor_member=member, **data)
    )


@router.get(
    "/samples/{sample_id}",
    response=SampleDetailOut,
    summary="One sample: custody chain; genotypes for the laboratory role only (audited)",
)
def sample_detail(request: HttpRequest, sample_id: int):
    actor = request_actor(request)
    sample = selectors.sample_open(actor=actor, sample_id=sample_id)
    sample.genotypes = selectors.sample_genotypes(actor=actor, sample=sample)
    return sample


@router.post(
    "/samples/{sample_id}/custody", response={201: CustodyOut}, summary="Add a chain-of-custody event"
)
def sample_custody(request: HttpRequest, sample_id: int, payload: CustodyIn):
    actor = request_actor(request)
    sample = selectors.sample_open(actor=actor, sample_id=sample_id)
    return Status(201, services.sample_custody_record(actor=actor, sample=sample, **payload.dict()))


@router.post(
    "/samples/{sample_id}/search",
    response={202: SearchRunOut},
    summary="Queue a national search from this sample (a child against the families, or a family against the "
    "children); poll GET /search-runs/{id} until `state` is done",
)
def sample_search(request: HttpRequest, sample_id: int):
    actor = request_actor(request)
    sample = selectors.sample_open(actor=actor, sample_id=sample_id)
    return Status(202, services.match_search_request(actor=actor, sample=sample))


@router.get("/genotype-imports", response=list[ImportOut], summary="Genotype CSV imports of the laboratory")
@paginate(Pagination)
def import_list(request: HttpRequest):
    return selectors.genotype_imports(actor=request_actor(request))


@router.post(
    "/genotype-imports",
    response={201: ImportOut},
    summary="Import the lab's genotype CSV (profile_id = sample code); refused whole with every row's problem",
)
def import_create(request: HttpRequest, payload: ImportIn):
    record = services.genotypes_import(
        actor=request_actor(request), filename=payload.filename, text=payload.csv, panel=payload.panel
    )
    if record.status == GenotypeImport.Status.REFUSED:
        raise ValidationError(
            {
                f"line {e['line']}": " ".join(
                    x
                    for x in (
                        f"profile {e['profile']}" if e["profile"] else "",
                        f"locus {e['locus']}:" if e["locus"] else "",
                        e["problem"],
                    )
                    if x
                )
                for e in record.errors
            }
        )
    return Status(201, record)


@router.get("/search-runs", response=list[SearchRunOut], summary="Database searches run by the laboratory")
@paginate(Pagination)
def search_run_list(request: HttpRequest):
    return selectors.search_runs(actor=request_actor(request))


@router.get(
    "/search-runs/{run_id}", response=SearchRunOut, summary="One search run: queued, running, done or failed"
)
def search_run_detail(request: HttpRequest, run_id: int):
    return selectors.search_run_open(actor=request_actor(request), run_id=run_id)


# --- matches -----------------------------------------------------------------------------------------------------


@router.get("/matches", response=list[MatchOut], summary="Match proposals the caller's agency is part of")
@paginate(Pagination)
def match_list(request: HttpRequest, filters: Query[StatusFilter]):
    return selectors.match_queue(actor=request_actor(request), status=filters.status)


def _detail(actor, match) -> dict:
    path = selectors.match_path(actor=actor, match=match)
    body = MatchOut.from_orm(match).dict()
    return {
        **body,
        "headline": path.headline,
        "meaning": path.meaning,
        "notes": path.notes,
        "steps": [{"title": s.title, "done": s.done, "lines": s.lines} for s in path.steps],
    }


@router.get(
    "/matches/{match_id}", response=MatchDetailOut, summary="A match and its whole path, in plain words"
)
def match_detail(request: HttpRequest, match_id: int):
    actor = request_actor(request)
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))


@router.post(
    "/matches/{match_id}/lab-review",
    response=MatchDetailOut,
    summary="Laboratory review: confirmed on an extended panel, or not confirmed",
)
def match_lab_review(request: HttpRequest, match_id: int, payload: LabReviewIn):
    actor = request_actor(request)
    match = selectors.match_open(actor=actor, match_id=match_id)
    services.lab_review_record(actor=actor, match=match, outcome=payload.outcome, notes=payload.notes)
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))


@router.post(
    "/matches/{match_id}/safeguarding",
    response=MatchDetailOut,
    summary="Record the safeguarding assessment (caseworker)",
)
def match_safeguarding(request: HttpRequest, match_id: int, payload: AssessmentIn):
    actor = request_actor(request)
    match = selectors.match_open(actor=actor, match_id=match_id)
    services.safeguarding_assess(actor=actor, match=match, **payload.dict())
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))


@router.post(
    "/matches/{match_id}/decision",
    response=MatchDetailOut,
    summary="The supervisor's decision with reasons, and the plan",
)
def match_decision(request: HttpRequest, match_id: int, payload: DecisionIn):
    actor = request_actor(request)
    match = selectors.match_open(actor=actor, match_id=match_id)
    services.reunification_decide(actor=actor, match=match, **payload.dict())
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))


@router.post("/matches/{match_id}/visits", response=MatchDetailOut, summary="Record a follow-up visit")
def match_visit(request: HttpRequest, match_id: int, payload: VisitIn):
    actor = request_actor(request)
    match = selectors.match_open(actor=actor, match_id=match_id)
    services.followup_visit_record(actor=actor, match=match, **payload.dict())
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))


@router.post(
    "/matches/{match_id}/complete",
    response=MatchDetailOut,
    summary="Record that the child went home (needs a safeguarding assessment and a decision to reunify)",
)
def match_complete(request: HttpRequest, match_id: int, payload: CompleteIn):
    actor = request_actor(request)
    match = selectors.match_open(actor=actor, match_id=match_id)
    services.reunification_complete(actor=actor, match=match, notes=payload.notes)
    return _detail(actor, selectors.match_open(actor=actor, match_id=match_id))
