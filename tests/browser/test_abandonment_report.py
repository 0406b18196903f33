"""A midwife files an abandonment report through the page in a real browser; her supervisor then sees it, late,
on the overdue dashboard.

Runs Debian's chromium through Playwright (see conftest.py).
"""

import datetime as dt

import pytest


@pytest.fixture
def maternity(transactional_db):
    from tests import factories as f

    country = f.country("KZ")
    district = f.district(f.province(country, "KZ-AST"), "KZ-AST-1")
    hospital = f.agency("public_hospital", district, "City Maternity Hospital No. 1 (test)")
    f.agency("police_unit", district, "District Police (test)")
    f.agency("child_protection", district, "Guardianship Authority (test)")
    f.person(hospital, ["health_worker"], username="aigerim.midwife")
    f.person(hospital, ["facility_supervisor"], username="dana.supervisor")
    return hospital


def sign_in(page, base: str, username: str) -> None:
    from tests.factories import PASSWORD

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_a_midwife_files_a_late_report_and_her_supervisor_sees_it_on_the_dashboard(
    live_server, maternity, browser_page
):
    from django.utils import timezone

    page = browser_page
    sign_in(page, live_server.url, "aigerim.midwife")
    page.get_by_role("link", name="Report an abandoned newborn").click()
    found = timezone.localtime(timezone.now() - dt.timedelta(hours=30))
    page.get_by_label("Found at (date and time)").fill(found.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Where the child was found").fill("Bench by the maternity entrance")
    page.get_by_label("Found by (role, e.g. night nurse, security guard)").fill("night security guard")
    page.get_by_label("Condition of the child").fill("cold, breathing well")
    page.get_by_label("Immediate care given").fill("warmed, fed, examined by the paediatrician")
    page.get_by_role("button", name="File the report").click()
    page.wait_for_url("**/reporting/reports/*/")
    assert "LATE: filed 6 h" in page.content()
    assert page.get_by_text("issued with this report").is_visible()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "dana.supervisor")
    page.get_by_role("link", name="Overdue reports").click()
    page.wait_for_url("**/reporting/dashboard/")
    section = page.locator(f'[data-facility="{maternity.pk}"]')
    assert "City Maternity Hospital No. 1 (test)" in section.inner_text()
    assert "LATE by 6 h" in section.inner_text()
