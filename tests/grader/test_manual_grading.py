"""Manual grading services: rubric, grades of the submission that counts, comments, publishing, regrade
requests, rights per course, and the audit log that keeps who and when."""

import json
from decimal import Decimal as D

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from core.models import GradeAuditEntry
from grader.manual_grading import (
    grades_publish,
    grading_comment_add,
    grading_comment_delete,
    manual_grade_save,
    regrade_request_answer,
    regrade_request_file,
    rubric_set,
)
from grader.manual_grading_selectors import (
    grading_neighbours,
    grading_roster,
    grading_submission_for,
    notebook_cells,
    student_grade_view,
)
from grader.models import ManualGrade, RegradeStatus, Submission, SubmissionKind, SubmissionStatus
from tests.factories import CourseFactory, StudentFactory, UserFactory
from tests.grader.conftest import assignment_make
from tests.grader.graded import graded, reference_graded, reveal

pytestmark = pytest.mark.services

RUBRIC = "README present: 1\nIn English: 1\nRuns as described: 2\nTraining log attached: 1"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def assignment(course, instructor):
    made = assignment_make(course, points=6)
    reference_graded(made)
    rubric_set(assignment=made, by=instructor, text=RUBRIC)
    return made


def marks_of(assignment, *values):
    items = list(assignment.rubric_items.order_by("order"))
    return {item.pk: str(value) for item, value in zip(items, values, strict=True)}


def test_the_rubric_is_set_by_instructors_and_fixed_once_someone_is_graded(
    assignment, instructor, grader_user, student
):
    assert [(i.name, i.max_points) for i in assignment.rubric_items.all()][0] == ("README present", D("1"))
    with pytest.raises(PermissionDeniedError):
        rubric_set(assignment=assignment, by=grader_user, text="Other: 1")
    with pytest.raises(PlatformError, match="Line 1"):
        rubric_set(assignment=assignment, by=instructor, text="no points")
    graded(assignment, student, shift=0.2)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 2, 1),
    )
    with pytest.raises(PlatformError) as error:
        rubric_set(assignment=assignment, by=instructor, text="Other: 1")
    assert error.value.code == "already_graded"
    rubric_set(assignment=assignment, by=instructor, text=RUBRIC)  # unchanged: fine


def test_a_grader_grades_the_submission_that_counts_and_the_log_keeps_who_and_when(
    assignment, grader_user, student
):
    best = graded(assignment, student, shift=0.1)
    graded(assignment, student, shift=3.0)  # worse: the best one counts
    assert grading_submission_for(assignment=assignment, student=student) == best
    grade = manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, "0.5", 2, 0),
    )
    assert (grade.submission_id, grade.points, grade.graded_by) == (best.pk, D("3.50"), grader_user)
    entry = GradeAuditEntry.objects.get(action="rubric_grade")
    assert (entry.by, entry.student, entry.after["total"], entry.before) == (
        grader_user,
        student,
        "3.50",
        None,
    )
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 2, 1),
    )
    latest = GradeAuditEntry.objects.filter(action="rubric_grade").first()
    assert latest.before["total"] == "3.50" and latest.after["total"] == "5.00"
    assert ManualGrade.objects.count() == 1


def test_a_bad_mark_changes_nothing(assignment, grader_user, student):
    graded(assignment, student)
    with pytest.raises(PlatformError, match="above its maximum"):
        manual_grade_save(
            assignment=assignment,
            student_id=student.pk,
            by=grader_user,
            raw_marks=marks_of(assignment, 1, 1, 3, 1),
        )
    with pytest.raises(PlatformError, match="Give a mark"):
        manual_grade_save(assignment=assignment, student_id=student.pk, by=grader_user, raw_marks={})
    assert (
        not ManualGrade.objects.exists()
        and not GradeAuditEntry.objects.filter(action="rubric_grade").exists()
    )


def test_a_failed_submission_can_still_be_graded_with_the_rubric(assignment, grader_user, student):
    failed = Submission.objects.create(
        assignment=assignment,
        user=student,
        kind=SubmissionKind.PREDICTIONS,
        file=ContentFile(b"x", name="p.csv"),
        original_name="p.csv",
        status=SubmissionStatus.FAILED,
        received_at=timezone.now(),
    )
    grade = manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 0, 0),
    )
    assert grade.submission == failed


def test_only_the_courses_staff_grade_and_only_its_students(assignment, student, other_student):
    graded(assignment, student)
    other_course = CourseFactory(code="VITMAB02")
    stranger = UserFactory(username="grader-b")
    enrollment_set(course=other_course, user=stranger, role=Role.GRADER)
    outsider = StudentFactory(neptun_code="OUT222", username="OUT222")
    enrollment_set(course=other_course, user=outsider, role=Role.STUDENT)
    raw = marks_of(assignment, 1, 1, 1, 1)
    for who in (stranger, other_student):
        with pytest.raises(PermissionDeniedError):
            manual_grade_save(assignment=assignment, student_id=student.pk, by=who, raw_marks=raw)
    instructor = assignment.course.enrollments.get(role=Role.INSTRUCTOR).user
    with pytest.raises(NotFoundError):
        manual_grade_save(assignment=assignment, student_id=outsider.pk, by=instructor, raw_marks=raw)
    with pytest.raises(PlatformError, match="submitted nothing"):
        manual_grade_save(assignment=assignment, student_id=other_student.pk, by=instructor, raw_marks=raw)


