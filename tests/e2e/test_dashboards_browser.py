"""The dashboards in headless Chromium, on a phone (390x844) and a desktop (1280x800): a student's own
home page, and the course dashboard of a grader with its server-drawn SVG charts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from grader.models import SubmissionStatus
from projects.services import milestone_defaults_create
from tests.dashboards.conftest import assignment_row, finished_game, submission_row
from tests.e2e.pages import DESKTOP, PHONE, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.services]

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture
def course_activity(course, student, other_student, instructor):
    homework = assignment_row(course, title="CNN on CIFAR-10", deadline=timezone.now() + timedelta(days=2))
    for hours, score in ((30, 0.61), (5, 0.72)):
        submission_row(
            homework, student, score=score, ago=timedelta(hours=hours), original_name="abc-cnn.csv"
        )
    submission_row(
        homework, other_student, score=0.8, ago=timedelta(hours=2), original_name="xyz-private.csv"
    )
    submission_row(homework, other_student, status=SubmissionStatus.FAILED, original_name="xyz-broken.csv")
    milestone_defaults_create(course=course, start=timezone.now() - timedelta(weeks=1))
    finished_game(
        course,
        instructor,
        answers={"ABC123": [True, False, True], "XYZ789": [True, False, False]},
        scores={"ABC123": 1700, "XYZ789": 900},
    )
    return homework


def test_student_dashboard_on_a_phone_and_a_desktop(browser, asgi_server, course_activity, artifacts_dir):
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, is_mobile=name == "phone", has_touch=name == "phone")
        page = context.new_page()
        log_in(page, asgi_server.url, "abc123")
        page.wait_for_selector("#student-dashboard")
        deadlines = page.inner_text("#deadlines")
        assert "CNN on CIFAR-10" in deadlines and "handed in" in deadlines
        assert "Milestone" in deadlines or "milestone" in deadlines
        mine = page.inner_text("#my-submissions")
        assert "abc-cnn.csv" in mine and "0.7200" in mine
        body = page.inner_text("main")
        assert "xyz-private.csv" not in body and "xyz-broken.csv" not in body and "XYZ789" not in body
        standings = page.inner_text("#standings")
        assert "rank 1 of 2" in standings  # mae: the lower best score (0.61) ranks first
        assert "1700" in page.inner_text("#quiz-results")
        # Nothing overflows the phone's width.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"] + 1
        page.screenshot(path=str(artifacts_dir / f"student-dashboard-{name}.png"), full_page=True)
        context.close()


def test_course_dashboard_charts_on_a_phone_and_a_desktop(
    browser, asgi_server, course, course_activity, grader_user, artifacts_dir
):
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, is_mobile=name == "phone", has_touch=name == "phone")
        page = context.new_page()
        log_in(page, asgi_server.url, "grader")
        page.click(f"a[href='/dashboards/courses/{course.code}/']")
        page.wait_for_selector(f"#assignment-{course_activity.pk}")
        histogram = page.locator(f"#assignment-{course_activity.pk} svg.histogram")
        assert histogram.get_attribute("role") == "img"
        assert "Score distribution" in (histogram.get_attribute("aria-label") or "")
        assert histogram.locator("rect.bar").count() == 10
        heights = [
            float(h)
            for h in histogram.locator("rect.bar").evaluate_all("bs => bs.map(b => b.getAttribute('height'))")
        ]
        assert sum(h > 0 for h in heights) == 2  # two ranked students, two different bins
        timeline = page.locator(f"#assignment-{course_activity.pk} svg.time-series")
        assert timeline.locator("rect.bar").count() == 24 and timeline.locator("line.marker").count() == 1
        questions = page.locator("svg.question-chart rect.bar")
        assert questions.count() == 3
        shares = questions.evaluate_all("bs => bs.map(b => Number(b.dataset.value))")
        assert shares == [100, 0, 50]
        assert page.locator("svg.player-chart rect.bar").count() == 2
        assert "XYZ789" in page.inner_text(".game-stats")  # staff see every player
        # The SVG is drawn inside its card: it scales with the screen.
        box = histogram.bounding_box()
        assert box is not None and box["width"] <= viewport["width"]
        page.screenshot(path=str(artifacts_dir / f"course-dashboard-{name}.png"), full_page=True)
        context.close()


def test_switching_to_hungarian_in_the_header_translates_the_dashboard_and_is_saved(
    browser, asgi_server, course_activity, student, artifacts_dir
):
    context = browser.new_context(viewport=VIEWPORTS["phone"], is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, asgi_server.url, "abc123")
    page.select_option("#language-select", "hu")
    page.click("#language-switch button")
    page.wait_for_selector("text=Közelgő határidők")
    assert page.get_attribute("html", "lang") == "hu"
    assert "Beadásaid" in page.inner_text("#my-submissions") and "abc-cnn.csv" in page.inner_text(
        "#my-submissions"
    )
    page.screenshot(path=str(artifacts_dir / "student-dashboard-hungarian-phone.png"), full_page=True)
    context.close()
    student.refresh_from_db()
    assert student.language == "hu"
