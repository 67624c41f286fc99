"""Manual grading pages: the grader's walk through the students (save and next, the rubric remembered),
comments, the publish switch, the student's grade page and regrade request, and who gets in."""

from decimal import Decimal as D

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from grader.manual_grading import grading_comment_add, manual_grade_save, rubric_set
from grader.models import ManualGrade, RegradeRequest
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded, reveal

pytestmark = pytest.mark.services


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assignment(course, instructor, student, other_student):
    made = assignment_make(course, points=6)
    reference_graded(made)
    rubric_set(assignment=made, by=instructor, text="README present: 1\nRuns as described: 2")
    graded(made, student, shift=0.1)
    graded(made, other_student, shift=0.3)
    return made


def items(assignment):
    return list(assignment.rubric_items.order_by("order"))


def test_save_and_next_goes_to_the_next_student_with_the_marks_remembered(
    client, assignment, grader_user, student, other_student
):
    client.force_login(grader_user)
    overview = client.get(reverse("grader:grading", args=[assignment.pk]))
    assert overview.status_code == 200 and b"0 of 2 graded" in overview.content
    url = reverse("grader:grading_student", args=[assignment.pk, student.pk])
    page = client.get(url).content.decode()
    assert "README present" in page and 'id="next-student"' in page and "grading.js" in page
    first, second = items(assignment)
    response = client.post(url, {"action": "grade-next", f"mark-{first.pk}": "1", f"mark-{second.pk}": "1,5"})
    assert response.status_code == 302
    assert response["Location"] == reverse("grader:grading_student", args=[assignment.pk, other_student.pk])
    assert ManualGrade.objects.get(student=student).points == D("2.50")
    following = client.get(response["Location"]).content.decode()
    assert 'id="remembered"' in following and 'value="1.5"' in following and 'id="prev-student"' in following
    assert not ManualGrade.objects.filter(student=other_student).exists()  # remembered, not saved


def test_a_bad_mark_answers_400_with_the_typed_values_kept(client, assignment, grader_user, student):
    client.force_login(grader_user)
    first, second = items(assignment)
    url = reverse("grader:grading_student", args=[assignment.pk, student.pk])
    response = client.post(url, {"action": "grade", f"mark-{first.pk}": "7", f"mark-{second.pk}": "1"})
    assert response.status_code == 400 and "above its maximum" in response.content.decode()
    assert 'value="7"' in response.content.decode() and not ManualGrade.objects.exists()


def test_comments_are_added_on_the_page_and_a_cell_must_be_a_number(client, assignment, grader_user, student):
    client.force_login(grader_user)
    url = reverse("grader:grading_student", args=[assignment.pk, student.pk])
    assert client.post(url, {"action": "comment", "text": "Nice plots"}).status_code == 302
    assert client.post(url, {"action": "comment", "text": "x", "cell": "two"}).status_code == 400
    assert "Nice plots" in client.get(url).content.decode()


def test_students_of_the_course_do_not_reach_the_grading_pages(client, assignment, student):
    client.force_login(student)
    assert client.get(reverse("grader:grading", args=[assignment.pk])).status_code == 403
    url = reverse("grader:grading_student", args=[assignment.pk, student.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "comment", "text": "mine"}).status_code == 403


def test_the_student_reads_the_published_grade_and_files_a_regrade_request(
    client, assignment, grader_user, instructor, student, other_student
):
    first, second = items(assignment)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks={first.pk: "1", second.pk: "0"},
    )
    grading_comment_add(
        submission=ManualGrade.objects.get().submission, by=grader_user, text="It does not run."
    )
    client.force_login(student)
    mine = reverse("grader:my_grade", args=[assignment.pk])
    assert client.get(mine).status_code == 404  # not published
    reveal(assignment)
    client.force_login(instructor)
    client.post(reverse("grader:grading", args=[assignment.pk]), {"publish": "1"})
    client.force_login(student)
    assert (
        'id="my-grade-link"'
        in client.get(reverse("grader:assignment", args=[assignment.pk])).content.decode()
    )
    page = client.get(mine).content.decode()
    assert "It does not run." in page and "README present" in page and 'id="regrade-form"' in page
    assert client.post(mine, {"reason": "short"}).status_code == 400 and not RegradeRequest.objects.exists()
    assert client.post(mine, {"reason": "It runs with python 3.11, see the README."}).status_code == 302
    assert RegradeRequest.objects.get().student == student
    client.force_login(other_student)  # graded nothing: nothing to see or ask about
    assert client.get(mine).status_code == 404
    assert client.post(mine, {"reason": "Give me the points, please."}).status_code == 404


def test_the_notebook_preview_numbers_its_cells(client, assignment, student):
    submission = assignment.submissions.filter(user=student).first()
    submission.executed_html.save("n.html", ContentFile(b"<div class='cell'>x</div>"))
    client.force_login(student)
    body = client.get(reverse("grader:submission_notebook", args=[submission.pk])).content
    assert b"counter(nbcell)" in body and b'"Cell "' in body
