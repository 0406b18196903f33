"""A real person's path through a real browser: sign in, see the role's home page, switch language, sign out.

Runs Debian's chromium through Playwright (see conftest.py).
"""

import pytest


@pytest.fixture
def caseworker(transactional_db):
    from tests import factories as f

    country = f.country("ID")
    agency = f.agency("child_protection", f.province(country, "ID-BR"), "Dinas Sosial (test)")
    return f.person(agency, ["caseworker"], username="sari.caseworker")


def test_a_caseworker_signs_in_sees_her_home_switches_language_and_signs_out(
    live_server, caseworker, browser_page
):
    from tests.factories import PASSWORD

    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("sari.caseworker")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator('[data-role="caseworker"]').is_visible()
    assert "My cases, deadlines" in page.content()

    page.select_option("#language", "id")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "id"
    assert page.get_by_role("button", name="Keluar").is_visible()  # "Sign out" in Indonesian

    page.get_by_role("button", name="Keluar").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
