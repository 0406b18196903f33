"""Services and outcomes, closure with a supervisor's approval, the timeline, the HTCDS export and the demo."""

import csv
import io
from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import selectors, services
from kinward.apps.cases.export import HEADERS
from kinward.apps.cases.models import Case, ClosureRequest, Referral
from tests.apps.cases import helpers as ch
from tests.conftest import actor_of

TODAY = timezone.localdate


def test_an_outcome_entry_needs_a_coded_outcome(world):
    case = ch.case(world)
    worker = actor_of(world.people["caseworker"])
    with pytest.raises(ValidationError) as refused:
        services.service_record_add(
            actor=worker, case=case, entry="outcome", occurred_on=TODAY(), service="psychosocial"
        )
    assert "outcome" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.service_record_add(
            actor=worker, case=case, entry="delivery", occurred_on=TODAY(), service="deportation"
        )


def test_services_are_recorded_on_a_referral_only_once_it_is_accepted(world):
    referral = ch.referral(world)
    other = actor_of(world.people["caseworker_other_agency"])
    with pytest.raises(ValidationError):
        services.service_record_add(
            actor=other, case=referral.case, referral=referral, entry="delivery", occurred_on=TODAY()
        )
    services.referral_respond(actor=other, referral=referral, decision="accept")
    record = services.service_record_add(
        actor=other,
        case=referral.case,
        referral=referral,
        entry="delivery",
        occurred_on=TODAY(),
        description="Admitted",
    )
    assert (record.service, record.agency) == ("emergency_shelter", world.other_child_protection)


def test_outcomes_are_aggregated_per_service_type(world, as_person):
    worker = actor_of(world.people["caseworker"])
    for outcome in ("improved", "goal_met", "worsened"):
        services.service_record_add(
            actor=worker,
            case=ch.case(world),
            entry="outcome",
            occurred_on=TODAY(),
            service="psychosocial",
            outcome=outcome,
        )
    services.service_record_add(
        actor=worker,
        case=ch.case(world),
        entry="outcome",
        occurred_on=TODAY(),
        service="education",
        outcome="no_change",
    )
    rows = {r.service: r for r in selectors.service_outcomes(actor=worker)}
    assert (rows["psychosocial"].outcomes, rows["psychosocial"].positive) == (3, 2)
    assert rows["education"].positive_share == 0
    assert selectors.service_outcomes(actor=actor_of(world.people["caseworker_other_agency"])) == []
    api = as_person("caseworker").get("/api/v1/cases/outcomes").json()
    assert {r["service"]: r["outcomes"] for r in api} == {"education": 1, "psychosocial": 3}
    assert "Psychosocial support" in as_person("caseworker").get("/cases/outcomes/").content.decode()


def test_closing_needs_a_supervisor_who_did_not_ask(world, as_person):
    case = ch.case(world)
    worker = actor_of(world.people["caseworker"])
    referral = ch.referral(world, of_case=case)
    with pytest.raises(ValidationError, match="referrals are still open"):
        services.closure_request(actor=worker, case=case, reason="done")
    services.referral_revoke(actor=worker, referral=referral, reason="not needed")
    closure = services.closure_request(actor=worker, case=case, reason="Safe at home, school started.")
    assert Case.objects.get(pk=case.pk).status == "closure_requested"
    with pytest.raises(AccessDenied):
        services.closure_decide(actor=worker, closure=closure, approve=True)
    supervisor = as_person("case_supervisor")
    returned = supervisor.post(
        f"/api/v1/cases/{case.pk}/closure/decision", {"decision": "return"}, content_type="application/json"
    )
    assert returned.status_code == 422 and returned.json()["errors"][0]["field"] == "note"
    supervisor.post(f"/cases/{case.pk}/act/closure_decision/", {"closure_decision-decision": "approve"})
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_at is not None
    assert ClosureRequest.objects.get().decided_by == world.people["case_supervisor"]
    assert AuditEntry.objects.filter(action="cases.case.close_approve", object_id=str(case.pk)).exists()


def test_a_supervisor_cannot_approve_a_closure_they_asked_for(world):
    case = ch.case(world)
    supervisor = actor_of(world.people["case_supervisor"])
    closure = services.closure_request(actor=supervisor, case=case, reason="done")
    with pytest.raises(ValidationError, match="another supervisor"):
        services.closure_decide(actor=supervisor, closure=closure, approve=True)


def test_a_returned_closure_reopens_the_case(world):
    case = ch.case(world, closing=True)
    services.closure_decide(
        actor=actor_of(world.people["case_supervisor"]),
        closure=case.closure_requests.get(),
        approve=False,
        note="Follow up the school enrolment first.",
    )
    case.refresh_from_db()
    assert case.status == "active"


