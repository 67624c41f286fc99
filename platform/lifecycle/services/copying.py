"""Next term from this one: a new course with the old one's quizzes, assignments, rubrics, milestones
and weights, dates moved by an offset. Never students, submissions, games or grades: each app's copy
provider copies only what it owns (lifecycle.registry)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Course, Enrollment, Role, User
from core.errors import PlatformError
from lifecycle.models import TermEvent, TermEventKind
from lifecycle.registry import term_providers
from lifecycle.services.archive import _instructor_check

MAX_OFFSET_DAYS = 3 * 366
# The code is part of every course URL (/…/courses/<code>/): no slashes, spaces or anything to escape.
COURSE_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


@dataclass
class CopyPlan:
    """What a copy made (or, in a dry run, would make): one line per thing, and the new course."""

    source: Course
    target_code: str
    dry_run: bool
    lines: list[str] = field(default_factory=list)
    target: Course | None = None


class _DryRun(Exception):
    """Raised to roll the dry run back: it runs the very same code as the real copy."""


def course_copy(
    *,
    source: Course,
    code: str,
    term: str,
    offset_days: int,
    by: User | None,
    title: str = "",
    dry_run: bool = False,
) -> CopyPlan:
    """Copy ``source`` into a new course ``code`` for ``term``, every date moved by ``offset_days``.

    ``by`` (None: a management command) must be an instructor of the source; they become the new
    course's instructor. Raises ``PlatformError`` (nothing made) if the code is taken or the input is bad.
    """
    _instructor_check(course=source, by=by)
    code = (code or "").strip()
    term = (term or "").strip()
    if not COURSE_CODE.fullmatch(code):
        raise PlatformError("give_new_course_code")
    if not term or len(term) > 20:
        raise PlatformError("term_missing")
    if abs(offset_days) > MAX_OFFSET_DAYS:
        raise PlatformError("move_dates_most_three")
    if Course.objects.filter(code__iexact=code).exists():
        raise PlatformError("course_code_exists", code=code)
    offset = timedelta(days=offset_days)
    plan = CopyPlan(source=source, target_code=code, dry_run=dry_run)
    try:
        with transaction.atomic():
            target = Course.objects.create(code=code, title=(title or source.title).strip()[:200], term=term)
            plan.lines.append(_("Course %(code)s (%(term)s)") % {"code": code, "term": term})
            if by is not None:
                Enrollment.objects.create(course=target, user=by, role=Role.INSTRUCTOR)
                plan.lines.append(_("Instructor: %(name)s") % {"name": by.display_name})
            for provider in term_providers():
                if provider.copy is not None:
                    plan.lines += provider.copy(source=source, target=target, offset=offset)
            TermEvent.objects.create(
                course=source,
                kind=TermEventKind.COPIED,
                by=by,
                at=timezone.now(),
                detail={"target": code, "offset_days": offset_days, "made": len(plan.lines)},
            )
            plan.target = target
            if dry_run:
                raise _DryRun
    except _DryRun:
        plan.target = None
    return plan
