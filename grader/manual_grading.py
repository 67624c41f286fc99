"""Writes of manual grading: the rubric, a student's rubric grade, comments, publishing, regrade requests.

Every change to points goes into the course's audit log (``core.audit``) in the same transaction, with
who, when, before and after. The arithmetic is ``grader.rubric``; the rights are
``grader.manual_grading_selectors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from core.audit import grade_audit_record
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from grader import rubric
from grader.manual_grading_selectors import (
    MAX_REQUESTS_PER_GRADE,
    grade_marks,
    grades_published,
    grading_student_get,
    grading_submission_for,
    manual_grading_can_grade,
    manual_grading_can_manage,
    notebook_cells,
    rubric_items,
    rubric_items_plain,
)
from grader.models import (
    Assignment,
    GradingComment,
    ManualGrade,
    RegradeRequest,
    RegradeStatus,
    RubricItem,
    RubricMark,
    Submission,
)
from grader.selectors import assignment_is_revealed

MAX_COMMENT_CHARS = 4000
MAX_COMMENTS_PER_SUBMISSION = 300
MAX_REASON_CHARS = 2000
MIN_REASON_CHARS = 10


def _mark_message(problem: rubric.MarkProblem, names: Mapping[int, str]) -> str:
    name = names.get(problem.item_id, "?")
    messages = {
        "missing": gettext("Give a mark for “%(item)s”."),
        "not_a_number": gettext("The mark for “%(item)s” is not a number."),
        "negative": gettext("The mark for “%(item)s” cannot be negative."),
        "above_max": gettext("The mark for “%(item)s” is above its maximum."),
        "too_precise": gettext("The mark for “%(item)s” has more than two decimals."),
        "unknown_item": gettext("“%(item)s” is not an item of this rubric."),
    }
    return messages[problem.code] % {"item": name}


def rubric_set(*, assignment: Assignment, by: User, text: str) -> list[RubricItem]:
    """An instructor sets the assignment's rubric from text (``Name: points`` a line; empty: no rubric).
    Once a student is graded the rubric stays as it is: the grades were given against it."""
    if not manual_grading_can_manage(user=by, assignment=assignment):
        raise PermissionDeniedError(gettext("Only the course's instructors set the rubric."))
    lines, problems = rubric.rubric_text_parse(text or "")
    if problems:
        number, code = problems[0]
        messages = {
            "no_points": gettext("Line %(line)s: write the item as “Name: points”."),
            "bad_points": gettext(
                "Line %(line)s: the points must be a number above 0 (two decimals at most)."
            ),
            "duplicate": gettext("Line %(line)s: two items have the same name."),
            "too_many": gettext("A rubric has at most %(max)s items."),
        }
        raise PlatformError(messages[code] % {"line": number, "max": rubric.MAX_ITEMS}, code="rubric_" + code)
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        current = [(item.name, item.max_points) for item in rubric_items(assignment=locked)]
        if lines == current:
            return rubric_items(assignment=locked)
        if ManualGrade.objects.filter(assignment=locked).exists():
            raise PlatformError(
                gettext("Students are already graded with this rubric, so it cannot change any more."),
                code="already_graded",
            )
        locked.rubric_items.all().delete()
        RubricItem.objects.bulk_create(
            [
                RubricItem(assignment=locked, name=name, max_points=points, order=order)
                for order, (name, points) in enumerate(lines)
            ]
        )
        grade_audit_record(
            course=locked.course,
            action="rubric_set",
            subject=locked.title,
            by=by,
            before=[[name, points] for name, points in current],
            after=[[name, points] for name, points in lines],
        )
    return rubric_items(assignment=assignment)


def _marks_clean(
    *, assignment: Assignment, raw: Mapping[int, object]
) -> tuple[dict[int, Decimal], list[RubricItem]]:
    items = rubric_items(assignment=assignment)
    if not items:
        raise PlatformError(gettext("This assignment has no rubric to grade."), code="no_rubric")
    marks, problems = rubric.marks_check(items=rubric_items_plain(items=items), raw=raw)
    if problems:
        names = {item.pk: item.name for item in items}
        raise PlatformError(_mark_message(problems[0], names), code="mark_" + problems[0].code)
    return marks, items


def _grade_write(
    *, assignment: Assignment, student: User, submission: Submission, marks: dict[int, Decimal], by: User
) -> tuple[ManualGrade, dict[str, object], dict[str, object]]:
    """Create or update the grade and its marks (inside the caller's transaction); (grade, before, after)."""
    items = {item.pk: item for item in rubric_items(assignment=assignment)}
    grade = ManualGrade.objects.select_for_update().filter(assignment=assignment, student=student).first()
    before: dict[str, object] = {}
    if grade is not None:
        before = {items[i].name: p for i, p in grade_marks(grade=grade).items() if i in items}
        before["total"] = grade.points
    total = rubric.rubric_points(marks)
    now = timezone.now()
    if grade is None:
        grade = ManualGrade.objects.create(
            assignment=assignment,
            student=student,
            submission=submission,
            points=total,
            graded_by=by,
            graded_at=now,
        )
    else:
        grade.submission, grade.points, grade.graded_by, grade.graded_at = submission, total, by, now
        grade.save(update_fields=["submission", "points", "graded_by", "graded_at"])
    grade.marks.all().delete()
    RubricMark.objects.bulk_create(
        [RubricMark(grade=grade, item_id=item_id, points=points) for item_id, points in marks.items()]
    )
    after: dict[str, object] = {items[i].name: p for i, p in marks.items()}
    after["total"] = total
    after["submission"] = submission.pk
    return grade, before, after


def manual_grade_save(
    *, assignment: Assignment, student_id: int, by: User, raw_marks: Mapping[int, object]
) -> ManualGrade:
    """A grader grades a student's submission that counts with the rubric (every item a mark)."""
    if not manual_grading_can_grade(user=by, assignment=assignment):
        raise PermissionDeniedError(gettext("Only the course's graders and instructors grade."))
    student = grading_student_get(assignment=assignment, student_id=student_id)
    if student is None:
        raise NotFoundError(gettext("No such student in this course."))
    marks, _items = _marks_clean(assignment=assignment, raw=raw_marks)
    submission = grading_submission_for(assignment=assignment, student=student)
    if submission is None:
        raise PlatformError(gettext("This student has submitted nothing to grade."), code="nothing_submitted")
    with transaction.atomic():
        grade, before, after = _grade_write(
            assignment=assignment, student=student, submission=submission, marks=marks, by=by
        )
        if before != {k: v for k, v in after.items() if k != "submission"}:
            grade_audit_record(
                course=assignment.course,
                action="rubric_grade",
                subject=f"{assignment.title}: rubric",
                by=by,
                student=student,
                before=before or None,
                after=after,
            )
    return grade


def grading_comment_add(
    *, submission: Submission, by: User, text: str, cell: int | None = None
) -> GradingComment:
    """A grader's comment on the submission (``cell`` None) or on one notebook cell (its number from 1)."""
    assignment = submission.assignment
    if submission.is_reference or not manual_grading_can_grade(user=by, assignment=assignment):
        raise PermissionDeniedError(gettext("Only the course's graders and instructors comment."))
    text = (text or "").strip()
    if not text:
        raise PlatformError(gettext("Write the comment first."), code="empty")
    if len(text) > MAX_COMMENT_CHARS:
        raise PlatformError(
            gettext("A comment has at most %(max)s characters.") % {"max": MAX_COMMENT_CHARS}, code="too_long"
        )
    if cell is not None:
        cells = notebook_cells(submission=submission)
        if cells is None:
            raise PlatformError(gettext("Only a notebook has cells to comment on."), code="no_cells")
        if not 1 <= cell <= len(cells):
            raise PlatformError(
                gettext("The notebook has cells 1 to %(count)s.") % {"count": len(cells)}, code="no_such_cell"
            )
    if GradingComment.objects.filter(submission=submission).count() >= MAX_COMMENTS_PER_SUBMISSION:
        raise PlatformError(gettext("This submission has as many comments as it can take."), code="too_many")
    return GradingComment.objects.create(
        submission=submission, cell=cell, text=text, by=by, created_at=timezone.now()
    )


def grading_comment_delete(*, comment: GradingComment, by: User) -> None:
    """Its author, or an instructor of the course, takes a comment back."""
    assignment = comment.submission.assignment
    if not (
        (comment.by_id == by.pk and manual_grading_can_grade(user=by, assignment=assignment))
        or manual_grading_can_manage(user=by, assignment=assignment)
    ):
        raise PermissionDeniedError(gettext("Only its author or an instructor removes a comment."))
    comment.delete()


def grades_publish(*, assignment: Assignment, by: User, published: bool) -> Assignment:
    """An instructor shows (or hides again) the rubric grades, comments and points to the students. Not
    before the reveal: the final points hold the automatic points, which are secret until then."""
    if not manual_grading_can_manage(user=by, assignment=assignment):
        raise PermissionDeniedError(gettext("Only the course's instructors publish grades."))
    if published and not assignment_is_revealed(assignment=assignment):
        raise PlatformError(
            gettext("Grades can be published once the points are revealed (after the deadline)."),
            code="not_revealed",
        )
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        before = locked.grades_published_at
        if published == (before is not None):
            return locked
        locked.grades_published_at = timezone.now() if published else None
        locked.save(update_fields=["grades_published_at"])
        grade_audit_record(
            course=locked.course,
            action="grades_publish" if published else "grades_unpublish",
            subject=locked.title,
            by=by,
            before=before,
            after=locked.grades_published_at,
        )
    assignment.grades_published_at = locked.grades_published_at
    return locked


def regrade_request_file(*, assignment: Assignment, student: User, reason: str) -> RegradeRequest:
    """A student asks for their published rubric grade to be looked at again, saying why."""
    grade = ManualGrade.objects.filter(assignment=assignment, student=student).first()
    if grade is None or not grades_published(assignment=assignment):
        raise NotFoundError(gettext("There is no published grade to ask about."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_CHARS:
        raise PlatformError(gettext("Say in a sentence what should be looked at again."), code="reason_short")
    if len(reason) > MAX_REASON_CHARS:
        raise PlatformError(
            gettext("The reason has at most %(max)s characters.") % {"max": MAX_REASON_CHARS},
            code="reason_long",
        )
    try:
        with transaction.atomic():
            ManualGrade.objects.select_for_update().get(pk=grade.pk)
            requests = grade.regrade_requests.all()
            if requests.filter(status=RegradeStatus.OPEN).exists():
                raise PlatformError(gettext("Your request is already waiting for an answer."), code="open")
            if requests.count() >= MAX_REQUESTS_PER_GRADE:
                raise PlatformError(
                    gettext("You have asked %(max)s times; talk to your instructor.")
                    % {"max": MAX_REQUESTS_PER_GRADE},
                    code="too_many",
                )
            request = RegradeRequest.objects.create(
                grade=grade,
                student=student,
                reason=reason,
                created_at=timezone.now(),
                points_before=grade.points,
            )
            grade_audit_record(
                course=assignment.course,
                action="regrade_request",
                subject=f"{assignment.title}: rubric",
                by=student,
                student=student,
                after={"reason": reason},
            )
    except IntegrityError:  # a second request sent at the same moment
        raise PlatformError(gettext("Your request is already waiting for an answer."), code="open") from None
    return request


def regrade_request_answer(
    *,
    request: RegradeRequest,
    by: User,
    accept: bool,
    answer: str,
    raw_marks: Mapping[int, object] | None = None,
) -> RegradeRequest:
    """A grader answers an open regrade request: accept with the new rubric marks, or decline with a
    reason. Answered once: a second answer (another grader at the same moment) is refused."""
    assignment = request.grade.assignment
    if not manual_grading_can_grade(user=by, assignment=assignment):
        raise PermissionDeniedError(gettext("Only the course's graders and instructors answer requests."))
    answer = (answer or "").strip()[:MAX_REASON_CHARS]
    if not accept and not answer:
        raise PlatformError(gettext("Say why the request is declined."), code="answer_missing")
    marks: dict[int, Decimal] = {}
    if accept:
        marks, _items = _marks_clean(assignment=assignment, raw=raw_marks or {})
    with transaction.atomic():
        locked = RegradeRequest.objects.select_for_update().select_related("grade").get(pk=request.pk)
        if locked.status != RegradeStatus.OPEN:
            raise PlatformError(gettext("This request has already been answered."), code="answered")
        grade = locked.grade
        before_points = grade.points
        if accept:
            grade, before, after = _grade_write(
                assignment=assignment, student=grade.student, submission=grade.submission, marks=marks, by=by
            )
            grade_audit_record(
                course=assignment.course,
                action="regrade_accept",
                subject=f"{assignment.title}: rubric",
                by=by,
                student=grade.student,
                before=before,
                after={**after, "answer": answer},
            )
        else:
            grade_audit_record(
                course=assignment.course,
                action="regrade_decline",
                subject=f"{assignment.title}: rubric",
                by=by,
                student=grade.student,
                before={"total": before_points},
                after={"total": before_points, "answer": answer},
            )
        locked.status = RegradeStatus.ACCEPTED if accept else RegradeStatus.DECLINED
        locked.answer, locked.answered_by, locked.answered_at = answer, by, timezone.now()
        locked.points_before, locked.points_after = before_points, grade.points
        locked.save(
            update_fields=["status", "answer", "answered_by", "answered_at", "points_before", "points_after"]
        )
    return locked
