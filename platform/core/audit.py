"""Record a change to a grade: one call from every service that changes one (see core.models)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import Course, User
from core.models import GradeAuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def grade_audit_record(
    *,
    course: Course,
    action: str,
    subject: str,
    by: User | None,
    student: User | None = None,
    before: Any = None,
    after: Any = None,
    at: datetime | None = None,
) -> GradeAuditEntry:
    """Add one entry to the course's audit log. Call inside the transaction that changes the grade, so
    the entry and the change commit (or roll back) together."""
    return GradeAuditEntry.objects.create(
        course=course,
        student=student,
        action=action,
        subject=subject[:250],
        before=_jsonable(before),
        after=_jsonable(after),
        by=by if by is not None and by.pk else None,
        at=at or timezone.now(),
    )