def notebook_submission(assignment, user, cells=3):
    document = {
        "cells": [{"cell_type": "code", "source": [f"print({n})\n"], "metadata": {}} for n in range(cells)],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return Submission.objects.create(
        assignment=assignment,
        user=user,
        kind=SubmissionKind.NOTEBOOK,
        file=ContentFile(json.dumps(document).encode(), name="hw.ipynb"),
        original_name="hw.ipynb",
        status=SubmissionStatus.FAILED,
        received_at=timezone.now(),
    )


def test_comments_on_the_submission_and_on_a_notebook_cell(assignment, grader_user, instructor, student):
    submission = notebook_submission(assignment, student)
    assert [(c.number, c.first_line) for c in notebook_cells(submission=submission)] == [
        (1, "print(0)"),
        (2, "print(1)"),
        (3, "print(2)"),
    ]
    general = grading_comment_add(submission=submission, by=grader_user, text="  Clear README.  ")
    on_cell = grading_comment_add(submission=submission, by=grader_user, text="Plot the loss", cell=3)
    assert (general.text, general.cell, on_cell.cell) == ("Clear README.", None, 3)
    with pytest.raises(PlatformError, match="cells 1 to 3"):
        grading_comment_add(submission=submission, by=grader_user, text="x", cell=4)
    with pytest.raises(PlatformError, match="Write the comment"):
        grading_comment_add(submission=submission, by=grader_user, text="   ")
    with pytest.raises(PlatformError, match="at most"):
        grading_comment_add(submission=submission, by=grader_user, text="x" * 4001)
    with pytest.raises(PermissionDeniedError):
        grading_comment_add(submission=submission, by=student, text="I grade myself")
    with pytest.raises(PermissionDeniedError):
        grading_comment_delete(comment=general, by=student)
    grading_comment_delete(comment=general, by=instructor)
    assert list(submission.comments.values_list("cell", flat=True)) == [3]


def test_a_csv_has_no_cells_to_comment_on(assignment, grader_user, student):
    submission = graded(assignment, student)
    with pytest.raises(PlatformError, match="Only a notebook"):
        grading_comment_add(submission=submission, by=grader_user, text="x", cell=1)


def test_students_see_their_grade_only_once_published_after_the_reveal(
    assignment, grader_user, instructor, student, other_student
):
    graded(assignment, student, shift=0.1)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 1, 1),
    )
    assert student_grade_view(assignment=assignment, viewer=student) is None
    with pytest.raises(PlatformError, match="revealed"):
        grades_publish(assignment=assignment, by=instructor, published=True)
    reveal(assignment)
    with pytest.raises(PermissionDeniedError):
        grades_publish(assignment=assignment, by=grader_user, published=True)
    grades_publish(assignment=assignment, by=instructor, published=True)
    view = student_grade_view(assignment=assignment, viewer=student)
    assert view is not None and view.grade.points == D("4.00")
    assert view.final.points == view.auto_points + D("4.00") and view.final.max_points == D("11")
    assert student_grade_view(assignment=assignment, viewer=other_student) is None  # not graded
    assert student_grade_view(assignment=assignment, viewer=grader_user) is None  # staff use the grading page
    assert GradeAuditEntry.objects.filter(action="grades_publish", by=instructor).exists()


@pytest.fixture
def published(assignment, grader_user, instructor, student):
    graded(assignment, student, shift=0.1)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 0, 1, 1),
    )
    reveal(assignment)
    grades_publish(assignment=assignment, by=instructor, published=True)
    return assignment


def test_a_student_files_a_regrade_request_and_a_grader_accepts_it_with_new_points(
    published, grader_user, student
):
    with pytest.raises(PlatformError, match="in a sentence"):
        regrade_request_file(assignment=published, student=student, reason="pls")
    request = regrade_request_file(assignment=published, student=student, reason="My README is in English.")
    with pytest.raises(PlatformError, match="already waiting"):
        regrade_request_file(assignment=published, student=student, reason="Again, the README is in English.")
    with pytest.raises(PermissionDeniedError):
        regrade_request_answer(
            request=request, by=student, accept=True, answer="", raw_marks=marks_of(published, 1, 1, 1, 1)
        )
    answered = regrade_request_answer(
        request=request,
        by=grader_user,
        accept=True,
        answer="Right, it is.",
        raw_marks=marks_of(published, 1, 1, 1, 1),
    )
    assert (answered.status, answered.points_before, answered.points_after) == (
        RegradeStatus.ACCEPTED,
        D("3.00"),
        D("4.00"),
    )
    assert answered.answered_by == grader_user and answered.answered_at is not None
    assert ManualGrade.objects.get().points == D("4.00")
    with pytest.raises(PlatformError, match="already been answered"):
        regrade_request_answer(request=request, by=grader_user, accept=False, answer="No")
    actions = list(GradeAuditEntry.objects.order_by("at", "pk").values_list("action", "by__username"))
    assert ("regrade_request", student.username) in actions and ("regrade_accept", "grader") in actions
    view = student_grade_view(assignment=published, viewer=student)
    assert view.can_request and view.requests[0].answer == "Right, it is."


