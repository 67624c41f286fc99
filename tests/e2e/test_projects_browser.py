"""The project milestone flow in headless Chromium: a student registers a team, the teammate accepts,
and milestone 1 is submitted on a phone, a grader grades it on a desktop, the student sees the grade and
the offered-grade status.
"""

import pytest

from projects.models import MilestoneGrade, MilestoneSubmission
from projects.services import milestone_defaults_create
from tests.e2e.pages import DESKTOP, PHONE, log_in
from tests.projects.pdfs import tiny_pdf

pytestmark = [pytest.mark.e2e, pytest.mark.services]


def test_project_milestone_flow(
    browser, asgi_server, course, student, other_student, grader_user, artifacts_dir, tmp_path
):
    first = milestone_defaults_create(course=course)[0]
    report = tmp_path / "exploration-report.pdf"
    report.write_bytes(tiny_pdf("Data exploration"))

    # A student on a phone: register a team with a teammate, then hand in milestone 1.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, asgi_server.url, "abc123")
    page.click("text=my project")
    page.fill("#id_title", "Bird species from their songs")
    page.fill("#id_teammates", "xyz789")
    page.screenshot(path=str(artifacts_dir / "1-register-phone.png"), full_page=True)
    page.click("button:has-text('Register team')")
    page.wait_for_selector("text=is registered")
    assert "Invited, not joined yet: XYZ789" in page.inner_text("#team")

    # The teammate joins only by accepting, on their own phone.
    mate = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    mate_page = mate.new_page()
    log_in(mate_page, asgi_server.url, "xyz789")
    mate_page.click("text=my project")
    mate_page.screenshot(path=str(artifacts_dir / "1b-invitation-phone.png"), full_page=True)
    mate_page.click("button:has-text('Join this team')")
    mate_page.wait_for_selector("text=You joined the team")
    mate.close()
    page.reload()
    assert "XYZ789" in page.inner_text("#team") and "Invited" not in page.inner_text("#team")

    card = page.locator("#milestone-1")
    card.get_by_label("Repository URL").fill("https://github.com/birds/songs")
    card.get_by_label("Report (PDF, optional)").set_input_files(str(report))
    # Keyboard: tick the English attestation with the space bar.
    card.get_by_label("is in English").focus()
    page.keyboard.press("Space")
    card.get_by_role("button", name="Submit Milestone 1").click()
    page.wait_for_selector("text=submitted on time")
    assert "Submitted on time" in page.inner_text("#milestone-1")
    assert "exploration-report.pdf" in page.inner_text("#milestone-1")
    page.screenshot(path=str(artifacts_dir / "2-milestone-submitted-phone.png"), full_page=True)
    submission = MilestoneSubmission.objects.get()
    assert submission.in_english and submission.repository_url == "https://github.com/birds/songs"

    # The grader on a desktop: the course's project list, then the rubric.
    desktop = browser.new_context(viewport=DESKTOP)
    staff = desktop.new_page()
    log_in(staff, asgi_server.url, "grader")
    staff.click("text=projects")
    staff.wait_for_selector("#projects-table")
    assert "Bird species from their songs" in staff.inner_text("#projects-table")
    staff.screenshot(path=str(artifacts_dir / "3-projects-list-desktop.png"), full_page=True)
    staff.click("#projects-table a:has-text('Grade')")
    staff.wait_for_selector("#grade-form")
    for criterion, points in zip(first.criteria.order_by("order"), ["5", "4.5", "4", "3.5"], strict=True):
        staff.fill(f"#id_criterion_{criterion.id}", points)
    staff.fill("#id_comment", "Clean download script. Plot the class balance per split too.")
    staff.screenshot(path=str(artifacts_dir / "4-grading-desktop.png"), full_page=True)
    staff.click("button:has-text('Save grade')")
    staff.wait_for_selector("text=graded")
    assert "Graded: 17.0 / 20.0" in staff.inner_text("#projects-table")
    desktop.close()
    assert MilestoneGrade.objects.get().points == 17

    # The student sees the grade, the comment and why the offered grade is not there yet.
    page.reload()
    milestone_card = page.inner_text("#milestone-1")
    assert "Graded: 17.0 / 20.0" in milestone_card and "Plot the class balance" in milestone_card
    offered = page.inner_text("#offered-grade")
    assert "Not eligible yet" in offered and "Milestone 2: baseline model was not submitted." in offered
    page.locator("#milestone-1").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "5-grade-and-offered-status-phone.png"), full_page=True)
    phone.close()
