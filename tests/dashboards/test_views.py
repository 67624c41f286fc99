"""The dashboard pages: who may see which, and that the page carries the selectors' content and charts."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import enrollment_set
from tests.dashboards.conftest import assignment_row, finished_game, submission_row
from tests.factories import CourseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_home_shows_the_students_own_dashboard_and_not_another_students_submission(
    client, course, student, other_student, instructor
):
    assignment = assignment_row(course, title="CNN homework")
    submission_row(assignment, student, score=0.5, original_name="abc-predictions.csv")
    submission_row(assignment, other_student, score=0.3, original_name="xyz-secret.csv")
    finished_game(
        course, instructor, answers={"ABC123": [True], "XYZ789": [False]}, scores={"ABC123": 900, "XYZ789": 0}
    )
    client.force_login(student)

    response = client.get(reverse("core:home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="student-dashboard"' in page
    assert "CNN homework" in page and "abc-predictions.csv" in page
    assert "xyz-secret.csv" not in page and "XYZ789" not in page
    assert "rank 2 of 2" in page  # the leaderboard (lower mae is better) and the quiz
    assert "rank 1 of 2" in page


def test_home_for_staff_links_the_course_dashboard_instead_of_a_student_dashboard(client, course, instructor):
    client.force_login(instructor)
    page = client.get(reverse("core:home")).content.decode()
    assert 'id="student-dashboard"' not in page
    assert reverse("dashboards:course", args=[course.code]) in page


def test_course_dashboard_needs_staff_of_that_course(client, course, student, instructor):
    url = reverse("dashboards:course", args=[course.code])
    assert client.get(url).status_code == 302  # logged out: to the login page
    client.force_login(student)
    assert client.get(url).status_code == 403
    stranger = UserFactory(username="other-instructor", is_staff=True)
    enrollment_set(course=CourseFactory(code="OTHER1"), user=stranger, role=Role.INSTRUCTOR)
    client.force_login(stranger)
    assert client.get(url).status_code == 403
    client.force_login(instructor)
    assert client.get(url).status_code == 200
    assert client.get(reverse("dashboards:course", args=["NOPE"])).status_code == 404


def test_course_dashboard_draws_the_score_histogram_the_rush_and_the_games_charts(
    client, course, student, other_student, grader_user, instructor
):
    assignment = assignment_row(course, title="CNN homework")
    submission_row(assignment, student, score=0.5)
    submission_row(assignment, other_student, score=0.3)
    finished_game(
        course,
        instructor,
        answers={"ABC123": [True, False], "XYZ789": [True, True]},
        scores={"ABC123": 900, "XYZ789": 1800},
    )
    client.force_login(grader_user)

    page = client.get(reverse("dashboards:course", args=[course.code])).content.decode()

    for css_class in ("histogram", "time-series", "question-chart", "player-chart"):
        start = page.index(f'class="chart {css_class}"')
        svg = page[page.rindex("<svg", 0, start) : page.index("</svg>", start) + len("</svg>")]
        root = ET.fromstring(svg)
        bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
        assert bars, css_class
        assert any(float(r.get("height")) > 0 for r in bars), css_class
    assert "ABC123" in page and "XYZ789" in page  # staff see every student
    assert "CNN homework" in page
