"""Students' uploads: the checks a file must pass and its storage, then the row, queued for grading."""

from __future__ import annotations

import ast
import errno
import hashlib
import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

import nbformat
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.selectors import course_role
from core.errors import PermissionDeniedError, PlatformError, StorageUnavailableError
from grader import problem_catalog
from grader.models import (
    Assignment,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from grader.services.grading import submission_enqueue
from grader.services.limits import MAX_UPLOAD_BYTES, STORED_NAMES
from grader.services.points import late_days_for
from lifecycle.services.archive import course_assert_writable

logger = logging.getLogger(__name__)


EXTENSIONS = {
    ".csv": SubmissionKind.PREDICTIONS,
    ".ipynb": SubmissionKind.NOTEBOOK,
    ".py": SubmissionKind.SCRIPT,
    ".pt": SubmissionKind.MODEL,
    ".pth": SubmissionKind.MODEL,
}


def submission_kind_guess(name: str) -> str | None:
    return EXTENSIONS.get(Path(name).suffix.lower())


def submission_validate(*, assignment: Assignment, kind: str, path: Path) -> None:
    """Check an uploaded file before anything is stored; raise ``PlatformError`` saying what is wrong."""
    size = path.stat().st_size
    limit = MAX_UPLOAD_BYTES[SubmissionKind(kind)]
    if size == 0:
        raise PlatformError("file_empty")
    if size > limit:
        raise PlatformError(
            "file_size_mb_limit", size=f"{size / 1e6:.1f}", kind=kind, limit=f"{limit / 1e6:.0f}"
        )
    if kind == SubmissionKind.PREDICTIONS:
        spec = problem_catalog.catalog_problem(assignment.task_key)
        try:
            problem_catalog.catalog_validate(spec=spec, path=path)
        except problem_catalog.PredictionFormatError as error:
            raise PlatformError("wrong_format", error=str(error)) from None
    elif kind == SubmissionKind.NOTEBOOK:
        try:
            notebook = nbformat.read(str(path), as_version=4)
            nbformat.validate(notebook)
        except (ValueError, nbformat.ValidationError, UnicodeDecodeError, AttributeError, KeyError) as error:
            first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
            raise PlatformError("not_valid_jupyter_notebook", error=first) from None
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            raise PlatformError("notebook_no_code_cells")
    elif kind == SubmissionKind.SCRIPT:
        try:
            source = path.read_bytes().decode("utf-8-sig")
            ast.parse(source, filename="solution.py")  # parsing only; nothing is executed
        except UnicodeDecodeError:
            raise PlatformError("script_not_utf_text") from None
        except SyntaxError as error:
            raise PlatformError("script_syntax_error_line", line=error.lineno or 0, error=error.msg) from None
        except ValueError as error:  # NUL bytes
            raise PlatformError("script_cannot_read_error", error=str(error)) from None
    elif kind == SubmissionKind.MODEL:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head[:2] == b"PK":
            try:
                problem_catalog.zip_check(path, max_bytes=2 * limit)
            except problem_catalog.BundleError as error:
                raise PlatformError("model_file_refused_error", error=str(error)) from None
        elif head[:1] != b"\x80":
            raise PlatformError("model_must_torchscript_file")


def _today_window(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def submission_create(
    *,
    assignment: Assignment,
    user: User,
    upload: IO[bytes],
    name: str,
    kind: str | None = None,
    received_at: datetime | None = None,
) -> Submission:
    """Check and store a student's upload and queue it for grading.

    Refuses (``PlatformError``, nothing stored) outside the submission window, past the daily limit (scored
    submissions and those still in the queue count; failed ones do not), a kind the assignment does not
    accept and any file that fails the upload checks.

    ``received_at`` is when the upload reached the server (default: now). The window, the late days and
    the day of the daily limit are judged by it: an upload in before the deadline is on time however long it
    then waited for its turn (grader.upload_turns) or its checks.
    """
    role = course_role(user=user, course=assignment.course)
    if role is None:
        raise PermissionDeniedError("not_enrolled_in_course")
    course_assert_writable(course=assignment.course)
    now = received_at or timezone.now()
    if now < assignment.opens_at:
        raise PlatformError(
            "assignment_opens_when", when=f"{timezone.localtime(assignment.opens_at):%Y-%m-%d %H:%M}"
        )
    cutoff = assignment.late_cutoff or assignment.deadline
    if now > cutoff:
        raise PlatformError("submission_deadline_passed_no")
    kind = kind or submission_kind_guess(name)
    if kind is None:
        raise PlatformError("upload_csv_predictions_ipynb")
    if kind not in assignment.kinds:
        accepted = ", ".join(str(SubmissionKind(k).label) for k in assignment.kinds)
        raise PlatformError("assignment_accepts_kinds", kinds=accepted)
    # Checked here before the file is read (a quick refusal), and again under a lock with the insert.
    _daily_limit_check(assignment=assignment, user=user, now=now, lock=False)
    return _submission_store(
        assignment=assignment,
        user=user,
        kind=kind,
        handle=upload,
        name=name,
        daily_limit=True,
        received_at=now,
    )


def _daily_limit_check(*, assignment: Assignment, user: User, now: datetime, lock: bool = True) -> None:
    """Refuse when today's uploads that count reach the assignment's daily limit.

    With ``lock``, call inside the transaction that inserts the new submission: the student's own row is
    locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already serialise
    writers), so parallel uploads of one student, on any number of web processes, count one after the
    other. Twelve parallel uploads against a limit of 3 stored ten to twelve before this lock.
    """
    if lock:
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()
    start, end = _today_window(now)
    used = (
        Submission.objects.filter(
            assignment=assignment, user=user, received_at__gte=start, received_at__lt=end
        )
        .exclude(status=SubmissionStatus.FAILED)
        .count()
    )
    if used >= assignment.daily_limit:
        raise PlatformError("daily_limit", limit=assignment.daily_limit)


def _submission_store(
    *,
    assignment: Assignment,
    user: User | None,
    kind: str,
    handle: IO[bytes],
    name: str,
    is_reference: bool = False,
    daily_limit: bool = False,
    received_at: datetime | None = None,
) -> Submission:
    """Copy, check and store the file, then insert the row and queue it; nothing half-done on any error.

    The file is written under a temporary name, flushed to disk and renamed (``core.storage``), and
    deleted again if the row cannot be inserted; a full disk or a failing volume is a
    ``StorageUnavailableError`` that leaves nothing behind. The broker is only reached after the commit and
    never fails the upload (``submission_enqueue``).
    """
    limit = MAX_UPLOAD_BYTES[SubmissionKind(kind)]
    try:
        with tempfile.TemporaryDirectory(prefix="dlip-upload-") as folder:
            path = Path(folder) / STORED_NAMES[SubmissionKind(kind)]
            digest = hashlib.sha256()
            size = 0
            with path.open("wb") as out:
                while chunk := handle.read(1 << 20):
                    size += len(chunk)
                    if size > limit:
                        raise PlatformError("file_larger_limit_mb", limit=f"{limit / 1e6:.0f}", kind=kind)
                    digest.update(chunk)
                    out.write(chunk)
            submission_validate(assignment=assignment, kind=kind, path=path)
            # The file first, then the row: a row never points at a missing file.
            with path.open("rb") as source:
                stored = default_storage.save(
                    f"grader/submissions/{assignment.pk}/{digest.hexdigest()[:16]}-{path.name}", File(source)
                )
    except OSError as error:
        raise _storage_error(error) from error
    committed = False

    def mark_committed() -> None:
        nonlocal committed
        committed = True

    try:
        with transaction.atomic():
            transaction.on_commit(mark_committed)  # before the send's callback: runs first
            now = received_at or timezone.now()
            if daily_limit and user is not None:
                _daily_limit_check(assignment=assignment, user=user, now=now)
            submission = Submission.objects.create(
                assignment=assignment,
                user=user,
                is_reference=is_reference,
                kind=kind,
                file=stored,
                original_name=Path(name).name[:255],
                size=size,
                sha256=digest.hexdigest(),
                received_at=now,
                late_days=0 if is_reference else late_days_for(assignment=assignment, received_at=now),
            )
            submission_enqueue(submission=submission)
    except BaseException:
        if not committed:  # a committed row keeps its file, whatever happens after the commit
            default_storage.delete(stored)
        raise
    return submission


def _storage_error(error: OSError) -> PlatformError:
    logger.error("storing an upload failed: %s", error)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailableError("upload_storage_full")
    return StorageUnavailableError("storage_error")
