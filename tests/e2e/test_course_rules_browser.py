"""Signature and marks in headless Chromium: the instructor adds a signature condition and changes the
thresholds on a desktop; the student sees their signature, offered grade and what each mark needs on a
phone, and the page fits the phone."""

import pytest

from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.gradebook.scenario import scenario_build

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_the_instructor_sets_the_rules_and_the_student_reads_the_running_grade_on_a_phone(
    browser, asgi_server, course, student, other_student, instructor, artifacts_dir
):
    scenario_build(course=course, student=student, other_student=other_student, instructor=instructor)

    desktop = browser.new_context(viewport=DESKTOP)
    staff = desktop.new_page()
    log_in(staff, asgi_server.url, "instructor")
    staff.goto(asgi_server.url + "/gradebook/courses/VITMMA19/")
    staff.get_by_role("link", name="Signature and marks").click()
    staff.wait_for_selector("#thresholds-form")
    # A bad threshold order is refused with a message and changes nothing.
    staff.fill("#id_two", "60")
    staff.fill("#id_three", "50")
    staff.click("#thresholds-form button[type=submit]")
    staff.wait_for_selector("#thresholds-form .error")
    assert "must grow" in staff.inner_text("#thresholds-form .error")
    staff.fill("#id_two", "45")
    staff.fill("#id_three", "60")
    staff.click("#thresholds-form button[type=submit]")
    staff.wait_for_selector("#no-conditions")
    staff.select_option("#id_purpose", "signature")
    staff.select_option("#id_column_key", label="HW1 CNN on digits")
    staff.select_option("#id_requirement", "handed_in")
    staff.click("#condition-form button[type=submit]")
    staff.wait_for_selector("#condition-table")
    assert "CNN on digits" in staff.inner_text("#condition-table")
    staff.screenshot(path=str(artifacts_dir / "1-rules-desktop.png"), full_page=True)
    staff.goto(asgi_server.url + "/gradebook/courses/VITMMA19/")
    staff.wait_for_selector("#row-XYZ789")
    assert "refused" in staff.inner_text("#row-XYZ789") and "yes" in staff.inner_text("#row-ABC123")
    assert "2 from 45%" in staff.inner_text("#rules-summary")
    desktop.close()

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "abc123", ready="#courses")
    page.goto(asgi_server.url + "/gradebook/courses/VITMMA19/mine/")
    page.wait_for_selector("#standing")
    assert "yes" in page.inner_text("#standing-signature")
    assert page.locator("#mark-needs tbody tr").count() == 4
    assert "HW1" in page.inner_text("#standing .conditions")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("#standing").screenshot(path=str(artifacts_dir / "2-running-grade-phone.png"))
    phone.close()
