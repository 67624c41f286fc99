"""Reads of manual grading: who may do what, the submission that is graded, the grader's roster, what a
student sees of their rubric grade.

Rights, in one place:
- the course's graders and instructors grade, comment and answer regrade requests; only instructors set
  the rubric and publish the grades;
- a student sees their own rubric grade, comments and regrade requests, and only once the assignment's
  grades are published; anyone else's is "not found".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Role, User
from accounts.selectors import course_is_instructor, course_is_staff, course_role
from grader import rubric
from grader.models import (
    Assignment,
    GradingComment,
    ManualGrade,
    RegradeRequest,
    RegradeStatus,
    RubricItem,
    Submission,
    SubmissionKind,
)
from grader.selectors import assignment_standings_for_staff

MAX_NOTEBOOK_CELLS = 2000  # listed for the grader; a notebook with more is listed up to here


def manual_grading_can_grade(*, user: User, assignment: Assignment) -> bool:
    return course_is_staff(user=user, course=assignment.course)


def manual_grading_can_manage(*, user: User, assignment: Assignment) -> bool:
    """Set the rubric, publish or withdraw the grades: the course's instructors."""
    return course_is_instructor(user=user, course=assignment.course)


def rubric_items(*, assignment: Assignment) -> list[RubricItem]:
    return list(assignment.rubric_items.order_by("order", "pk"))


def rubric_items_plain(*, items: list[RubricItem]) -> list[rubric.Item]:
    return [rubric.Item(item_id=i.pk, name=i.name, max_points=i.max_points) for i in items]


def rubric_as_text(*, items: list[RubricItem]) -> str:
    return "\n".join(f"{item.name}: {rubric_points_text(item.max_points)}" for item in items)


def rubric_points_text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def grades_published(*, assignment: Assignment) -> bool:
    return assignment.grades_published_at is not None


def manual_grade_published_for(*, assignment: Assignment, student: User) -> bool:
    """Whether the student has a rubric grade they may read now."""
    return grades_published(assignment=assignment) and (
        ManualGrade.objects.filter(assignment=assignment, student=student).exists()
    )


