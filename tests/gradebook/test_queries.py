"""The gradebook page for 400 students × 30 columns runs a bounded number of queries, the same for 5."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.services import enrollment_set
from gradebook.arithmetic import AdjustmentKind
from gradebook.services import adjustment_record
from tests.factories import CourseFactory
from tests.gradebook.builders import gradebook_build

MAX_QUERIES = 20


def page_queries(client, course) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("gradebook:course", args=[course.code]))
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


@pytest.mark.django_db
def test_400_students_by_30_columns_in_a_bounded_number_of_queries(
    client, course, instructor, django_assert_max_num_queries
):
    built = gradebook_build(
        course=course, host=instructor, students=400, games=10, assignments=10, milestones=10
    )
    first, last = built.students[0], built.students[-1]
    adjustment_record(
        course=course,
        student=first,
        column_key=f"assignment:{built.assignments[0].pk}",
        kind=AdjustmentKind.EXTENSION,
        extension_days=2,
        reason="Ill, with a doctor's note",
        by=instructor,
    )
    client.force_login(instructor)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("gradebook:course", args=[course.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr id="row-') == 400
    assert f'id="row-{first.neptun_code}"' in html and f'id="row-{last.neptun_code}"' in html
    assert html.count('<th scope="col" class="num" title=') == 30

    # The same number of queries for a course of 5 students: the count does not grow with the students.
    big, _ = page_queries(client, course)
    small_course = CourseFactory(code="SMALL1")
    enrollment_set(course=small_course, user=instructor, role=Role.INSTRUCTOR)
    gradebook_build(
        course=small_course, host=instructor, students=5, games=10, assignments=10, milestones=10, prefix="H"
    )
    adjustment_record(
        course=small_course,
        student=small_course.enrollments.filter(role="student").first().user,
        column_key=f"quiz:{small_course.quiz_games.first().pk}",
        kind=AdjustmentKind.EXCUSED,
        reason="Away at a conference",
        by=instructor,
    )
    small, small_html = page_queries(client, small_course)
    assert small_html.count('<tr id="row-') == 5
    assert small == big


@pytest.mark.django_db
def test_export_runs_the_same_bounded_queries(client, course, instructor, django_assert_max_num_queries):
    gradebook_build(course=course, host=instructor, students=60, games=3, assignments=3, milestones=3)
    client.force_login(instructor)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("gradebook:export_xlsx", args=[course.code]))
    assert response.status_code == 200
