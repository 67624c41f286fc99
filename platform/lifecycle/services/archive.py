"""Closing a term: the course becomes read-only and its final grade export is frozen with its date.

Every service that uploads, starts a game or changes a grade calls ``course_assert_writable`` first;
only an instructor's explicit, recorded reopening lifts it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Course, User
from accounts.selectors import course_is_instructor
from core.errors import PermissionDeniedError, PlatformError
from lifecycle.models import CourseTerm, TermEvent, TermEventKind
from lifecycle.registry import term_final_export


class CourseClosedError(PlatformError):
    code = "course_closed"


def course_is_closed(*, course: Course) -> bool:
    return CourseTerm.objects.filter(course=course, closed_at__isnull=False).exists()


def course_assert_writable(*, course: Course | None) -> None:
    """Raise ``CourseClosedError`` when the course's term is closed (None: no course, always writable)."""
    if course is None:
        return
    if course_is_closed(course=course):
        raise CourseClosedError("course_closed", course=course.code)


def _instructor_check(*, course: Course, by: User | None) -> None:
    # by=None: a management command run by the site's operator.
    if by is not None and not (by.is_superuser or course_is_instructor(user=by, course=course)):
        raise PermissionDeniedError("only_course_instructors_close")


def course_term(*, course: Course) -> CourseTerm:
    term, _created = CourseTerm.objects.get_or_create(course=course)
    return term


def course_close(*, course: Course, by: User | None, now: datetime | None = None) -> CourseTerm:
    """Close the term: freeze the gradebook's CSV export (text, checksum, date) and refuse changes.

    Closing a closed course changes nothing (the frozen export stays the one made at closing).
    """
    _instructor_check(course=course, by=by)
    now = now or timezone.now()
    with transaction.atomic():
        term = course_term(course=course)
        term = CourseTerm.objects.select_for_update().get(pk=term.pk)
        if term.closed_at is not None:
            return term
        export = term_final_export(course=course, now=now)
        term.closed_at = now
        term.closed_by = by
        term.final_export_csv = export
        term.final_export_sha256 = hashlib.sha256(export.encode()).hexdigest()
        term.final_export_at = now
        term.save()
        TermEvent.objects.create(
            course=course,
            kind=TermEventKind.CLOSED,
            by=by,
            at=now,
            detail={"final_export_sha256": term.final_export_sha256},
        )
    return term


def course_reopen(*, course: Course, by: User | None, reason: str, now: datetime | None = None) -> CourseTerm:
    """Reopen a closed term; the reason is kept on the record. The frozen export stays until the next
    closing replaces it (its checksum is kept in the reopening's record)."""
    _instructor_check(course=course, by=by)
    reason = (reason or "").strip()
    if not reason:
        raise PlatformError("say_why_term_reopened")
    now = now or timezone.now()
    with transaction.atomic():
        term = CourseTerm.objects.select_for_update().filter(course=course).first()
        if term is None or term.closed_at is None:
            raise PlatformError("term_not_closed")
        if term.erased_at is not None:
            raise PlatformError("personal_data_term_erased")
        TermEvent.objects.create(
            course=course,
            kind=TermEventKind.REOPENED,
            by=by,
            at=now,
            reason=reason,
            detail={
                "closed_at": term.closed_at.isoformat(),
                "final_export_sha256": term.final_export_sha256,
            },
        )
        term.closed_at = None
        term.closed_by = None
        term.save(update_fields=["closed_at", "closed_by"])
    return term


def course_retention_set(*, course: Course, by: User | None, days: int) -> CourseTerm:
    _instructor_check(course=course, by=by)
    if not 30 <= days <= 3650:
        raise PlatformError("keep_personal_data_days")
    with transaction.atomic():
        term = course_term(course=course)
        before = term.retention_days
        term.retention_days = days
        term.save(update_fields=["retention_days"])
        TermEvent.objects.create(
            course=course,
            kind=TermEventKind.RETENTION,
            by=by,
            at=timezone.now(),
            detail={"before": before, "after": days},
        )
    return term


def course_erasure_due(*, course: Course) -> datetime | None:
    """When the retention sweep will erase the course's personal data (None: the term is still open)."""
    term = CourseTerm.objects.filter(course=course).first()
    if term is None or term.closed_at is None:
        return None
    return term.closed_at + timedelta(days=term.retention_days)
