"""Personal data as the GDPR asks: a person downloads everything the site holds about them, and after
a course's retention period its personal data is erased or pseudonymised while the statistics stay."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import Course, Enrollment, Invitation, Role, User
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


def user_pseudonym(*, user_id: int) -> str:
    """Six characters that are never a Neptun code ('#' first), so they cannot clash with a real one."""
    digits, number = "", user_id
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rest] + digits
    return "#" + digits.rjust(5, "0")[-5:]


def _pseudonyms(*, course: Course) -> tuple[dict[str, str], list[int]]:
    """{Neptun code: what replaces it} for the course's students, and the accounts to pseudonymise.

    A student who is also in a course whose data is still kept keeps their account (their code maps to
    itself); the others get ``user_pseudonym``. Providers replace the codes they hold by this map, so the
    gradebook, which joins quiz seats to people by code, adds up the same after erasure.
    """
    students = list(
        User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT).values_list(
            "pk", "neptun_code"
        )
    )
    kept = set(
        Enrollment.objects.filter(user__in=[pk for pk, _code in students])
        .exclude(course=course)
        .exclude(course__term_state__erased_at__isnull=False)
        .values_list("user_id", flat=True)
    )
    mapping: dict[str, str] = {}
    erase: list[int] = []
    for pk, code in students:
        if pk in kept:
            if code:
                mapping[code] = code
            continue
        erase.append(pk)
        if code:
            mapping[code] = user_pseudonym(user_id=pk)
    return mapping, erase


def _users_pseudonymise(*, user_ids: list[int]) -> int:
    """Name, Neptun code, e-mail and password go; the rows stay (under ``erased-<id>``), so counts and
    averages stay right. A queryset update: the pseudonym is on purpose not a valid Neptun code."""
    count = 0
    for pk in user_ids:
        count += (
            User.objects.filter(pk=pk)
            .exclude(username__startswith="erased-")
            .update(
                username=f"erased-{pk}",
                neptun_code=user_pseudonym(user_id=pk),
                full_name="",
                first_name="",
                last_name="",
                email="",
                password=make_password(None),
                is_active=False,
            )
        )
    Invitation.objects.filter(user_id__in=user_ids).delete()
    Token.objects.filter(user_id__in=user_ids).delete()
    return count


def _audit_value(value: Any, pseudonyms: dict[str, str]) -> Any:
    if isinstance(value, str):
        return pseudonyms.get(value, value)
    if isinstance(value, list):
        return [_audit_value(v, pseudonyms) for v in value]
    if isinstance(value, dict):
        # Free text (an adjustment's reason) may name anyone: it goes, the numbers stay.
        return {k: "" if k == "reason" else _audit_value(v, pseudonyms) for k, v in value.items()}
    return value


def _audit_erase(*, course: Course, pseudonyms: dict[str, str]) -> int:
    """The audit log keeps who changed which grade from what to what, with the students' codes replaced."""
    entries = list(GradeAuditEntry.objects.filter(course=course))
    for entry in entries:
        entry.before = _audit_value(entry.before, pseudonyms)
        entry.after = _audit_value(entry.after, pseudonyms)
    GradeAuditEntry.objects.bulk_update(entries, ["before", "after"], batch_size=500)
    return len(entries)


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
            pseudonyms, accounts = _pseudonyms(course=course)
            for provider in term_providers():
                if provider.erase is not None:
                    erasure: Erasure = provider.erase(course=course, pseudonyms=pseudonyms)
                    plan.lines += erasure.lines
                    plan.files += erasure.files
            audited = _audit_erase(course=course, pseudonyms=pseudonyms)
            plan.lines.append(f"{audited} grade audit entries: Neptun codes and reasons replaced")
            plan.users = _users_pseudonymise(user_ids=accounts)
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
            transaction.on_commit(lambda: _files_remove(files))
    except _DryRun:
        pass
    return plan


def _files_remove(files: list[Path]) -> None:
    for path in files:
        path.unlink(missing_ok=True)


def retention_sweep(*, dry_run: bool, now: datetime | None = None) -> list[ErasurePlan]:
    """Erase the personal data of every course whose retention period has passed (see retention_due)."""
    now = now or timezone.now()
    return [
        course_personal_data_erase(course=course, due=due, dry_run=dry_run, now=now)
        for course, due in retention_due(now=now)
    ]
