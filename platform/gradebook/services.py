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
from django.utils.translation import gettext as _

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
        raise PermissionDeniedError(_("Only the course's instructors set the gradebook's weights."))
    course_assert_writable(course=course)
    values = [quiz, assignment, milestone]
    if any(v < 0 or v > MAX_WEIGHT for v in values):
        raise PlatformError(_("Each weight must be between 0 and 1000."))
    if not any(v > 0 for v in values):
        raise PlatformError(_("At least one weight must be above 0."))
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
        raise PlatformError(_("Unknown adjustment kind."))
    if not gradebook_can_adjust(user=by, course=course, kind=kind):
        if kind == AdjustmentKind.OVERRIDE:
            raise PermissionDeniedError(_("Only the course's instructors override points."))
        raise PermissionDeniedError(_("Only the course's instructors and graders record adjustments."))
    course_assert_writable(course=course)
    if not Enrollment.objects.filter(course=course, user=student, role=Role.STUDENT).exists():
        raise PlatformError(_("This person is not a student of the course."))
    columns = {c.key: c for c in gradebook_columns_for_course(course=course)}
    column = columns.get(column_key)
    if column is None:
        raise PlatformError(_("No such column in this course's gradebook."))
    reason = reason.strip()
    if not reason:
        raise PlatformError(_("Say why: the reason is kept with the adjustment."))
    if kind == AdjustmentKind.OVERRIDE:
        if points is None:
            raise PlatformError(_("An override needs the points that replace the computed ones."))
        if points < 0:
            raise PlatformError(_("Points cannot be negative."))
        extension_days = None
    elif kind == AdjustmentKind.EXTENSION:
        if column.deadline is None:  # only late-penalised work has a deadline to extend
            raise PlatformError(
                _("Extensions apply to homework assignments only (they change the late penalty).")
            )
        if extension_days is None or not 1 <= extension_days <= 365:
            raise PlatformError(_("An extension is 1 to 365 days."))
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
        raise PermissionDeniedError(_("You may not withdraw this adjustment."))
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
