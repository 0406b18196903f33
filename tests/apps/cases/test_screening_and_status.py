"""Screening gives a level of concern with its reasons, never a determination; the status is a separate decision."""

import pytest
import yaml
from django.core.exceptions import ValidationError

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import services
from kinward.apps.cases.catalogue import (
    DATA,
    CatalogueError,
    UnknownInstrument,
    _instrument_from,
    instrument_get,
    instrument_score,
    instruments,
)
from kinward.apps.cases.models import Screening, StatusDecision
from tests.apps.cases import helpers as ch
from tests.conftest import actor_of


def test_every_instrument_file_loads_with_unique_items_and_known_groups():
    found = instruments()
    assert {code for code, _v in found} == {"child_indicators", "infant_adoption", "act_means_purpose"}
    for instrument in found.values():
        assert len(instrument.items) >= 10
        assert all(len(i.text) < 140 for i in instrument.items)  # paraphrases, not copied long text


def test_scores_map_to_low_medium_high_with_the_items_that_raised_them():
    indicators = instrument_get("child_indicators", 1)
    assert instrument_score(indicators, {}).level == "low"
    medium = instrument_score(indicators, {"no_schooling": True, "unsuitable_work": True})
    assert (medium.level, medium.score, medium.raised_items) == (
        "medium",
        3,
        ("no_schooling", "unsuitable_work"),
    )
    high = instrument_score(indicators, {"money_paid_for_child": True})
    assert high.level == "high" and "money_paid_for_child alone" in high.reasons[-1]


def test_for_a_child_act_and_purpose_raise_high_concern_without_means():
    structure = instrument_get("act_means_purpose", 1)
    act_only = instrument_score(structure, {"act_transport": True, "means_deception": True})
    assert act_only.level == "medium"
    act_and_purpose = instrument_score(
        structure, {"act_transfer_sale": True, "purpose_illegal_adoption": True}
    )
    assert act_and_purpose.level == "high"
    assert act_and_purpose.reasons == (
        "weighted score 4 reaches the medium threshold 2",
        "items in every one of act, purpose are ticked",
    )


def test_answers_naming_unknown_items_are_an_error_not_ignored(world):
    case = ch.case(world)
    with pytest.raises(ValidationError) as refused:
        services.screening_record(
            actor=actor_of(world.people["caseworker"]),
            case=case,
            instrument="child_indicators",
            version=1,
            answers={"made_up": True},
        )
    assert "made_up" in refused.value.message_dict["answers"][0]
    assert Screening.objects.count() == 0


def test_an_unknown_instrument_version_is_refused_clearly_and_writes_nothing(world, as_person):
    case = ch.case(world)
    client = as_person("caseworker")
    before = AuditEntry.objects.filter(action="cases.screening.record").count()
    answer = client.post(
        f"/api/v1/cases/{case.pk}/screenings",
        {"instrument": "child_indicators", "version": 9, "answers": {"no_schooling": True}},
        content_type="application/json",
    )
    assert answer.status_code == 422
    error = answer.json()["errors"][0]
    assert (
        error["field"] == "instrument"
        and "version 9" in error["problem"]
        and "child_indicators v1" in error["problem"]
    )
    page = client.post(f"/cases/{case.pk}/screen/child_indicators/9/", {"no_schooling": "on"})
    assert page.status_code == 404 and "Nothing was recorded" in page.content.decode()
    assert client.get("/api/v1/cases/instruments/nope/1").status_code == 422
    assert Screening.objects.count() == 0
    assert AuditEntry.objects.filter(action="cases.screening.record").count() == before


def test_a_malformed_instrument_file_is_refused_naming_the_problem():
    raw = yaml.safe_load((DATA / "instruments" / "child_indicators.v1.yaml").read_text())
    raw["items"][1]["id"] = raw["items"][0]["id"]
    with pytest.raises(CatalogueError, match="not unique"):
        _instrument_from(raw, "broken.yaml")
    with pytest.raises(UnknownInstrument):
        instrument_get("child_indicators", "one")


def test_the_form_renderer_shows_every_item_and_says_it_is_no_determination(world, as_person):
    case = ch.case(world)
    client = as_person("caseworker")
    for (code, version), instrument in instruments().items():
        page = client.get(f"/cases/{case.pk}/screen/{code}/{version}/").content.decode()
        assert all(f'name="{item.id}"' in page for item in instrument.items)
        assert all(label in page for label in instrument.groups.values())
        assert "not a determination" in page


def test_a_screening_through_the_page_records_a_level_and_leaves_the_status_alone(world, as_person):
    case = ch.case(world)
    answer = as_person("caseworker").post(
        f"/cases/{case.pk}/screen/infant_adoption/1/",
        {"mother_paid_or_promised": "on", "private_placement": "on"},
        follow=True,
    )
    text = answer.content.decode()
    assert "Level of concern: high concern" in text and "not a determination" in text
    screening = Screening.objects.get()
    assert screening.raised_items == ["mother_paid_or_promised", "private_placement"]
    case.refresh_from_db()
    assert case.trafficking_status == ""


def test_only_a_competent_authority_role_decides_the_status_with_reasons(world, as_person):
    case = ch.case(world)
    with pytest.raises(AccessDenied):
        services.status_decide(
            actor=actor_of(world.people["caseworker"]),
            case=case,
            status="actual",
            authority="Task force",
            decided_on=case.opened_at.date(),
            reasons="x",
        )
    client = as_person("case_supervisor")
    no_reasons = client.post(
        f"/api/v1/cases/{case.pk}/status-decisions",
        {"status": "actual", "authority": "Task force", "decided_on": "2026-01-10", "reasons": " "},
        content_type="application/json",
    )
    assert no_reasons.status_code == 422 and no_reasons.json()["errors"][0]["field"] == "reasons"
    done = client.post(
        f"/api/v1/cases/{case.pk}/status-decisions",
        {
            "status": "actual",
            "authority": "Provincial anti-trafficking task force",
            "decided_on": "2026-01-10",
            "reasons": "Sale by clinic staff established.",
        },
        content_type="application/json",
    )
    assert done.status_code == 201
    case.refresh_from_db()
    assert case.trafficking_status == "actual"
    assert StatusDecision.objects.get().authority == "Provincial anti-trafficking task force"
    assert AuditEntry.objects.filter(action="cases.status.decide", outcome="allowed").count() == 1
    assert AuditEntry.objects.filter(action="cases.status.decide", outcome="denied").count() == 1
