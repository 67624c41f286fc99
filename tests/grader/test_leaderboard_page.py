"""The leaderboard page: its rows (built in Python, not by the template), its queries, and that a new
result shows on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import enrollment_set
from grader.models import Submission
from grader.services import assignment_regrade
from tests.factories import AssignmentFactory, StudentFactory, SubmissionFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded

# session, user, assignment, the viewer's role (twice: the lookup's check, the board's), the reference,
# the entries, the menu's "teaches anything"
MAX_QUERIES = 8


@pytest.fixture
def assignment(course):
    made = assignment_make(course, kinds=("predictions",), daily_limit=10)
    reference_graded(made)
    return made


def board_html(client, assignment, **params) -> str:
    response = client.get(reverse("grader:leaderboard", args=[assignment.pk]), params)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('<table class="leaderboard"') : html.index("</table>")]


@pytest.mark.django_db
def test_a_new_result_and_a_regrade_show_on_the_next_request(client, assignment, student, other_student):
    first = graded(assignment, student, shift=0.6)
    client.force_login(student)
    before = board_html(client, assignment)
    assert f"{first.score_public:.4f}" in before and "XY****" not in before

    better = graded(assignment, student, shift=0.05)
    rival = graded(assignment, other_student, shift=0.3)
    after = board_html(client, assignment)
    assert f"{better.score_public:.4f}" in after and f"{first.score_public:.4f}" not in after
    assert '<td class="num">2</td>' in after  # two entries of the viewer
    assert after.index("ABC123") < after.index("XY****")  # the smaller error ranks first
    assert f"{rival.score_public:.4f}" in after

    assignment_regrade(assignment=assignment, by=None)  # every result withdrawn until graded again
    assert "No scored submissions yet." in board_html(client, assignment)


@pytest.mark.django_db
def test_rows_escape_names_and_only_staff_get_links_and_late_badges(
    client, assignment, student, other_student, grader_user
):
    mine = graded(assignment, student, shift=0.2)
    theirs = graded(assignment, other_student, shift=0.1)
    User.objects.filter(pk=other_student.pk).update(neptun_code='<b>"&')
    Submission.objects.filter(pk=theirs.pk).update(late_days=1)

    client.force_login(student)
    html = board_html(client, assignment)
    assert "&lt;b***</td>" in html and "<b>" not in html
    assert '<tr class="me" aria-current="true">' in html and ">you</span>" in html
    assert "late" not in html and "/grader/submissions/" not in html

    client.force_login(grader_user)
    staff = board_html(client, assignment)
    assert "&lt;b&gt;&quot;&amp;" in staff and "<b>" not in staff
    assert staff.count('<span class="badge late">late</span>') == 1
    assert reverse("grader:submission", args=[theirs.pk]) in staff
    assert reverse("grader:student_history", args=[assignment.pk, student.pk]) in staff
    assert f">#{mine.pk}</a>" in staff and "aria-current" not in staff


@pytest.mark.django_db
def test_hungarian_page_formats_scores_and_dates_the_hungarian_way(client, assignment, student):
    graded(assignment, student, shift=0.25)
    student.language = "hu"
    student.save(update_fields=["language"])
    client.force_login(student)
    html = board_html(client, assignment)
    row = html[html.index('<tr class="me"') :]
    assert "," in row[row.index('class="num">') : row.index("</td>", row.index('class="num">'))]
    assert ". (" in row  # "dec. 9. (sze), 14:30"


def students_with_results(count: int):
    assignment = AssignmentFactory()
    for _ in range(count):
        student = StudentFactory()
        enrollment_set(course=assignment.course, user=student, role=Role.STUDENT)
        SubmissionFactory(assignment=assignment, user=student, score=0.1 + 0.01 * count)
        SubmissionFactory(assignment=assignment, user=student)
    return assignment, student


@pytest.mark.django_db
def test_the_page_runs_the_same_few_queries_for_3_rows_and_for_60(client):
    counts = []
    for rows in (3, 60):
        assignment, viewer = students_with_results(rows)
        client.force_login(viewer)
        board_html(client, assignment)  # warm: the session's first read
        with CaptureQueriesContext(connection) as captured:
            html = board_html(client, assignment)
        assert html.count('<td class="code">') == rows  # one row per student
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= MAX_QUERIES, counts
