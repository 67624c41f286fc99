"""Writes of the gradebook: the instructor's weights and the staff's adjustments (with who, when, why).

Rights are checked here, so every caller (page, admin action, shell) gets the same rules:
- instructors set the weights;
- graders and instructors record and withdraw *excused* and *extension*; only instructors record or
  withdraw an *override*, since it replaces the points a grader or the autograder gave.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from core.audit import grade_audit_record
from core.errors import PermissionDeniedError, PlatformError
from gradebook.arithmetic import AdjustmentKind
from gradebook.models import Adjustment, GradebookWeights
from gradebook.selectors import (
    gradebook_can_adjust,
    gradebook_can_set_weights,
    gradebook_columns_for_course,
)
from lifecycle.services.archive import course_assert_writable

MAX_WEIGHT = Decimal("1000")


def weights_set(
    *, course: Course, by: User, quiz: Decimal, assignment: Decimal, milestone: Decimal
) -> GradebookWeights:
    """Save the course's category weights (relative: 20/50/30 and 2/5/3 are the same)."""
    if not gradebook_can_set_weights(user=by, course=course):
        raise PermissionDeniedError("only_course_instructors_set")
    course_assert_writable(course=course)
    values = [quiz, assignment, milestone]
    if any(v < 0 or v > MAX_WEIGHT for v in values):
        raise PlatformError("weight_out_of_range")
    if not any(v > 0 for v in values):
        raise PlatformError("weights_all_zero")
    with transaction.atomic():
        old = GradebookWeights.objects.filter(course=course).first()
        row, _created = GradebookWeights.objects.update_or_create(
            course=course,
            defaults={
                "quiz_weight": quiz,
                "assignment_weight": assignment,
                "milestone_weight": milestone,
                "updated_by": by,
            },
        )
        grade_audit_record(
            course=course,
            action="weights",
            subject="",
            by=by,
            before=_weights_list(old),
            after=_weights_list(row),
        )
    return row


def _weights_list(weights: GradebookWeights | None) -> list[Decimal] | None:
    return (
        None
        if weights is None
        else [weights.quiz_weight, weights.assignment_weight, weights.milestone_weight]
    )


@transaction.atomic
def adjustment_record(
    *,
    course: Course,
    student: User,
    column_key: str,
    kind: str,
    reason: str,
    by: User,
    points: Decimal | None = None,
    extension_days: int | None = None,
    now: datetime | None = None,
) -> Adjustment:
    """Record an adjustment of one student's column; raise ``PlatformError`` saying what is wrong."""
    if kind not in {k.value for k in AdjustmentKind}:
        raise PlatformError("unknown_adjustment_kind")
    if not gradebook_can_adjust(user=by, course=course, kind=kind):
        if kind == AdjustmentKind.OVERRIDE:
            raise PermissionDeniedError("only_course_instructors_override")
        raise PermissionDeniedError("only_course_instructors_graders")
    course_assert_writable(course=course)
    if not Enrollment.objects.filter(course=course, user=student, role=Role.STUDENT).exists():
        raise PlatformError("not_a_student")
    columns = {c.key: c for c in gradebook_columns_for_course(course=course)}
    column = columns.get(column_key)
    if column is None:
        raise PlatformError("no_such_column")
    reason = reason.strip()
    if not reason:
        raise PlatformError("say_why_reason_kept")
    if kind == AdjustmentKind.OVERRIDE:
        if points is None:
            raise PlatformError("override_needs_points_replace")
        if points < 0:
            raise PlatformError("points_cannot_negative")
        extension_days = None
    elif kind == AdjustmentKind.EXTENSION:
        if column.deadline is None:  # only late-penalised work has a deadline to extend
            raise PlatformError("extensions_apply_homework_assignments")
        if extension_days is None or not 1 <= extension_days <= 365:
            raise PlatformError("extension_days")
        points = None
    else:
        points = None
        extension_days = None
    adjustment = Adjustment.objects.create(
        course=course,
        student=student,
        column_key=column_key,
        column_title=f"{column.code} {column.title}"[:250],
        kind=kind,
        points=points,
        extension_days=extension_days,
        reason=reason,
        created_by=by,
        created_at=now or timezone.now(),
    )
    grade_audit_record(
        course=course,
        action="adjustment",
        subject=adjustment.column_title,
        by=by,
        student=student,
        after={"kind": kind, "points": points, "extension_days": extension_days, "reason": reason},
    )
    return adjustment


def adjustment_withdraw(*, adjustment: Adjustment, by: User, now: datetime | None = None) -> Adjustment:
    """Withdraw an adjustment: it stops applying and stays on the record. Withdrawing twice is harmless."""
    if not gradebook_can_adjust(user=by, course=adjustment.course, kind=adjustment.kind):
        raise PermissionDeniedError("may_not_withdraw_adjustment")
    if adjustment.withdrawn_at is not None:
        return adjustment
    course_assert_writable(course=adjustment.course)
    with transaction.atomic():
        if Adjustment.objects.filter(pk=adjustment.pk, withdrawn_at__isnull=True).update(
            withdrawn_at=now or timezone.now(), withdrawn_by=by
        ):
            grade_audit_record(
                course=adjustment.course,
                action="adjustment_withdrawn",
                subject=adjustment.column_title,
                by=by,
                student=adjustment.student,
                before={"kind": adjustment.kind, "points": adjustment.points},
            )
    adjustment.refresh_from_db()
    return adjustment
