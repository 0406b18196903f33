"""The case's record of the child: a caseworker corrects the child's identity (a case opened from a lead starts as
"Unknown"), and a case supervisor gives the case to another caseworker of the same agency. Each change keeps its
reason and author, shows on the timeline and is audited; nothing changes without a reason, nothing unchanged is
recorded as changed, and a case never leaves its agency this way. Services, pages and the API."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import selectors, services
from kinward.apps.cases.models import Case, CaseRecordChange
from tests import factories as f
from tests.apps.cases import helpers as ch
from tests.conftest import actor_of


def unknown_child(world) -> Case:
    return ch.case(world, given_name="Unknown", sex="unknown", age_estimate_years=None)


def test_a_caseworker_corrects_the_childs_identity_and_the_fields_and_reason_are_kept(world):
    case = unknown_child(world)
    worker = actor_of(world.people["caseworker"])
    services.case_child_correct(
        actor=worker,
        case=case,
        reason="met the child at the shelter; her aunt confirmed her name",
        changes={"given_name": " Ayu ", "sex": "female", "birth_date": date(2026, 3, 1), "nationality": "id"},
    )
    case.refresh_from_db()
    assert (case.given_name, case.sex, case.birth_date, case.nationality) == ("Ayu", "female", date(2026, 3, 1), "ID")
    change = CaseRecordChange.objects.get(case=case)
    assert change.kind == "identity" and change.fields == ["given_name", "sex", "birth_date", "nationality"]
    assert change.reason.startswith("met the child") and change.changed_by == world.people["caseworker"]
    assert AuditEntry.objects.filter(action="cases.case.child_correct", object_id=str(case.pk)).count() == 1
    timeline = selectors.case_timeline(selectors.case_view(actor=worker, case_id=case.pk))
    corrected = [e for e in timeline if e.kind == "identity"]
    assert len(corrected) == 1 and "given_name, sex, birth_date, nationality" in corrected[0].title


def test_a_correction_without_reason_changing_nothing_or_with_bad_values_is_refused_and_writes_nothing(world):
    case = unknown_child(world)
    worker = actor_of(world.people["caseworker"])
    refusals = [
        ({"given_name": "Ayu"}, "", "reason"),
        ({"given_name": "Unknown"}, "same", "__all__"),
        ({"birth_date": date(2999, 1, 1)}, "typo", "birth_date"),
        ({"nationality": "Indonesia"}, "typo", "nationality"),
        ({"newborn_id": "NOT-AN-ID"}, "typo", "newborn_id"),
        ({"exploitation_type": "labour"}, "wrong form", "exploitation_type"),
    ]
    for changes, reason, field in refusals:
        with pytest.raises(ValidationError) as refused:
            services.case_child_correct(actor=worker, case=case, reason=reason, changes=changes)
        assert field in refused.value.message_dict, (changes, refused.value.message_dict)
    case.refresh_from_db()
    assert case.given_name == "Unknown" and case.birth_date is None
    assert not CaseRecordChange.objects.exists()
    assert not AuditEntry.objects.filter(action="cases.case.child_correct").exists()


def test_a_caseworker_of_another_agency_cannot_correct_the_child(world):
    case = unknown_child(world)
    with pytest.raises(AccessDenied):
        services.case_child_correct(
            actor=actor_of(world.people["caseworker_other_agency"]),
            case=case,
            reason="x",
            changes={"given_name": "Ayu"},
        )
    case.refresh_from_db()
    assert case.given_name == "Unknown"


def test_a_supervisor_gives_the_case_to_another_caseworker_of_the_agency(world):
    case = unknown_child(world)
    second = f.person(world.child_protection, ["caseworker"], username="caseworker_two")
    supervisor = actor_of(world.people["case_supervisor"])
    services.case_caseworker_reassign(actor=supervisor, case=case, caseworker=second, reason="Sari is on leave")
    case.refresh_from_db()
    assert case.caseworker == second
    change = CaseRecordChange.objects.get(case=case, kind="caseworker")
    assert (change.from_caseworker, change.to_caseworker) == (world.people["caseworker"], second)
    assert AuditEntry.objects.filter(action="cases.case.reassign", object_id=str(case.pk)).count() == 1
    timeline = selectors.case_timeline(selectors.case_view(actor=supervisor, case_id=case.pk))
    assert any("from caseworker to caseworker_two" in e.title for e in timeline)


def test_reassignment_needs_a_supervisor_a_reason_and_a_caseworker_of_the_same_agency(world):
    case = unknown_child(world)
    second = f.person(world.child_protection, ["caseworker"], username="caseworker_two")
    with pytest.raises(AccessDenied):
        services.case_caseworker_reassign(
            actor=actor_of(world.people["caseworker"]), case=case, caseworker=second, reason="swap"
        )
    supervisor = actor_of(world.people["case_supervisor"])
    refusals = [
        (world.people["caseworker_other_agency"], "moving", "not an active caseworker"),
        (world.people["clerk"], "moving", "not an active caseworker"),
        (world.people["caseworker"], "same", "already the primary caseworker"),
        (second, "  ", "say why"),
    ]
    for user, reason, words in refusals:
        with pytest.raises(ValidationError) as refused:
            services.case_caseworker_reassign(actor=supervisor, case=case, caseworker=user, reason=reason)
        assert words in str(refused.value), refused.value
    case.refresh_from_db()
    assert case.caseworker == world.people["caseworker"] and not CaseRecordChange.objects.exists()


def test_the_case_page_corrects_the_child_and_only_a_supervisor_sees_the_reassign_form(world, as_person):
    case = unknown_child(world)
    f.person(world.child_protection, ["caseworker"], username="caseworker_two")
    worker = as_person("caseworker")
    page = worker.get(f"/cases/{case.pk}/").content.decode()
    assert f'action="/cases/{case.pk}/act/child/"' in page and 'id="act-reassign"' not in page
    refused = worker.post(f"/cases/{case.pk}/act/reassign/", {"reassign-reason": "leave"})
    assert refused.status_code == 403
    answer = worker.post(
        f"/cases/{case.pk}/act/child/",
        {"child-given_name": "Ayu", "child-sex": "female", "child-reason": ""},
    )
    assert answer.status_code == 400 and "This field is required" in answer.content.decode()
    answer = worker.post(
        f"/cases/{case.pk}/act/child/",
        {"child-given_name": "Ayu", "child-sex": "female", "child-reason": "her aunt told us"},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    assert case.given_name == "Ayu" and case.sex == "female"
    supervisor_page = as_person("case_supervisor").get(f"/cases/{case.pk}/").content.decode()
    assert 'id="act-reassign"' in supervisor_page and "caseworker_two" in supervisor_page
    assert "The child&#x27;s record corrected (given_name, sex)" in supervisor_page


def test_the_api_corrects_only_the_fields_sent_and_reassigns(world, as_person):
    case = unknown_child(world)
    second = f.person(world.child_protection, ["caseworker"], username="caseworker_two")
    answer = as_person("caseworker").patch(
        f"/api/v1/cases/{case.pk}/child",
        {"given_name": "Ayu", "reason": "her aunt told us"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["corrected"] == ["given_name"] and answer.json()["sex"] == "unknown"
    bad = as_person("caseworker").patch(
        f"/api/v1/cases/{case.pk}/child", {"nationality": "Indonesia", "reason": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "nationality"
    refused = as_person("caseworker").post(
        f"/api/v1/cases/{case.pk}/caseworker",
        {"caseworker_id": second.pk, "reason": "leave"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    moved = as_person("case_supervisor").post(
        f"/api/v1/cases/{case.pk}/caseworker",
        {"caseworker_id": second.pk, "reason": "leave"},
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["caseworker_id"] == second.pk