def test_a_declined_request_needs_a_reason_and_keeps_the_points(published, grader_user, student):
    request = regrade_request_file(
        assignment=published, student=student, reason="Please look at the log again."
    )
    with pytest.raises(PlatformError, match="why"):
        regrade_request_answer(request=request, by=grader_user, accept=False, answer=" ")
    answered = regrade_request_answer(
        request=request, by=grader_user, accept=False, answer="The log is missing."
    )
    assert (answered.status, answered.points_after) == (RegradeStatus.DECLINED, D("3.00"))
    assert GradeAuditEntry.objects.filter(action="regrade_decline", by=grader_user).exists()


def test_nobody_files_a_request_on_someone_elses_or_an_unpublished_grade(
    published, instructor, other_student, student
):
    with pytest.raises(NotFoundError):
        regrade_request_file(assignment=published, student=other_student, reason="I want points too.")
    grades_publish(assignment=published, by=instructor, published=False)
    with pytest.raises(NotFoundError):
        regrade_request_file(assignment=published, student=student, reason="Not published yet, though.")


def test_a_student_asks_three_times_at_most(published, grader_user, student):
    for _ in range(3):
        request = regrade_request_file(
            assignment=published, student=student, reason="Please look at it again."
        )
        regrade_request_answer(request=request, by=grader_user, accept=False, answer="No change.")
    with pytest.raises(PlatformError, match="talk to your instructor"):
        regrade_request_file(assignment=published, student=student, reason="Please look at it again.")


def test_the_roster_walks_the_students_with_something_to_grade(
    assignment, grader_user, student, other_student
):
    third = StudentFactory(neptun_code="QQQ999", username="QQQ999")
    enrollment_set(course=assignment.course, user=third, role=Role.STUDENT)
    graded(assignment, student)
    graded(assignment, third)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 1, 1),
    )
    rows = grading_roster(assignment=assignment)
    assert [(r.student.neptun_code, r.submission_id is not None, r.grade is not None) for r in rows] == [
        ("ABC123", True, True),
        ("QQQ999", True, False),
        ("XYZ789", False, False),
    ]
    assert grading_neighbours(rows=rows, student_id=student.pk) == (None, third.pk)
    assert grading_neighbours(rows=rows, student_id=third.pk) == (student.pk, None)


def test_the_rubric_is_a_gradebook_column_beside_its_homework_shown_to_students_once_published(
    assignment, grader_user, instructor, student
):
    from gradebook.selectors import gradebook_for_course, gradebook_for_student

    submission = graded(assignment, student, shift=0.1)
    manual_grade_save(
        assignment=assignment,
        student_id=student.pk,
        by=grader_user,
        raw_marks=marks_of(assignment, 1, 1, 2, 0),
    )
    book = gradebook_for_course(course=assignment.course)
    assert [(c.code, c.max_points) for c in book.columns] == [("HW1", D("6")), ("HW1R", D("5"))]
    cells = {cell.column_key: cell for cell in book.rows[0].cells}
    assert cells[f"rubric:{assignment.pk}"].points == D("4.00")
    assert cells[f"assignment:{assignment.pk}"].points == submission.points
    own = gradebook_for_student(course=assignment.course, student=student, as_student=True)
    assert [c.code for c in own.columns] == [] and [c.code for c in own.hidden_columns] == ["HW1", "HW1R"]
    reveal(assignment)
    grades_publish(assignment=assignment, by=instructor, published=True)
    own = gradebook_for_student(course=assignment.course, student=student, as_student=True)
    assert [c.code for c in own.columns] == ["HW1", "HW1R"]


def test_a_course_copy_takes_the_rubric_not_the_grades_and_the_export_holds_them(
    published, student, instructor
):
    from datetime import timedelta

    from grader.lifecycle import assignments_copy, grader_erase, grader_personal_export

    target = CourseFactory(code="VITMMA20")
    assignments_copy(source=published.course, target=target, offset=timedelta(days=182))
    copied = target.assignments.get()
    assert [i.name for i in copied.rubric_items.all()] == [i.name for i in published.rubric_items.all()]
    assert copied.grades_published_at is None and not copied.manual_grades.exists()

    regrade_request_file(assignment=published, student=student, reason="Please look at the README again.")
    exported = dict(grader_personal_export(user=student))
    grades = json.loads(exported["submissions/manual_grades.json"])
    assert grades[0]["rubric_points"] == "3.00" and grades[0]["marks"]["README present"] == "1.00"
    assert grades[0]["regrade_requests"][0]["reason"] == "Please look at the README again."
    erasure = grader_erase(course=published.course, pseudonyms={})
    assert any("regrade requests" in line for line in erasure.lines)
    assert published.manual_grades.get().regrade_requests.get().status == RegradeStatus.OPEN
    assert published.manual_grades.get().regrade_requests.get().reason == ""