def grading_submission_for(*, assignment: Assignment, student: User) -> Submission | None:
    """The submission a grader grades: the one that counts (the leaderboard's rule), else, when none was
    scored (a notebook that crashed still has a README to grade), the student's latest upload."""
    standing = next(
        (s for s in assignment_standings_for_staff(assignment=assignment) if s.user.pk == student.pk), None
    )
    if standing is not None and standing.counting_id is not None:
        return Submission.objects.select_related("assignment", "user").get(pk=standing.counting_id)
    return (
        Submission.objects.filter(assignment=assignment, user=student, is_reference=False)
        .select_related("assignment", "user")
        .order_by("-received_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class GradingRow:
    """One student on the grader's roster."""

    student: User
    submission_id: int | None  # the one to grade (None: nothing submitted)
    auto_points: Decimal | None
    grade: ManualGrade | None
    open_request: bool
    graded_other: bool  # the grade was given to a submission that no longer counts

    @property
    def final(self) -> Decimal | None:
        if self.grade is None:
            return self.auto_points
        return (self.auto_points or Decimal(0)) + self.grade.points


def grading_roster(*, assignment: Assignment) -> list[GradingRow]:
    """Every student of the course in Neptun-code order with what a grader needs (call for staff only)."""
    standings = assignment_standings_for_staff(assignment=assignment)
    grades = {
        g.student_id: g
        for g in ManualGrade.objects.filter(assignment=assignment).select_related("graded_by", "submission")
    }
    open_ids = set(
        RegradeRequest.objects.filter(grade__assignment=assignment, status=RegradeStatus.OPEN).values_list(
            "grade__student_id", flat=True
        )
    )
    latest: dict[int, int] = {}
    for user_id, pk in (
        Submission.objects.filter(assignment=assignment, is_reference=False)
        .order_by("received_at", "pk")
        .values_list("user_id", "pk")
    ):
        if user_id is not None:
            latest[user_id] = pk
    rows = []
    for standing in standings:
        student = standing.user
        submission_id = standing.counting_id or latest.get(student.pk)
        grade = grades.get(student.pk)
        rows.append(
            GradingRow(
                student=student,
                submission_id=submission_id,
                auto_points=standing.points,
                grade=grade,
                open_request=student.pk in open_ids,
                graded_other=grade is not None and grade.submission_id != submission_id,
            )
        )
    return rows


def grading_neighbours(*, rows: list[GradingRow], student_id: int) -> tuple[int | None, int | None]:
    """The previous and the next student with something to grade, around ``student_id``."""
    gradable = [row.student.pk for row in rows if row.submission_id is not None]
    if student_id not in gradable:
        return (gradable[-1] if gradable else None), (gradable[0] if gradable else None)
    index = gradable.index(student_id)
    previous = gradable[index - 1] if index > 0 else None
    following = gradable[index + 1] if index + 1 < len(gradable) else None
    return previous, following


def grading_student_get(*, assignment: Assignment, student_id: int) -> User | None:
    """A student of the assignment's course by id (never anyone else: the staff of B must not look up
    the names of A's students)."""
    return User.objects.filter(
        pk=student_id, enrollments__course=assignment.course, enrollments__role=Role.STUDENT
    ).first()


def manual_grade_of(*, assignment: Assignment, student: User) -> ManualGrade | None:
    return (
        ManualGrade.objects.filter(assignment=assignment, student=student)
        .select_related("graded_by", "submission")
        .first()
    )


def grade_marks(*, grade: ManualGrade | None) -> dict[int, Decimal]:
    if grade is None:
        return {}
    return dict(grade.marks.values_list("item_id", "points"))


def comments_of(*, submission: Submission) -> QuerySet[GradingComment]:
    return (
        GradingComment.objects.filter(submission=submission)
        .select_related("by")
        .order_by("cell", "created_at", "pk")
    )


def regrade_requests_of(*, grade: ManualGrade | None) -> list[RegradeRequest]:
    if grade is None:
        return []
    return list(grade.regrade_requests.select_related("answered_by").order_by("created_at", "pk"))


@dataclass(frozen=True)
class NotebookCell:
    number: int  # the position in the notebook from 1: the number the preview shows and comments use
    kind: str  # "code", "markdown", "raw"
    first_line: str


def notebook_cells(*, submission: Submission) -> list[NotebookCell] | None:
    """The submitted notebook's cells (number, kind, first line), or ``None`` when it is no readable
    notebook. The file was size-checked on upload; this reads JSON only, it runs nothing."""
    if submission.kind != SubmissionKind.NOTEBOOK:
        return None
    try:
        with submission.file.open("rb") as handle:
            document = json.loads(handle.read())
        cells = document["cells"]
        if not isinstance(cells, list):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    listed = []
    for number, cell in enumerate(cells[:MAX_NOTEBOOK_CELLS], start=1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        text = "".join(source) if isinstance(source, list) else str(source)
        first = next((line for line in text.splitlines() if line.strip()), "")
        listed.append(
            NotebookCell(number=number, kind=str(cell.get("cell_type", ""))[:10], first_line=first[:120])
        )
    return listed


@dataclass(frozen=True)
class StudentGrade:
    """What a student sees of their rubric grade once the grades are published."""

    assignment: Assignment
    grade: ManualGrade
    items: list[tuple[RubricItem, Decimal | None]]
    final: rubric.Final
    auto_points: Decimal | None
    comments: list[GradingComment]
    requests: list[RegradeRequest]
    can_request: bool


MAX_REQUESTS_PER_GRADE = 3


def student_grade_view(*, assignment: Assignment, viewer: User) -> StudentGrade | None:
    """The viewer's own published rubric grade, or ``None`` (not a student of the course, not graded, or
    not published yet: the three look the same to the student)."""
    if course_role(user=viewer, course=assignment.course) != Role.STUDENT or not grades_published(
        assignment=assignment
    ):
        return None
    grade = manual_grade_of(assignment=assignment, student=viewer)
    if grade is None:
        return None
    items = rubric_items(assignment=assignment)
    marks = grade_marks(grade=grade)
    auto = grade.submission.points
    counting = grading_submission_for(assignment=assignment, student=viewer)
    if counting is not None:
        auto = counting.points
    requests = regrade_requests_of(grade=grade)
    return StudentGrade(
        assignment=assignment,
        grade=grade,
        items=[(item, marks.get(item.pk)) for item in items],
        final=rubric.final_points(
            auto_points=auto,
            auto_max=assignment.points,
            rubric=grade.points,
            rubric_maximum=rubric.rubric_max(rubric_items_plain(items=items)),
        ),
        auto_points=auto,
        comments=list(comments_of(submission=grade.submission)),
        requests=requests,
        can_request=not any(r.status == RegradeStatus.OPEN for r in requests)
        and len(requests) < MAX_REQUESTS_PER_GRADE,
    )
