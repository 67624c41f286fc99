"""Personal data as the GDPR asks: a person downloads everything the site holds about them, and after
a course's retention period its personal data is erased or pseudonymised while the statistics stay."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from core.models import GradeAuditEntry
from lifecycle.models import CourseTerm, TermEvent, TermEventKind
from lifecycle.registry import Erasure, term_providers


def _account(user: User) -> dict:
    return {
        "username": user.username,
        "neptun_code": user.neptun_code,
        "full_name": user.full_name,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
    }


def personal_data_export(*, user: User, out: IO[bytes]) -> list[str]:
    """Write one zip of everything the site holds about ``user`` to ``out``; return its file names.

    Only ``user``'s own rows: the caller must make sure the person asking is ``user``.
    """
    enrolments = [
        {"course": e.course.code, "title": e.course.title, "term": e.course.term, "role": e.role}
        for e in Enrollment.objects.filter(user=user).select_related("course").order_by("course__code")
    ]
    audit = [
        {
            "course": a.course.code,
            "change": a.action,
            "what": a.subject,
            "before": a.before,
            "after": a.after,
            "at": a.at.isoformat(),
        }
        for a in GradeAuditEntry.objects.filter(student=user).select_related("course").order_by("at", "pk")
    ]
    items: list[tuple[str, bytes | Path]] = [
        ("account.json", json.dumps(_account(user), indent=2, ensure_ascii=False).encode()),
        ("enrolments.json", json.dumps(enrolments, indent=2, ensure_ascii=False).encode()),
        ("grades/changes.json", json.dumps(audit, indent=2, ensure_ascii=False).encode()),
    ]
    for provider in term_providers():
        if provider.personal_export is not None:
            items += provider.personal_export(user=user)
    names = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in items:
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
            names.append(name)
        archive.writestr(
            "README.txt",
            "Everything the Deep Learning in practice platform holds about you, as of "
            f"{timezone.now():%Y-%m-%d %H:%M} UTC. JSON files list the rows; files are as uploaded.\n",
        )
    return names


@dataclass
class ErasurePlan:
    course: Course
    due: datetime
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    users: int = 0


class _DryRun(Exception):
    pass


def _users_pseudonymise(*, course: Course) -> int:
    """Students of ``course`` with no other course whose data is still kept lose their name, Neptun code,
    e-mail and password; their rows stay (under ``erased-<id>``), so counts and averages stay right."""
    students = User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT)
    kept = (
        Enrollment.objects.filter(user__in=students)
        .exclude(course=course)
        .exclude(course__term_state__erased_at__isnull=False)
    )
    keep_ids = set(kept.values_list("user_id", flat=True))
    count = 0
    for user in students.exclude(pk__in=keep_ids).exclude(username__startswith="erased-"):
        user.username = f"erased-{user.pk}"
        user.neptun_code = None
        user.full_name = ""
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.password = make_password(None)
        user.is_active = False
        user.save()
        user.invitations.all().delete()
        count += 1
    return count


def retention_due(*, now: datetime | None = None) -> list[tuple[Course, datetime]]:
    """Closed courses whose retention period has passed and whose data is not erased yet."""
    now = now or timezone.now()
    due = []
    for term in CourseTerm.objects.filter(closed_at__isnull=False, erased_at__isnull=True).select_related(
        "course"
    ):
        assert term.closed_at is not None
        when = term.closed_at + timedelta(days=term.retention_days)
        if when <= now:
            due.append((term.course, when))
    return due


def course_personal_data_erase(
    *, course: Course, due: datetime, dry_run: bool, now: datetime | None = None
) -> ErasurePlan:
    """Erase one course's personal data (every provider, then the people's accounts). A dry run does
    the same in a transaction that is rolled back, and removes no file."""
    now = now or timezone.now()
    plan = ErasurePlan(course=course, due=due)
    try:
        with transaction.atomic():
            for provider in term_providers():
                if provider.erase is not None:
                    erasure: Erasure = provider.erase(course=course)
                    plan.lines += erasure.lines
                    plan.files += erasure.files
            plan.users = _users_pseudonymise(course=course)
            plan.lines.append(f"{plan.users} student accounts pseudonymised")
            CourseTerm.objects.filter(course=course).update(erased_at=now)
            TermEvent.objects.create(
                course=course,
                kind=TermEventKind.ERASED,
                at=now,
                detail={"files": len(plan.files), "accounts": plan.users},
            )
            if dry_run:
                raise _DryRun
            files = list(plan.files)
            transaction.on_commit(lambda: [p.unlink(missing_ok=True) for p in files])
    except _DryRun:
        pass
    return plan


def retention_sweep(*, dry_run: bool, now: datetime | None = None) -> list[ErasurePlan]:
    """Erase the personal data of every course whose retention period has passed (see retention_due)."""
    now = now or timezone.now()
    return [
        course_personal_data_erase(course=course, due=due, dry_run=dry_run, now=now)
        for course, due in retention_due(now=now)
    ]
