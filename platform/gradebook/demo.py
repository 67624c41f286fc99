"""Demo content: the course's weights and one adjustment of each kind, so the demo shows them.

Idempotent: the weights are set again to the same values, and an adjustment is recorded only when the
demo's record (same student, column, kind and reason) is not there yet.
"""

from decimal import Decimal
from typing import Any

from accounts.models import Course, Enrollment, Role, User
from gradebook.arithmetic import AdjustmentKind, Category
from gradebook.course_rules import grade_condition_add, grading_scheme_set
from gradebook.models import Adjustment, GradeCondition
from gradebook.selectors import gradebook_columns_for_course
from gradebook.services import adjustment_record, weights_set

DEMO_WEIGHTS = {"quiz": Decimal("20"), "assignment": Decimal("50"), "milestone": Decimal("30")}
# (kind, category of the column, index of the demo student, reason)
DEMO_ADJUSTMENTS = [
    (
        AdjustmentKind.EXCUSED,
        Category.QUIZ,
        0,
        "Demo: away at the national student conference (letter on file).",
    ),
    (AdjustmentKind.EXTENSION, Category.ASSIGNMENT, 1, "Demo: ill for three days, doctor's note on file."),
    (AdjustmentKind.OVERRIDE, Category.MILESTONE, 2, "Demo: regraded after the team's appeal."),
]


def demo_seed(*, course: Course, stdout: Any) -> None:
    instructor = (
        Enrollment.objects.filter(course=course, role=Role.INSTRUCTOR)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if instructor is None:
        stdout.write("  gradebook: no instructor in the course, nothing to seed")
        return
    by = instructor.user
    weights_set(course=course, by=by, **DEMO_WEIGHTS)
    students = list(
        User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT)
        .exclude(neptun_code__isnull=True)
        .order_by("neptun_code")[:3]
    )
    columns = gradebook_columns_for_course(course=course)
    recorded = 0
    for kind, category, index, reason in DEMO_ADJUSTMENTS:
        column = next((c for c in columns if c.category == category), None)
        if column is None or not students:
            continue
        student = students[index % len(students)]
        if Adjustment.objects.filter(
            course=course, student=student, column_key=column.key, kind=kind, reason=reason
        ).exists():
            continue
        adjustment_record(
            course=course,
            student=student,
            column_key=column.key,
            kind=kind,
            reason=reason,
            by=by,
            points=column.max_points if kind == AdjustmentKind.OVERRIDE else None,
            extension_days=3 if kind == AdjustmentKind.EXTENSION else None,
        )
        recorded += 1
    conditions = _demo_rules(course=course, by=by, columns=columns)
    stdout.write(
        f"  gradebook: weights 20/50/30, {recorded} new demo adjustment(s), {len(columns)} columns,"
        f" marks 40/55/70/85 %, {conditions} signature/offered-grade conditions"
        f" — /gradebook/courses/{course.code}/"
    )


def _demo_rules(*, course: Course, by: User, columns: list) -> int:
    """The course's rules as the slides put them: the signature needs every homework handed in; the offered
    grade needs the project's milestones on time (the final: handed in)."""
    grading_scheme_set(course=course, by=by, two="40", three="55", four="70", five="85")
    wanted = [("signature", c.key, "handed_in") for c in columns if c.category == Category.ASSIGNMENT]
    milestones = [c for c in columns if c.category == Category.MILESTONE]
    wanted += [("offered", c.key, "on_time") for c in milestones[:-1]]
    wanted += [("offered", c.key, "handed_in") for c in milestones[-1:]]
    existing = set(
        GradeCondition.objects.filter(course=course).values_list("purpose", "column_key", "requirement")
    )
    for purpose, key, requirement in wanted:
        if (purpose, key, requirement) not in existing:
            grade_condition_add(
                course=course, by=by, purpose=purpose, column_key=key, requirement=requirement
            )
    return len(wanted)
