"""A hospital clerk's path through a real browser: enrol a pregnancy, notify the birth through the delivery
room's form, read the newborn ID for the wristband, then discharge the child to the mother.

Runs Debian's chromium through Playwright (see conftest.py).
"""

import pytest


@pytest.fixture
def clerk(transactional_db, settings, tmp_path):
    from tests import factories as f

    settings.LEDGER_KEY_FILE = tmp_path / "keys" / "ledger.signer"
    country = f.country("ID")
    hospital = f.agency(
        "public_hospital", f.district(f.province(country, "ID-JB"), "ID-JB-BDG"), "RSUD (test)"
    )
    return f.person(hospital, ["health_worker"], username="ratna.clerk")


def test_a_clerk_enrols_a_pregnancy_notifies_the_birth_reads_the_id_and_discharges_the_child(
    live_server, clerk, browser_page
):
    import datetime as dt

    from kinward.apps.registry.models import Birth, CustodyEvent, Pregnancy
    from kinward.engines.ids import format_id
    from tests.factories import PASSWORD

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("ratna.clerk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")

    # antenatal enrolment, from the navigation
    page.get_by_role("link", name="Pregnancies").click()
    page.get_by_role("link", name="Enrol a pregnancy").click()
    page.get_by_label("Given name").fill("Ayu")
    page.get_by_label("Family name").fill("Lestari")
    page.get_by_label("Identity document").select_option("national_id")
    page.get_by_label("Document number").fill("3201025505900001")
    page.get_by_label("Document country").fill("ID")
    expected = dt.date.today() + dt.timedelta(days=7)
    page.get_by_label("Expected date of delivery").fill(expected.isoformat())
    page.get_by_role("button", name="Enrol", exact=True).click()
    page.wait_for_load_state()
    pregnancy = Pregnancy.objects.get()
    assert page.locator("[data-open]").get_attribute("data-open") == "true"

    # the delivery room: the form comes with the pregnancy chosen and the mother filled in
    page.get_by_role("link", name="Notify the birth").click()
    page.wait_for_load_state()
    assert page.get_by_label("Family name").input_value() == "Lestari"
    assert page.get_by_label("Enrolled pregnancy").input_value() == str(pregnancy.pk)
    page.get_by_label("Female").check()
    page.get_by_label("Weight (grams)").fill("3100")
    page.get_by_label("Birth attendant (name)").fill("Bidan Sari")
    page.get_by_role("button", name="Notify the birth and get the newborn ID").click()
    page.wait_for_load_state()

    birth = Birth.objects.get()
    shown = page.locator("[data-newborn-id]")
    assert shown.get_attribute("data-newborn-id") == birth.newborn_id
    assert shown.inner_text().replace("\n", "") == format_id(birth.newborn_id)
    assert page.locator(".newborn-id .check").inner_text() == birth.newborn_id[-1]
    assert birth.pregnancy == pregnancy and birth.mother == pregnancy.mother and birth.weight_g == 3100

    # the child's page: discharge to the mother, whose details the form already holds
    page.get_by_role("link", name="Open the child's page").click()
    page.wait_for_load_state()
    page.locator("#event-discharge summary").click()
    discharge = page.locator("#event-discharge form")
    assert discharge.get_by_label("Family name").input_value() == "Lestari"
    discharge.get_by_label("yes, seen and checked").check()
    discharge.get_by_label("Recorded by (name)").fill("Perawat Dewi")
    discharge.get_by_role("button", name="Record").click()
    page.wait_for_load_state()
    assert page.locator("[data-status]").get_attribute("data-status") == "discharged"
    event = CustodyEvent.objects.get()
    assert event.type == "discharge" and event.to_person == pregnancy.mother and event.id_document_checked