def test_the_timeline_holds_every_kind_of_event_in_time_order(world, as_person):
    case = ch.case(world)
    worker = actor_of(world.people["caseworker"])
    services.screening_record(
        actor=worker, case=case, instrument="child_indicators", version=1, answers={"fearful": True}
    )
    services.status_decide(
        actor=actor_of(world.people["case_supervisor"]),
        case=case,
        status="possible",
        authority="Task force",
        decided_on=TODAY(),
        reasons="indicators",
    )
    services.consent_record(actor=worker, case=case, purpose="reporting", decision="given", given_by="child")
    referral = ch.referral(world, of_case=case)
    services.referral_respond(
        actor=actor_of(world.people["caseworker_other_agency"]), referral=referral, decision="accept"
    )
    services.service_record_add(
        actor=worker, case=case, entry="follow_up", occurred_on=TODAY(), service="psychosocial"
    )
    view = selectors.case_view(actor=worker, case_id=case.pk)
    kinds = [e.kind for e in selectors.case_timeline(view)]
    assert kinds == ["opened", "screening", "status", "consent", "referral", "referral", "service"]
    at = [e.at for e in selectors.case_timeline(view)]
    assert at == sorted(at)
    page = as_person("caseworker").get(f"/cases/{case.pk}/").content.decode()
    assert "Trafficking status: Possible victim" in page and "Consent to reporting" in page


def test_the_export_has_htcds_columns_is_audited_and_only_for_the_agency(world, as_person):
    mine = ch.case(world, given_name="Melati", family_name="=1+2", exploitation_type="illegal_adoption")
    services.perpetrator_add(
        actor=actor_of(world.people["caseworker"]), case=mine, role="broker", details="fee"
    )
    other = actor_of(world.people["caseworker_other_agency"])
    services.case_open(actor=other, given_name="Elsewhere", sex="male", age_estimate_years=5)
    assert as_person("caseworker").get("/cases/export.csv").status_code == 403
    answer = as_person("case_supervisor").get("/cases/export.csv")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert tuple(rows[0]) == HEADERS
    assert {
        "prs_FirstName",
        "prs_Gender",
        "vic_TypeOfExploitation",
        "per_RoleInProcess",
        "hte_Type",
        "cas_Status",
        "cas_ReferredOrganisation",
    } <= set(HEADERS)
    assert [r["prs_FirstName"] for r in rows] == ["Melati"]
    assert rows[0]["prs_Gender"] == "Female" and rows[0]["per_RoleInProcess"] == "BrokerTravelAgent"
    assert rows[0]["prs_SecondName"] == "'=1+2"  # no spreadsheet formula smuggled through the export
    assert AuditEntry.objects.filter(action="cases.case.export", outcome="allowed").count() == 1
    assert AuditEntry.objects.filter(action="cases.case.export", outcome="denied").count() == 1


def test_the_demo_seed_fills_every_page_and_running_it_twice_changes_nothing(world, as_person):
    from kinward.apps.accounts.models import User
    from kinward.apps.cases.demo import NGO_USER, demo_seed
    from tests import factories as f

    ngo = f.agency("ngo", world.west_district, "Yayasan Demo")
    f.agency("public_hospital", world.west_district, "Demo Hospital")
    out = StringIO()
    demo_seed(stdout=out)
    counts = (Case.objects.count(), Referral.objects.count())
    demo_seed(stdout=out)
    assert (Case.objects.count(), Referral.objects.count()) == counts == (4, 3)
    assert set(Referral.objects.values_list("status", flat=True)) == {"accepted", "requested", "completed"}
    pending = Referral.objects.get(status="requested")
    assert pending.due_at - timezone.now() < timedelta(hours=4)
    assert ClosureRequest.objects.filter(status="pending").count() == 1
    ngo_worker = User.objects.get(username=NGO_USER)
    assert ngo_worker.agency == ngo
    supervisor_page = as_person("case_supervisor").get("/cases/deadlines/").content.decode()
    assert "Closures waiting for approval" in supervisor_page
    from tests.conftest import signed_in_client

    ngo_client = signed_in_client(ngo_worker)
    assert "psychosocial" in ngo_client.get("/cases/deadlines/").content.decode()
    for path in ("/cases/?all=1", "/cases/referrals/", "/cases/outcomes/", "/cases/services/"):
        assert as_person("caseworker").get(path).status_code == 200
    melati = Case.objects.get(given_name="Melati")
    assert melati.screenings.get().level == "high" and melati.trafficking_status == "possible"
    assert ngo_client.get(f"/cases/{melati.pk}/").status_code == 200
    assert ngo_client.get(f"/cases/{Case.objects.get(given_name='Kenanga').pk}/").status_code == 403
