"""The course's end-of-term rules as stored (marks thresholds, signature and offered-grade conditions), and
each student's standing under them (the arithmetic is ``gradebook.marks``).

Instructors set the rules; graders and instructors read every student's standing; a student reads their
own (only the columns they may see count towards the running grade; the conditions on hidden columns show
as open).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Course, User
from core.audit import grade_audit_record
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from gradebook.marks import Condition, Purpose, Requirement, Thresholds, standing_compute
from gradebook.models import GradeCondition, GradingScheme
from gradebook.selectors import Gradebook, gradebook_can_set_weights, gradebook_columns_for_course
from lifecycle.services.archive import course_assert_writable


@dataclass(frozen=True)
class CourseRules:
    thresholds: Thresholds
    conditions: list[Condition]
    rows: list[GradeCondition]  # the stored conditions (for the page's remove buttons)
    thresholds_set: bool  # False: the defaults


def course_rules(*, course: Course) -> CourseRules:
    try:  # a course loaded with select_related("grading_scheme") answers this without a query
        scheme: GradingScheme | None = course.grading_scheme
    except GradingScheme.DoesNotExist:
        scheme = None
    thresholds = (
        Thresholds(
            two=scheme.mark2_percent,
            three=scheme.mark3_percent,
            four=scheme.mark4_percent,
            five=scheme.mark5_percent,
        )
        if scheme is not None
        else Thresholds()
    )
    rows = list(GradeCondition.objects.filter(course=course).order_by("purpose", "pk"))
    conditions = [
        Condition(
            purpose=Purpose(row.purpose),
            column_key=row.column_key,
            requirement=Requirement(row.requirement),
            min_percent=row.min_percent,
            title=row.column_title,
        )
        for row in rows
    ]
    return CourseRules(
        thresholds=thresholds, conditions=conditions, rows=rows, thresholds_set=scheme is not None
    )


def standings_attach(
    *, gradebook: Gradebook, rules: CourseRules | None = None, now: datetime | None = None
) -> None:
    """Give each row its standing (``row.standing``); two queries for the rules, none per row. Columns the
    reader may not see yet (``gradebook.hidden_columns``) count as open work."""
    rules = rules or course_rules(course=gradebook.course)
    now = now or timezone.now()
    for row in gradebook.rows:
        row.standing = standing_compute(
            columns=gradebook.columns,
            cells={cell.column_key: cell for cell in row.cells},
            percent=row.total.percent,
            weights=gradebook.weights,
            conditions=rules.conditions,
            thresholds=rules.thresholds,
            now=now,
            pending=gradebook.hidden_columns,
        )


# --- Writes (instructors) ---------------------------------------------------------------------------------


def _check_instructor(*, course: Course, by: User) -> None:
    if not gradebook_can_set_weights(user=by, course=course):
        raise PermissionDeniedError("rules_only_course_instructors_set")
    course_assert_writable(course=course)


def _percent(raw: object, *, what: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as error:
        raise PlatformError("rules_what_give_percentage_from", what=what) from error
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise PlatformError("rules_what_give_percentage_from", what=what)
    return value.quantize(Decimal("0.01"))


def grading_scheme_set(
    *, course: Course, by: User, two: object, three: object, four: object, five: object
) -> None:
    """The total percent each mark needs; they must grow from 2 to 5."""
    _check_instructor(course=course, by=by)
    values = {
        mark: _percent(raw, what=_("Mark %(mark)s") % {"mark": mark})
        for mark, raw in ((2, two), (3, three), (4, four), (5, five))
    }
    thresholds = Thresholds(two=values[2], three=values[3], four=values[4], five=values[5])
    if thresholds.problem() == "order":
        raise PlatformError("rules_thresholds_order")
    with transaction.atomic():
        GradingScheme.objects.update_or_create(
            course=course,
            defaults={
                "mark2_percent": values[2],
                "mark3_percent": values[3],
                "mark4_percent": values[4],
                "mark5_percent": values[5],
                "updated_by": by,
            },
        )
        grade_audit_record(
            course=course,
            action="marks",
            subject="",
            by=by,
            after={str(mark): str(value) for mark, value in values.items()},
        )


def grade_condition_add(
    *,
    course: Course,
    by: User,
    purpose: str,
    column_key: str,
    requirement: str,
    min_percent: object = None,
) -> GradeCondition:
    """Add a signature or offered-grade condition on one of the course's columns."""
    _check_instructor(course=course, by=by)
    if purpose not in Purpose.__members__.values():
        raise PlatformError("rules_choose_signature_offered_grade")
    if requirement not in Requirement.__members__.values():
        raise PlatformError("rules_choose_what_condition_asks")
    columns = {c.key: c for c in gradebook_columns_for_course(course=course)}
    column = columns.get(column_key)
    if column is None:
        raise PlatformError("rules_choose_one_course_gradebook")
    percent = (
        _percent(min_percent, what=_("Share of the points"))
        if requirement == Requirement.MIN_PERCENT
        else None
    )
    try:
        with transaction.atomic():
            row = GradeCondition.objects.create(
                course=course,
                purpose=purpose,
                column_key=column_key,
                column_title=f"{column.code} {column.title}"[:250],
                requirement=requirement,
                min_percent=percent,
                created_by=by,
            )
            grade_audit_record(
                course=course,
                action="condition_add",
                subject=column_key,
                by=by,
                after={"purpose": purpose, "requirement": requirement, "min_percent": str(percent or "")},
            )
    except IntegrityError as error:
        raise PlatformError("rules_duplicate") from error
    return row


def grade_condition_remove(*, course: Course, by: User, condition_id: int) -> None:
    _check_instructor(course=course, by=by)
    row = GradeCondition.objects.filter(course=course, pk=condition_id).first()
    if row is None:
        raise NotFoundError("rules_no_such_condition")
    with transaction.atomic():
        row.delete()
        grade_audit_record(
            course=course,
            action="condition_remove",
            subject=row.column_key,
            by=by,
            before={"purpose": row.purpose, "requirement": row.requirement},
        )
