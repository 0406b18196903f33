"""A case opened from a lead: an analyst turns a public tip or an online post into a case at a child-protection
agency of the analyst's region. The case shows its origin, the lead shows the case reference, the tip's facts
are copied without the tipster's contact details, the agency's case staff are notified, everything is audited,
and one lead opens at most one case. Who may and who may not, through services, pages and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from kinward.apps.accounts.authz import AccessDenied
from kinward.apps.audit.models import AuditEntry
from kinward.apps.cases import services as cs
from kinward.apps.cases.models import Case, CaseOrigin
from kinward.apps.core.models import Notification
from kinward.apps.tips import services as tips
from kinward.apps.tips.models import Tip, TipAction
from kinward.apps.watch import services as watch
from kinward.apps.watch.models import Decision
from tests import factories as f
from tests.apps.watch import helpers as wh
from tests.conftest import actor_of, signed_in_client

CONTACT = {
    "contact_name": "Dewi Lestari",
    "contact_phone": "+62 812 5555 0101",
    "contact_email": "dewi@mail.example",
}


@pytest.fixture
def analyst(world):
    return actor_of(world.people["analyst"])


def a_tip(world, **extra) -> Tip:
    fields = (
        {
            "category": "baby_offered",
            "what_happened": "A midwife offered a newborn girl for 20 million. Call me, Dewi Lestari, on 0812-5555-0101.",
            "where": "Klinik Harapan, Batam",
            "when": "last Tuesday",
            "seen_identifiers": "WA 0813 2211 4455",
            "region": world.west_district,
        }
        | CONTACT
        | extra
    )
    submitted = tips.tip_submit(**fields)
    tips.tip_add_information(
        receipt_code=submitted.receipt_code, text="She moved the baby to a house nearby."
    )
    return Tip.objects.get(pk=submitted.tip.pk)


def east_analyst(world):
    return f.person(
        f.agency("police_unit", world.east, "East Police Unit"), ["analyst"], username="analyst_east"
    )


# --- tip → case ----------------------------------------------------------------------------------------------


def test_an_analyst_opens_a_case_from_a_tip_with_its_facts_but_never_the_tipsters_contact_details(
    world, analyst
):
    tip = a_tip(world)
    case = cs.case_open_from_tip(
        actor=analyst, tip=tip, agency=world.child_protection, reason="a newborn sold"
    )
    assert case.agency == world.child_protection and case.caseworker == world.people["case_supervisor"]
    assert (case.given_name, case.sex, case.exploitation_type) == ("Unknown", "unknown", "illegal_adoption")
    context = case.exploitation_details
    for fact in (
        tip.number,
        "A midwife offered a newborn girl",
        "Klinik Harapan, Batam",
        "last Tuesday",
        "WA 0813 2211 4455",
        "She moved the baby to a house nearby.",
        "a newborn sold",
    ):
        assert fact in context
    for secret in ("Dewi", "Lestari", "5555", "0101", "dewi@mail.example"):
        assert secret not in context
    assert "[tipster's contact withheld]" in context and "The tipster left contact details" in context
    origin = CaseOrigin.objects.get(case=case)
    assert (origin.kind, origin.tip, origin.reason, origin.opened_by_agency) == (
        "tip",
        tip,
        "a newborn sold",
        world.police,
    )
    tip.refresh_from_db()
    action = tip.actions.get(kind=TipAction.Kind.CASE)
    assert tip.status == Tip.Status.REVIEWED and action.detail == f"case {case.reference}"


def test_opening_is_audited_and_the_receiving_agencys_case_staff_are_notified(world, analyst):
    tip = a_tip(world)
    case = cs.case_open_from_tip(actor=analyst, tip=tip, agency=world.child_protection, reason="r")
    audited = set(AuditEntry.objects.filter(actor_username="analyst").values_list("action", "object_id"))
    assert {
        ("cases.case.open", str(case.pk)),
        ("cases.case.open_from_tip", str(case.pk)),
        ("tips.tip.triage", str(tip.pk)),
    } <= audited
    notified = set(
        Notification.objects.filter(link=f"/cases/{case.pk}/").values_list("recipient__username", flat=True)
    )
    assert notified == {"caseworker", "case_supervisor"}
    assert all("Dewi" not in n.subject + n.body for n in Notification.objects.all())


def test_a_second_case_from_the_same_tip_is_refused_clearly_and_nothing_is_written(world, analyst):
    tip = a_tip(world)
    first = cs.case_open_from_tip(actor=analyst, tip=tip, agency=world.child_protection, reason="r")
    with pytest.raises(ValidationError) as refused:
        cs.case_open_from_tip(actor=analyst, tip=tip, agency=world.child_protection, reason="again")
    assert refused.value.message_dict["tip"] == [
        f"a case was already opened from this tip: {first.reference}"
    ]
    assert Case.objects.count() == 1 and tip.actions.filter(kind="case").count() == 1


@pytest.mark.parametrize(
    "persona", ["caseworker", "case_supervisor", "caseworker_other_agency", "clerk", "auditor"]
)
def test_people_who_do_not_triage_the_tip_cannot_open_a_case_from_it(world, persona):
    tip = a_tip(world)
    with pytest.raises(AccessDenied):
        cs.case_open_from_tip(
            actor=actor_of(world.people[persona]), tip=tip, agency=world.child_protection, reason="r"
        )
    assert not Case.objects.exists()
    assert AuditEntry.objects.filter(actor_username=persona, outcome="denied").exists()


def test_an_analyst_of_another_region_cannot_open_a_case_from_the_tip(world):
    with pytest.raises(AccessDenied):
        cs.case_open_from_tip(
            actor=actor_of(east_analyst(world)),
            tip=a_tip(world),
            agency=world.other_child_protection,
            reason="r",
        )
    assert not Case.objects.exists()


def test_an_analyst_cannot_open_a_case_at_an_agency_outside_the_region_and_the_refusal_is_audited(
    world, analyst
):
    with pytest.raises(AccessDenied):
        cs.case_open_from_tip(
            actor=analyst, tip=a_tip(world), agency=world.other_child_protection, reason="r"
        )
    assert AuditEntry.objects.filter(
        action="cases.case.open_from_lead", outcome="denied", object_id=str(world.other_child_protection.pk)
    ).exists()
    assert not Case.objects.exists()


def test_bad_input_gets_a_clear_error_naming_the_field_and_writes_nothing(world, analyst):
    tip = a_tip(world)
    empty_agency = f.agency("child_protection", world.west, "West Shelter Without Staff")
    cases = [
        ({"agency": world.police, "reason": "r"}, "agency", "child-protection agency"),
        ({"agency": empty_agency, "reason": "r"}, "agency", "no caseworker"),
        ({"agency": world.child_protection, "reason": "  "}, "reason", "say why"),
        ({"agency": world.child_protection, "reason": "r", "sex": "robot"}, "sex", "not one of"),
        (
            {"agency": world.child_protection, "reason": "r", "age_estimate_years": 40},
            "age_estimate_years",
            "25",
        ),
    ]
    for kwargs, field, words in cases:
        with pytest.raises(ValidationError) as refused:
            cs.case_open_from_tip(actor=analyst, tip=tip, **kwargs)
        assert words in refused.value.message_dict[field][0]
    tips.tip_close(actor=analyst, tip=tip, reason="a duplicate")
    with pytest.raises(ValidationError, match="closed"):
        cs.case_open_from_tip(actor=analyst, tip=tip, agency=world.child_protection, reason="r")
    assert not Case.objects.exists() and not CaseOrigin.objects.exists()


def test_the_case_page_shows_its_origin_to_its_agency_only_and_the_analyst_cannot_read_the_case(
    world, analyst
):
    tip = a_tip(world)
    case = cs.case_open_from_tip(
        actor=analyst,
        tip=tip,
        agency=world.child_protection,
        reason="a newborn sold",
        given_name="Melati",
        sex="female",
        age_estimate_years=0,
    )
    page = signed_in_client(world.people["caseworker"]).get(reverse("cases:detail", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and f'data-origin-reference="{tip.number}"' in body
    assert "Opened from public tip" in body and "West Police Unit" in body and "Melati" in body
    assert reverse("tips:detail", args=[tip.pk]) not in body  # caseworkers may not open the tip
    api = signed_in_client(world.people["case_supervisor"]).get(f"/api/v1/cases/{case.pk}").json()
    assert api["origin"]["kind"] == "tip" and api["origin"]["reference"] == tip.number
    assert any(e["kind"] == "origin" for e in api["timeline"])
    for persona in ("analyst", "caseworker_other_agency", "clerk"):
        assert (
            signed_in_client(world.people[persona]).get(reverse("cases:detail", args=[case.pk])).status_code
            == 403
        )
    assert Client().get(f"/api/v1/cases/{case.pk}").status_code == 401


def test_the_tip_page_offers_the_action_and_then_shows_the_case_reference(world):
    tip = a_tip(world)
    client = signed_in_client(world.people["analyst"])
    page = client.get(reverse("tips:detail", args=[tip.pk])).content.decode()
    assert reverse("tips:open_case", args=[tip.pk]) in page and "West Child Protection" in page
    assert "East Child Protection" not in page  # only agencies of the analyst's region are offered
    refused = client.post(
        reverse("tips:open_case", args=[tip.pk]), {"case-agency": world.child_protection.pk}
    )
    assert refused.status_code == 400 and not Case.objects.exists()
    done = client.post(
        reverse("tips:open_case", args=[tip.pk]),
        {"case-agency": world.child_protection.pk, "case-reason": "a newborn sold", "case-sex": "unknown"},
    )
    assert done.status_code == 302
    case = Case.objects.get()
    page = client.get(reverse("tips:detail", args=[tip.pk])).content.decode()
    assert (
        f'data-case-reference="{case.reference}"' in page
        and reverse("tips:open_case", args=[tip.pk]) not in page
    )
    listed = client.get("/api/v1/tips/triage").json()["items"]
    assert [t["case_reference"] for t in listed if t["id"] == tip.pk] == [case.reference]


def test_the_api_opens_a_case_once_and_refuses_others_and_a_second_attempt(world):
    tip = a_tip(world)
    url = f"/api/v1/tips/triage/{tip.pk}/case"
    body = {"agency_id": world.child_protection.pk, "reason": "a newborn sold"}
    analyst_client = signed_in_client(world.people["analyst"])
    made = analyst_client.post(url, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["case_reference"] == Case.objects.get().reference
    again = analyst_client.post(url, body, content_type="application/json")
    assert again.status_code == 422 and "already opened" in str(again.json())
    other = analyst_client.post(
        f"/api/v1/tips/triage/{a_tip(world).pk}/case",
        {"agency_id": world.other_child_protection.pk, "reason": "r"},
        content_type="application/json",
    )
    assert other.status_code == 403
    assert Client().post(url, body, content_type="application/json").status_code == 401
    for persona in ("caseworker", "caseworker_other_agency", "clerk"):
        denied = signed_in_client(world.people[persona]).post(url, body, content_type="application/json")
        assert denied.status_code == 403
    assert Case.objects.count() == 1


# --- post → case ---------------------------------------------------------------------------------------------


def test_a_needs_help_post_opens_a_case_directly_instead_of_a_tip(world, analyst):
    post = wh.entity(world.police).posts.get()
    decision = watch.post_decide(
        actor=analyst,
        post=post,
        outcome="needs_help",
        reason="a mother cannot cope",
        note="she asks for help",
        route="case",
        agency=world.child_protection,
    )
    case = Case.objects.get()
    assert (
        decision.route_target == f"case:{case.reference}" and decision.outcome == Decision.Outcome.NEEDS_HELP
    )
    assert not Tip.objects.exists()
    assert (case.agency, case.exploitation_type) == (world.child_protection, "illegal_adoption")
    for fact in (f"online post {post.pk}", post.text, "phone +6281234500001", "she asks for help"):
        assert fact in case.exploitation_details
    assert CaseOrigin.objects.get(case=case).post == post
    assert AuditEntry.objects.filter(action="cases.case.open_from_post", object_id=str(case.pk)).exists()
    assert Notification.objects.filter(
        link=f"/cases/{case.pk}/", recipient=world.people["caseworker"]
    ).exists()
    with pytest.raises(ValidationError) as refused:
        watch.post_decide(
            actor=analyst,
            post=post,
            outcome="needs_help",
            reason="again",
            route="case",
            agency=world.child_protection,
        )
    assert refused.value.message_dict["post"] == [
        f"a case was already opened from this post: {case.reference}"
    ]
    assert post.decisions.count() == 1 and Case.objects.count() == 1


def test_the_default_needs_help_route_still_makes_a_tip(world, analyst):
    post = wh.post(world.police)
    decision = watch.post_decide(actor=analyst, post=post, outcome="needs_help", reason="distress")
    assert decision.route_target.startswith("support:TIP-") and not Case.objects.exists()


def test_only_analysts_of_the_posts_region_open_a_case_from_it(world):
    post = wh.post(world.police)
    for person in (world.people["caseworker"], world.people["clerk"], east_analyst(world)):
        with pytest.raises(AccessDenied):
            watch.post_decide(
                actor=actor_of(person),
                post=post,
                outcome="needs_help",
                reason="r",
                route="case",
                agency=world.child_protection,
            )
    with pytest.raises(AccessDenied):
        watch.post_decide(
            actor=actor_of(world.people["analyst"]),
            post=post,
            outcome="needs_help",
            reason="r",
            route="case",
            agency=world.other_child_protection,
        )
    with pytest.raises(ValidationError, match="child-protection agency that will hold"):
        watch.post_decide(
            actor=actor_of(world.people["analyst"]), post=post, outcome="needs_help", reason="r", route="case"
        )
    assert not Case.objects.exists() and not post.decisions.exists()


def test_the_post_page_and_api_open_a_case_and_then_show_its_reference(world):
    client = signed_in_client(world.people["analyst"])
    post = wh.post(world.police)
    page = client.get(reverse("watch:post", args=[post.pk])).content.decode()
    assert reverse("watch:open_case", args=[post.pk]) in page
    done = client.post(
        reverse("watch:open_case", args=[post.pk]),
        {"case-agency": world.child_protection.pk, "case-reason": "distress", "case-sex": "female"},
    )
    assert done.status_code == 302
    case = Case.objects.get()
    page = client.get(reverse("watch:post", args=[post.pk])).content.decode()
    assert f'data-case-reference="{case.reference}"' in page
    assert client.get(f"/api/v1/watch/posts/{post.pk}").json()["case_reference"] == case.reference
    case_page = signed_in_client(world.people["case_supervisor"]).get(reverse("cases:detail", args=[case.pk]))
    assert f'data-origin-reference="post {post.pk}"' in case_page.content.decode()

    other = wh.post(world.police)
    url = f"/api/v1/watch/posts/{other.pk}/case"
    body = {"agency_id": world.child_protection.pk, "reason": "distress", "given_name": "Bayu", "sex": "male"}
    assert Client().post(url, body, content_type="application/json").status_code == 401
    assert (
        signed_in_client(world.people["caseworker"])
        .post(url, body, content_type="application/json")
        .status_code
        == 403
    )
    made = client.post(url, body, content_type="application/json")
    assert made.status_code == 201 and made.json()["origin"] == "post"
    assert Case.objects.get(reference=made.json()["case_reference"]).given_name == "Bayu"
    assert client.post(url, body, content_type="application/json").status_code == 422


def test_an_unknown_agency_is_a_field_error_on_both_routes_and_writes_nothing(world):
    client = signed_in_client(world.people["analyst"])
    body = {"agency_id": 987654, "reason": "a newborn offered for money"}
    for url in (
        f"/api/v1/tips/triage/{a_tip(world).pk}/case",
        f"/api/v1/watch/posts/{wh.post(world.police).pk}/case",
    ):
        refused = client.post(url, body, content_type="application/json")
        assert refused.status_code == 422, url
        assert "agency_id" in str(refused.json()) and "no agency has this id" in str(refused.json())
    assert not Case.objects.exists() and not CaseOrigin.objects.exists()
