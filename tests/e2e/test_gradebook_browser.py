"""The gradebook in headless Chromium: an instructor on a desktop searches a Neptun code, sorts and opens a
student's history; the student on a phone sees only their own grades, and the page fits the phone."""

import re

import pytest

from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.gradebook.scenario import scenario_build

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_gradebook_for_the_instructor_and_my_grades_on_a_phone(
    browser, asgi_server, course, student, other_student, instructor, artifacts_dir
):
    scenario = scenario_build(
        course=course, student=student, other_student=other_student, instructor=instructor
    )

    # The instructor on a desktop: from the home page to the gradebook.
    desktop = browser.new_context(viewport=DESKTOP)
    staff = desktop.new_page()
    log_in(staff, asgi_server.url, "instructor")
    staff.locator("#courses").get_by_role("link", name="Gradebook").click()
    staff.wait_for_selector("#gradebook-table")
    assert staff.locator("#gradebook-table tbody tr").count() == 2
    assert "80.5" in staff.inner_text("#row-ABC123") and "27.5" in staff.inner_text("#row-XYZ789")
    staff.screenshot(path=str(artifacts_dir / "1-gradebook-desktop.png"), full_page=True)

    # Search a Neptun code (typed in lower case): the plain GET form, no JavaScript needed.
    staff.fill("#id_q", "xyz789")
    staff.click("#gradebook-search button[type=submit]")
    staff.wait_for_url(re.compile(r"q=xyz789"))
    assert staff.locator("#gradebook-table tbody tr").count() == 1
    assert staff.locator("#row-XYZ789").is_visible()
    staff.screenshot(path=str(artifacts_dir / "2-search-neptun-code-desktop.png"), full_page=True)

    # Clear, sort by the total (highest first: clicked twice), then open a student's history.
    staff.click("text=Clear")
    staff.wait_for_selector("#row-ABC123")
    staff.click("#gradebook-table thead >> text=Total %")
    staff.wait_for_url(re.compile(r"sort=total&order=asc"))
    assert staff.locator("#gradebook-table tbody tr").first.get_attribute("id") == "row-XYZ789"
    staff.click("#gradebook-table thead >> text=Total %")
    staff.wait_for_url(re.compile(r"order=desc"))
    assert staff.locator("#gradebook-table tbody tr").first.get_attribute("id") == "row-ABC123"
    staff.click("#row-ABC123 >> text=ABC123")
    staff.wait_for_selector("#adjustment-form")
    assert "Good split." in staff.inner_text("main")
    staff.screenshot(path=str(artifacts_dir / "3-student-history-desktop.png"), full_page=True)
    desktop.close()

    # The student on a phone: their own grades only; the unrevealed homework is not in the total.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "abc123", ready="#courses")
    page.locator("#courses").get_by_role("link", name="my grades").click()
    page.wait_for_selector("#summary")
    assert page.inner_text("#total").strip() == "73.5%"
    assert "XYZ789" not in page.content()
    assert scenario.upcoming.title in page.inner_text("#hidden-columns")
    # Nothing sticks out of the phone's width: wide tables scroll inside their own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(artifacts_dir / "4-my-grades-phone.png"), full_page=True)
    page.locator("#history-milestones").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "5-my-grades-history-phone.png"))
    phone.close()

    # The whole gradebook on a phone: the wide table scrolls inside its box, the page itself does not.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "instructor", ready="#courses")
    page.goto(asgi_server.url + "/gradebook/courses/VITMMA19/?q=abc")
    page.wait_for_selector("#row-ABC123")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    wrap = page.locator(".gradebook-wrap")
    assert wrap.evaluate("box => box.scrollWidth > box.clientWidth")  # the table scrolls sideways
    page.screenshot(path=str(artifacts_dir / "6-gradebook-phone.png"), full_page=True)
    phone.close()
