"""The gradebook's part of a term's life (lifecycle.registry): copy the weights, export a person's
grades and adjustments, remove the adjustments' free-text reasons after the retention period."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from accounts.models import Course, Role, User
from gradebook.models import Adjustment, GradebookWeights
from lifecycle.registry import Erasure, TermProvider


def weights_copy(*, source: Course, target: Course, offset: timedelta) -> list[str]:
    weights = GradebookWeights.objects.filter(course=source).first()
    if weights is None:
        return []
    GradebookWeights.objects.create(
        course=target,
        quiz_weight=weights.quiz_weight,
        assignment_weight=weights.assignment_weight,
        milestone_weight=weights.milestone_weight,
    )
    return [
        f"Gradebook weights: quizzes {weights.quiz_weight}, homework {weights.assignment_weight}, "
        f"project {weights.milestone_weight}"
    ]


def gradebook_personal_export(*, user: User) -> list[tuple[str, bytes | Path]]:
    # Imported here: AppConfig.ready() imports this module, and the selectors pull in the grader's
    # services (seconds of imports) that a management command's start should not pay for.
    from gradebook.exports import export_header, export_rows
    from gradebook.selectors import gradebook_for_student

    grades = []
    courses = Course.objects.filter(enrollments__user=user, enrollments__role=Role.STUDENT).order_by("code")
    for course in courses:
        # What the student may see: unrevealed homework points are not theirs to read yet.
        book = gradebook_for_student(course=course, student=user, as_student=True)
        row = dict(zip(export_header(book), export_rows(book)[0], strict=True))
        grades.append({"course": course.code, "row": row})
    adjustments = [
        {
            "course": a.course.code,
            "column": a.column_title or a.column_key,
            "kind": a.kind,
            "points": str(a.points) if a.points is not None else None,
            "extension_days": a.extension_days,
            "reason": a.reason,
            "recorded_at": a.created_at.isoformat(),
            "withdrawn_at": a.withdrawn_at.isoformat() if a.withdrawn_at else None,
        }
        for a in Adjustment.objects.filter(student=user).select_related("course").order_by("pk")
    ]
    return [
        ("grades/grades.json", json.dumps(grades, indent=2, ensure_ascii=False).encode()),
        ("grades/adjustments.json", json.dumps(adjustments, indent=2, ensure_ascii=False).encode()),
    ]


def gradebook_erase(*, course: Course, pseudonyms: dict[str, str]) -> Erasure:
    """The reasons (free text about a person) go; kinds, points and dates stay."""
    count = Adjustment.objects.filter(course=course).exclude(reason="").update(reason="")
    return Erasure(lines=[f"{count} gradebook adjustments: reasons removed"])


def gradebook_final_export(*, course: Course, now: datetime) -> str:
    """The gradebook's CSV export as it stands at ``now``: what a closed term keeps (course_close)."""
    from gradebook.exports import gradebook_csv
    from gradebook.selectors import gradebook_for_course

    return gradebook_csv(gradebook=gradebook_for_course(course=course, now=now))


PROVIDER = TermProvider(
    name="gradebook",
    copy=weights_copy,
    personal_export=gradebook_personal_export,
    erase=gradebook_erase,
    final_export=gradebook_final_export,
    order=40,
)
