"""Writes of the autograder: assignments, submissions, the grading pipeline, regrades and the sweeper.

The pipeline of one submission::

    submission_create   file stored, then the row (RECEIVED), then QUEUED and the message on commit
    submission_grade    a worker claims it (QUEUED -> RUNNING, guarded), runs the student's part in the
                        sandbox (ingestion), scores the predictions in trusted code, records the result
                        once (a Grading row per generation, unique), RUNNING -> SCORED or FAILED
    submission_sweep    re-queues what is stuck past its limits; fails it after GRADER_MAX_ATTEMPTS tries

Hidden labels are read by the scorer only; the sandbox gets the task's ``public/`` folder.
"""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any

import nbformat
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Course, User
from accounts.selectors import course_is_instructor, course_role
from core.audit import grade_audit_record
from core.errors import PermissionDeniedError, PlatformError, StorageUnavailableError
from grader import tasks_catalog
from grader.models import (
    Assignment,
    Grading,
    LeaderboardRule,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    Verdict,
)
from lifecycle.services.archive import course_assert_writable

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = {
    SubmissionKind.PREDICTIONS: 20 * 1024 * 1024,
    SubmissionKind.NOTEBOOK: 20 * 1024 * 1024,
    SubmissionKind.SCRIPT: 2 * 1024 * 1024,
    SubmissionKind.MODEL: 200 * 1024 * 1024,
}
EXTENSIONS = {
    ".csv": SubmissionKind.PREDICTIONS,
    ".ipynb": SubmissionKind.NOTEBOOK,
    ".py": SubmissionKind.SCRIPT,
    ".pt": SubmissionKind.MODEL,
    ".pth": SubmissionKind.MODEL,
}
STORED_NAMES = {
    SubmissionKind.PREDICTIONS: "predictions.csv",
    SubmissionKind.NOTEBOOK: "solution.ipynb",
    SubmissionKind.SCRIPT: "solution.py",
    SubmissionKind.MODEL: "model.pt",
}
QUEUE_CPU = "grading-cpu"
QUEUE_GPU = "grading-gpu"
MAX_HTML_SOURCE_BYTES = 30 * 1024 * 1024


def _setting(name: str, default: Any) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return type(default)(value)


def max_attempts() -> int:
    """How many times a submission may be claimed by a worker before it is failed (worker losses)."""
    return _setting("GRADER_MAX_ATTEMPTS", 3)


def retry_backoff_seconds(*, attempt: int) -> float:
    """The pause before retry number ``attempt`` (1, 2, ...) of a job the platform failed: doubling each
    time from GRADER_RETRY_BACKOFF_SECONDS, at most GRADER_RETRY_BACKOFF_MAX_SECONDS."""
    base = float(_setting("GRADER_RETRY_BACKOFF_SECONDS", 5.0))
    maximum = float(_setting("GRADER_RETRY_BACKOFF_MAX_SECONDS", 120.0))
    return min(maximum, base * 2 ** max(0, attempt - 1))


# --- assignments ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRules:
    """The instructor's choices for a new assignment (everything but the course and the task)."""

    title: str
    description: str = ""
    kinds: tuple[str, ...] = tuple(SubmissionKind.values)
    points: Decimal = Decimal("10")
    score_zero_points: float | None = None
    score_full_points: float | None = None
    opens_at: datetime | None = None
    deadline: datetime | None = None
    late_penalty_percent_per_day: float = 10.0
    late_cutoff: datetime | None = None
    daily_limit: int = 5
    public_fraction: float = 0.5
    leaderboard_rule: str = LeaderboardRule.BEST
    wall_seconds: int = 600
    memory_mb: int = 4096
    use_gpu: bool = False
    ask_named_dates: bool = False


def _rules_check(rules: AssignmentRules, spec: tasks_catalog.TaskSpec) -> None:
    if not rules.title.strip():
        raise PlatformError(gettext("The assignment needs a title."))
    unknown = set(rules.kinds) - set(SubmissionKind.values)
    if not rules.kinds or unknown:
        raise PlatformError(
            gettext("Accepted kinds must be some of %(kinds)s.") % {"kinds": ", ".join(SubmissionKind.values)}
        )
    if SubmissionKind.MODEL in rules.kinds and spec.key.startswith(tasks_catalog.BUNDLE_PREFIX):
        raise PlatformError(
            gettext("Model submissions need a reference task (its architecture); not a data bundle.")
        )
    if not 0 < rules.public_fraction < 1:
        raise PlatformError(gettext("The leaderboard's public fraction must be between 0 and 1 (e.g. 0.5)."))
    if rules.deadline and rules.opens_at and rules.deadline <= rules.opens_at:
        raise PlatformError(gettext("The deadline must be after the opening time."))
    if rules.late_cutoff and rules.deadline and rules.late_cutoff < rules.deadline:
        raise PlatformError(gettext("The late cut-off must not be before the deadline."))
    if rules.wall_seconds < 1 or rules.memory_mb < 64:
        raise PlatformError(gettext("Run limits: at least 1 second and 64 MiB."))
    # The grading task must finish under Celery's soft time limit: the run, the preview and a minute to spare.
    soft_limit = _setting("GRADER_TASK_SOFT_TIME_LIMIT", 3600.0)
    longest = int(soft_limit - _setting("GRADER_RENDER_SECONDS", 60.0) - 60)
    if rules.wall_seconds > longest:
        raise PlatformError(
            gettext("Run limits: at most %(seconds)d seconds on this server.") % {"seconds": max(1, longest)}
        )
    if rules.points < 0 or rules.late_penalty_percent_per_day < 0:
        raise PlatformError(gettext("Points and the late penalty cannot be negative."))
    if rules.ask_named_dates and not spec.named_dates:
        raise PlatformError(gettext("This task names no dates to record separately."))
    if spec.practice_only and rules.points > 0:
        raise PlatformError(
            gettext(
                "%(task)s is practice only: its test answers can be looked up in data that ships with the "
                "grader (%(reason)s), so it cannot give points. Set the points to 0 for a practice "
                "assignment, or upload a private data bundle (a zip with public/ and hidden/test_labels.csv) "
                "made from data the students cannot get."
            )
            % {"task": spec.key, "reason": spec.practice_only}
        )


def _default_zero_points(spec: tasks_catalog.TaskSpec) -> float:
    if spec.metric == "accuracy" and spec.classes:
        return 1.0 / len(spec.classes)  # guessing
    if spec.zero_points_score is not None:  # the task's simple baseline (copying yesterday) earns nothing
        return spec.zero_points_score
    raise PlatformError(
        gettext("Give the score that earns zero points (e.g. the MAE of a constant prediction).")
    )


def assignment_create(
    *,
    course: Course,
    by: User | None,
    task_key: str | None = None,
    bundle: IO[bytes] | None = None,
    rules: AssignmentRules,
    reference_epochs: int | None = None,
) -> Assignment:
    """Create an assignment for a reference task (``task_key``) or an uploaded data bundle (a zip).

    For a reference task the reference solution is trained once (cached) and submitted through the same
    pipeline as a student's (as a model when models are accepted, else as predictions); its score becomes
    the baseline. ``by`` must be an instructor of the course (``None``: a management command).
    """
    if by is not None and not course_is_instructor(user=by, course=course):
        raise PermissionDeniedError("Only the course's instructors can create assignments.")
    course_assert_writable(course=course)
    if (task_key is None) == (bundle is None):
        raise PlatformError(gettext("Choose a reference task or upload a data bundle (exactly one)."))
    stored_bundle: File | None = None
    leak_report = ""
    if bundle is not None:
        with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
            shutil.copyfileobj(bundle, handle)
            handle.flush()
            try:
                spec = tasks_catalog.catalog_bundle_install(Path(handle.name))
            except tasks_catalog.BundleError as error:
                raise PlatformError(
                    gettext("The data bundle was not accepted: %(error)s") % {"error": error}
                ) from None
            handle.seek(0)
            stored_bundle = ContentFile(handle.read(), name=f"{spec.key}.zip")
        leak_report = _bundle_leak_report(spec.key)
    else:
        assert task_key is not None
        if retired := tasks_catalog.catalog_task_retired(task_key):
            raise PlatformError(
                gettext("%(task)s takes no new assignments: %(reason)s.")
                % {"task": task_key, "reason": retired}
            )
        if task_key not in tasks_catalog.catalog_task_names():
            raise PlatformError(
                gettext("Unknown task %(task)s; choose one of %(tasks)s.")
                % {"task": repr(task_key), "tasks": ", ".join(tasks_catalog.catalog_task_names())}
            )
        spec = tasks_catalog.catalog_task(task_key)
    _rules_check(rules, spec)
    # Trained (or found in the cache) before any transaction: training holds no database lock.
    reference = tasks_catalog.catalog_reference(spec.key, epochs=reference_epochs) if bundle is None else None
    now = timezone.now()
    opens_at = rules.opens_at or now
    deadline = rules.deadline or opens_at + timedelta(days=14)
    assignment = Assignment(
        course=course,
        title=rules.title.strip(),
        description=rules.description,
        task_key=spec.key,
        kinds=list(rules.kinds),
        metric=spec.metric,
        higher_is_better=spec.higher_is_better,
        points=rules.points,
        score_zero_points=rules.score_zero_points
        if rules.score_zero_points is not None
        else _default_zero_points(spec),
        score_full_points=rules.score_full_points,
        opens_at=opens_at,
        deadline=deadline,
        late_penalty_percent_per_day=rules.late_penalty_percent_per_day,
        late_cutoff=rules.late_cutoff,
        daily_limit=rules.daily_limit,
        public_fraction=rules.public_fraction,
        leaderboard_rule=rules.leaderboard_rule,
        wall_seconds=rules.wall_seconds,
        memory_mb=rules.memory_mb,
        use_gpu=rules.use_gpu,
        ask_named_dates=rules.ask_named_dates,
        leak_report=leak_report,
        created_by=by,
    )
    if stored_bundle is not None:
        assignment.bundle.save(stored_bundle.name or "bundle.zip", stored_bundle, save=False)
    with transaction.atomic():
        assignment.save()
        if reference is not None:
            if SubmissionKind.MODEL in assignment.kinds:
                kind, source = SubmissionKind.MODEL, reference.model_path
            else:
                kind, source = SubmissionKind.PREDICTIONS, reference.predictions_path
            with source.open("rb") as handle:
                _submission_store(
                    assignment=assignment,
                    user=None,
                    kind=kind,
                    handle=handle,
                    name=source.name,
                    is_reference=True,
                )
    return assignment


def _bundle_leak_report(key: str) -> str:
    """The leak check of an installed bundle, as the text stored on the assignment for the staff."""
    report = tasks_catalog.catalog_bundle_leak_check(key)
    if report is None:
        return gettext(
            "Leak check: not done; the bundle has no numeric public/test.npz with the test inputs as x."
        )
    if report.clean:
        return report.text()
    return (
        gettext(
            "Warning: some test inputs can be looked up, with their labels, in data the sandbox can read."
        )
        + "\n"
        + report.text()
    )


def assignment_regrade(*, assignment: Assignment, by: User | None) -> int:
    """Grade every finished submission of the assignment again (test set or scorer changed).

    Each gets a new generation, so its new result is recorded once more; returns how many were queued.
    """
    if by is not None and not course_is_instructor(user=by, course=assignment.course):
        raise PermissionDeniedError("Only the course's instructors can regrade an assignment.")
    course_assert_writable(course=assignment.course)
    count = 0
    before: dict[int, str | None] = {}
    with transaction.atomic():
        done = Submission.objects.select_for_update().filter(
            assignment=assignment, status__in=[SubmissionStatus.SCORED, SubmissionStatus.FAILED]
        )
        for submission in done:
            before[submission.pk] = None if submission.points is None else str(submission.points)
            submission.generation += 1
            submission.attempts = 0
            for name in (
                "score",
                "score_public",
                "score_private",
                "points",
                "run_seconds",
                "peak_memory_bytes",
            ):
                setattr(submission, name, None)
            submission.verdict = ""
            submission.verdict_detail = ""
            submission.log = ""
            submission.started_at = submission.finished_at = submission.scored_at = None
            submission.save()
            submission_enqueue(submission=submission)
            count += 1
        grade_audit_record(
            course=assignment.course, action="regrade", subject=assignment.title, by=by, before=before
        )
    return count


def assignment_update(*, assignment: Assignment, by: User | None, rules: AssignmentRules) -> int:
    """Change an assignment's rules (not its task): times, late policy, scoring rule, limits, board.

    Late days and points of the finished submissions follow the new rules at once. A new public fraction
    changes the split of the test set, so every finished submission is regraded; returns how many were
    queued for that (0 otherwise).
    """
    if by is not None and not course_is_instructor(user=by, course=assignment.course):
        raise PermissionDeniedError("Only the course's instructors can change an assignment.")
    course_assert_writable(course=assignment.course)
    _rules_check(rules, tasks_catalog.catalog_task(assignment.task_key))
    split_changed = rules.public_fraction != assignment.public_fraction
    with transaction.atomic():
        assignment.title = rules.title.strip()
        assignment.description = rules.description
        assignment.kinds = list(rules.kinds)
        assignment.points = rules.points
        if rules.score_zero_points is not None:
            assignment.score_zero_points = rules.score_zero_points
        assignment.score_full_points = rules.score_full_points
        assignment.opens_at = rules.opens_at or assignment.opens_at
        assignment.deadline = rules.deadline or assignment.deadline
        assignment.late_penalty_percent_per_day = rules.late_penalty_percent_per_day
        assignment.late_cutoff = rules.late_cutoff
        assignment.daily_limit = rules.daily_limit
        assignment.public_fraction = rules.public_fraction
        assignment.leaderboard_rule = rules.leaderboard_rule
        assignment.wall_seconds = rules.wall_seconds
        assignment.memory_mb = rules.memory_mb
        assignment.use_gpu = rules.use_gpu
        assignment.ask_named_dates = rules.ask_named_dates
        assignment.save()
        for submission in Submission.objects.filter(assignment=assignment, is_reference=False):
            late_days = late_days_for(assignment=assignment, received_at=submission.received_at)
            if late_days != submission.late_days:
                Submission.objects.filter(pk=submission.pk).update(late_days=late_days)
        assignment_points_refresh(assignment=assignment)
        return assignment_regrade(assignment=assignment, by=by) if split_changed else 0


# --- points -----------------------------------------------------------------------------------------------


def score_fraction(*, assignment: Assignment, score: float | None) -> float | None:
    """The share of the points a score earns before any late penalty: full at the reference (or the stated
    full-points score), zero at the floor, linear between and capped. ``None`` without a score or baseline."""
    full = (
        assignment.score_full_points
        if assignment.score_full_points is not None
        else assignment.baseline_score
    )
    if score is None or full is None:
        return None
    zero = assignment.score_zero_points
    if full == zero:
        return 1.0 if (score >= full if assignment.higher_is_better else score <= full) else 0.0
    return min(1.0, max(0.0, (score - zero) / (full - zero)))


def points_for(*, assignment: Assignment, score: float | None, late_days: int) -> Decimal | None:
    """Points for a score (``score_fraction``), then the late penalty per started day. ``None`` while no
    baseline exists."""
    fraction = score_fraction(assignment=assignment, score=score)
    if fraction is None:
        return None
    fraction *= max(0.0, 1.0 - assignment.late_penalty_percent_per_day * late_days / 100.0)
    return (assignment.points * Decimal(str(fraction))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def late_days_for(*, assignment: Assignment, received_at: datetime) -> int:
    if received_at <= assignment.deadline:
        return 0
    return math.ceil((received_at - assignment.deadline) / timedelta(days=1))


# --- submissions ------------------------------------------------------------------------------------------


def submission_kind_guess(name: str) -> str | None:
    return EXTENSIONS.get(Path(name).suffix.lower())


def submission_validate(*, assignment: Assignment, kind: str, path: Path) -> None:
    """Check an uploaded file before anything is stored; raise ``PlatformError`` saying what is wrong."""
    size = path.stat().st_size
    limit = MAX_UPLOAD_BYTES[SubmissionKind(kind)]
    if size == 0:
        raise PlatformError(gettext("The file is empty."))
    if size > limit:
        raise PlatformError(
            gettext("The file is %(size)s MB; the limit for a %(kind)s is %(limit)s MB.")
            % {"size": f"{size / 1e6:.1f}", "kind": kind, "limit": f"{limit / 1e6:.0f}"}
        )
    if kind == SubmissionKind.PREDICTIONS:
        spec = tasks_catalog.catalog_task(assignment.task_key)
        try:
            tasks_catalog.catalog_validate(spec=spec, path=path)
        except tasks_catalog.PredictionFormatError as error:
            raise PlatformError(
                gettext("Wrong prediction file format: %(error)s") % {"error": error}, code="wrong_format"
            ) from None
    elif kind == SubmissionKind.NOTEBOOK:
        try:
            notebook = nbformat.read(str(path), as_version=4)
            nbformat.validate(notebook)
        except (ValueError, nbformat.ValidationError, UnicodeDecodeError, AttributeError, KeyError) as error:
            first = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
            raise PlatformError(
                gettext("This is not a valid Jupyter notebook (.ipynb JSON): %(error)s") % {"error": first}
            ) from None
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            raise PlatformError(gettext("The notebook has no code cells."))
    elif kind == SubmissionKind.SCRIPT:
        try:
            source = path.read_bytes().decode("utf-8-sig")
            ast.parse(source, filename="solution.py")  # parsing only; nothing is executed
        except UnicodeDecodeError:
            raise PlatformError(gettext("The script is not UTF-8 text.")) from None
        except SyntaxError as error:
            raise PlatformError(
                gettext("The script has a syntax error on line %(line)s: %(error)s.")
                % {"line": error.lineno, "error": error.msg}
            ) from None
        except ValueError as error:  # NUL bytes
            raise PlatformError(gettext("The script cannot be read: %(error)s.") % {"error": error}) from None
    elif kind == SubmissionKind.MODEL:
        with path.open("rb") as handle:
            head = handle.read(4)
        if head[:2] == b"PK":
            try:
                tasks_catalog.zip_check(path, max_bytes=2 * limit)
            except tasks_catalog.BundleError as error:
                raise PlatformError(
                    gettext("The model file was refused: %(error)s") % {"error": error}
                ) from None
        elif head[:1] != b"\x80":
            raise PlatformError(
                gettext(
                    "A model must be a TorchScript file (torch.jit.save) "
                    "or a state_dict saved with torch.save."
                )
            )


def _today_window(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def submission_create(
    *, assignment: Assignment, user: User, upload: IO[bytes], name: str, kind: str | None = None
) -> Submission:
    """Check and store a student's upload and queue it for grading.

    Refuses (``PlatformError``, nothing stored) outside the submission window, past the daily limit (scored
    submissions and those still in the queue count; failed ones do not), a kind the assignment does not
    accept and any file that fails the upload checks.
    """
    role = course_role(user=user, course=assignment.course)
    if role is None:
        raise PermissionDeniedError(gettext("You are not enrolled in this course."))
    course_assert_writable(course=assignment.course)
    now = timezone.now()
    if now < assignment.opens_at:
        raise PlatformError(
            gettext("This assignment opens at %(when)s.")
            % {"when": f"{timezone.localtime(assignment.opens_at):%Y-%m-%d %H:%M}"}
        )
    cutoff = assignment.late_cutoff or assignment.deadline
    if now > cutoff:
        raise PlatformError(gettext("The submission deadline has passed; no more submissions are accepted."))
    kind = kind or submission_kind_guess(name)
    if kind is None:
        raise PlatformError(
            gettext("Upload a .csv (predictions), .ipynb (notebook), .py (script) or .pt (model) file.")
        )
    if kind not in assignment.kinds:
        accepted = ", ".join(str(SubmissionKind(k).label) for k in assignment.kinds)
        raise PlatformError(gettext("This assignment accepts: %(kinds)s.") % {"kinds": accepted})
    # Checked here before the file is read (a quick refusal), and again under a lock with the insert.
    _daily_limit_check(assignment=assignment, user=user, now=now, lock=False)
    return _submission_store(
        assignment=assignment, user=user, kind=kind, handle=upload, name=name, daily_limit=True
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
        raise PlatformError(
            gettext(
                "You have used today's %(limit)s submissions; failed ones do not count. Try again tomorrow."
            )
            % {"limit": assignment.daily_limit},
            code="daily_limit",
        )


def _submission_store(
    *,
    assignment: Assignment,
    user: User | None,
    kind: str,
    handle: IO[bytes],
    name: str,
    is_reference: bool = False,
    daily_limit: bool = False,
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
                        raise PlatformError(
                            gettext("The file is larger than the %(limit)s MB limit for a %(kind)s.")
                            % {"limit": f"{limit / 1e6:.0f}", "kind": kind}
                        )
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
            now = timezone.now()
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
        message = gettext(
            "The server's disk is full, so your file could not be stored. Nothing was saved and nothing "
            "counts against your limit; please try again later (the staff have been told)."
        )
        return StorageUnavailableError(message, code="storage_full")
    return StorageUnavailableError(
        gettext(
            "The server could not store your file (a storage error, not your fault). Nothing was saved; "
            "please try again later."
        ),
        code="storage_error",
    )


def submission_queue_name(*, submission: Submission) -> str:
    if submission.kind != SubmissionKind.PREDICTIONS and submission.assignment.use_gpu:
        return QUEUE_GPU
    return QUEUE_CPU


def submission_enqueue(*, submission: Submission, countdown: float | None = None) -> None:
    """Mark the submission queued and send its job once the surrounding transaction commits
    (to be run ``countdown`` seconds later, when given)."""
    from grader.tasks import grade_submission  # the task module imports these services

    Submission.objects.filter(pk=submission.pk).update(
        status=SubmissionStatus.QUEUED, queued_at=timezone.now()
    )
    submission.status = SubmissionStatus.QUEUED
    queue = submission_queue_name(submission=submission)
    transaction.on_commit(
        lambda: _grading_send(submission=submission, queue=queue, task=grade_submission, countdown=countdown),
        robust=True,
    )


def _grading_send(*, submission: Submission, queue: str, task: Any, countdown: float | None = None) -> None:
    """Publish the grading job; a broker that is down never fails the caller nor loses the submission.

    The row stays QUEUED with ``send_failed_at`` set: the student is told that grading is delayed, and the
    sweeper sends the job again once the broker answers. No result is stored or awaited
    (``ignore_result``): waiting for Redis' result backend held uploads for ~19 s while Redis was down.
    """
    try:
        task.apply_async(args=[submission.pk], queue=queue, countdown=countdown, ignore_result=True)
    except Exception as error:  # noqa: BLE001 - any broker failure means "send later", never a lost upload
        logger.warning("grading job of submission %s not sent (broker unreachable): %s", submission.pk, error)
        submission.send_failed_at = timezone.now()
        Submission.objects.filter(pk=submission.pk).update(send_failed_at=submission.send_failed_at)
        return
    if submission.send_failed_at is not None:
        submission.send_failed_at = None
        Submission.objects.filter(pk=submission.pk).update(send_failed_at=None)


# --- grading ----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    verdict: str
    detail: str = ""
    log: str = ""
    run_seconds: float | None = None
    peak_memory_bytes: int | None = None
    scores: tasks_catalog.Scores | None = None
    executed_html: bytes | None = None
    named_dates: list[dict[str, object]] = field(default_factory=list)
    retry: bool = False  # the platform failed, not the student: try again


def submission_grade(*, submission_id: int, worker: str) -> None:
    """Grade one submission: claim it, run ingestion in the sandbox, score, record the result once.

    Safe to call again for the same id (a re-delivered job): only a QUEUED submission is claimed, and a
    result is recorded only by the attempt that holds the claim.
    """
    claimed = Submission.objects.filter(pk=submission_id, status=SubmissionStatus.QUEUED).update(
        status=SubmissionStatus.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
        worker=worker[:200],
    )
    if not claimed:
        logger.info("submission %s not queued (already taken or done); nothing to do", submission_id)
        return
    submission = Submission.objects.select_related("assignment").get(pk=submission_id)
    attempt, generation = submission.attempts, submission.generation
    try:
        outcome = _grade(submission)
    except Exception:
        logger.exception("grading submission %s failed", submission_id)
        outcome = Outcome(
            verdict=Verdict.INTERNAL_ERROR,
            detail="The grader failed while handling this submission; the staff can see why.",
            log=traceback.format_exc()[-5000:],
            retry=True,
        )
    _result_record(
        submission_id=submission_id, attempt=attempt, generation=generation, outcome=outcome, worker=worker
    )


def _work_dir(submission: Submission) -> Path:
    # A random name: the sandbox's mountinfo shows the host path of its inputs, and the submission's id
    # is nobody's business there.
    Path(settings.GRADER_WORK_DIR).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="run-", dir=settings.GRADER_WORK_DIR))
    (folder / "submission").mkdir()
    (folder / "output").mkdir()
    for path in (folder, folder / "submission", folder / "output"):
        path.chmod(0o755)
    return folder


def _grade(submission: Submission) -> Outcome:
    assignment = submission.assignment
    spec = tasks_catalog.catalog_task(assignment.task_key)
    work = _work_dir(submission)
    try:
        stored = work / "submission" / STORED_NAMES[SubmissionKind(submission.kind)]
        with submission.file.open("rb") as src, stored.open("wb") as dst:
            shutil.copyfileobj(src, dst)
        stored.chmod(0o644)
        outcome = Outcome(verdict=Verdict.SCORED)
        if submission.kind == SubmissionKind.PREDICTIONS:
            predictions = stored  # no student code runs
        else:
            outcome = _ingest(submission=submission, spec=spec, work=work)
            if outcome.verdict != Verdict.SCORED:
                return outcome
            predictions = work / "output" / "predictions.csv"
            if predictions.is_symlink() or not predictions.is_file():
                outcome.verdict = Verdict.WRONG_FORMAT
                outcome.detail = "The run finished but wrote no predictions.csv into $DLIP_OUTPUT_DIR."
                return outcome
            limit = MAX_UPLOAD_BYTES[SubmissionKind.PREDICTIONS]
            if predictions.stat().st_size > limit:  # parsed here, outside the sandbox: as large as an upload
                outcome.verdict = Verdict.WRONG_FORMAT
                outcome.detail = (
                    f"predictions.csv is larger than {limit // (1024 * 1024)} MB; write one line per id."
                )
                return outcome
        Submission.objects.filter(pk=submission.pk).update(finished_at=timezone.now())
        public_ids, private_ids = tasks_catalog.catalog_split_ids(
            key=spec.key, public_fraction=assignment.public_fraction, seed=f"assignment-{assignment.pk}"
        )
        try:
            outcome.scores = tasks_catalog.catalog_score(
                spec=spec, predictions_path=predictions, public_ids=public_ids, private_ids=private_ids
            )
        except tasks_catalog.PredictionFormatError as error:
            outcome.verdict = Verdict.WRONG_FORMAT
            outcome.detail = f"Wrong prediction file format: {error}"
        else:
            if spec.named_dates:
                _named_dates_record(
                    outcome=outcome, spec=spec, predictions=predictions, work=work, submission=submission
                )
            scores = outcome.scores
            if scores is not None and not all(
                math.isfinite(v) for v in (scores.full, scores.public, scores.private)
            ):
                # The parser bounds every number, so this is a last guard: an inf or NaN score is never
                # stored (the database refuses it too) and never reaches a leaderboard or a JSON response.
                outcome.scores = None
                outcome.verdict = Verdict.WRONG_FORMAT
                outcome.detail = (
                    "Wrong prediction file format: the predictions give no finite score "
                    "(values far too large); check their scale."
                )
        return outcome
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _named_dates_record(
    *, outcome: Outcome, spec: tasks_catalog.TaskSpec, predictions: Path, work: Path, submission: Submission
) -> None:
    """Record the named dates' predictions on the outcome. Where the assignment asks for them, a notebook
    or script must have written a valid named_dates.csv agreeing with its predictions; otherwise (or for a
    prediction file or model) they are read from the predictions. A problem fails the run as wrong_format."""
    try:
        handed_in = tasks_catalog.catalog_named_dates(
            spec=spec,
            predictions_path=predictions,
            handed_in_path=work / "output" / "named_dates.csv",
            required=submission.assignment.ask_named_dates
            and submission.kind in (SubmissionKind.NOTEBOOK, SubmissionKind.SCRIPT),
        )
    except tasks_catalog.PredictionFormatError as error:
        outcome.scores = None
        outcome.verdict = Verdict.WRONG_FORMAT
        outcome.detail = f"Named dates: {error}"
        return
    outcome.named_dates = handed_in


_SANDBOX_VERDICTS = {
    "runtime_error": Verdict.RUNTIME_ERROR,
    "time_limit": Verdict.TIME_LIMIT,
    "memory_limit": Verdict.MEMORY_LIMIT,
    "output_too_large": Verdict.OUTPUT_LIMIT,
    "process_limit": Verdict.PROCESS_LIMIT,
}


def _ingest(*, submission: Submission, spec: tasks_catalog.TaskSpec, work: Path) -> Outcome:
    """Run the student's notebook, script or model in the sandbox; the hidden labels are not mounted."""
    from grader import sandbox

    assignment = submission.assignment
    public_dir = tasks_catalog.catalog_prepare(spec.key) / "public"
    inputs: dict[str, Path] = {sandbox.DATA_MOUNT: public_dir, "/sandbox/submission": work / "submission"}
    env: dict[str, str] = {}
    if submission.kind == SubmissionKind.SCRIPT:
        command = sandbox.runner_command("script", "/sandbox/submission/solution.py")
    elif submission.kind == SubmissionKind.NOTEBOOK:
        command = sandbox.runner_command(
            "notebook", "/sandbox/submission/solution.ipynb", f"{sandbox.OUTPUT_MOUNT}/executed.ipynb"
        )
        env["DLIP_NOTEBOOK_CWD"] = sandbox.OUTPUT_MOUNT
    else:
        inputs["/sandbox/lib/reference_models"] = tasks_catalog.REFERENCE_PACKAGE_DIR
        env["PYTHONPATH"] = "/sandbox/lib"
        command = tasks_catalog.catalog_model_command(
            key=spec.key,
            model_mount="/sandbox/submission/model.pt",
            data_mount=sandbox.DATA_MOUNT,
            out=f"{sandbox.OUTPUT_MOUNT}/predictions.csv",
        )
    limits = sandbox.SandboxLimits(
        wall_seconds=float(assignment.wall_seconds),
        cpu_seconds=float(assignment.wall_seconds) * max(1, os.cpu_count() or 1),
        memory_bytes=assignment.memory_mb * 1024 * 1024,
        gpu=assignment.use_gpu and bool(settings.GRADER_USE_GPU),
    )
    result = sandbox.sandbox_run(
        command=command, inputs=inputs, output_dir=work / "output", limits=limits, env=env
    )
    outcome = Outcome(
        verdict=Verdict.SCORED,
        detail=result.detail,
        log=result.log,
        run_seconds=result.wall_seconds,
        peak_memory_bytes=result.peak_memory_bytes,
    )
    executed = work / "output" / "executed.ipynb"
    if submission.kind == SubmissionKind.NOTEBOOK and executed.is_file() and not executed.is_symlink():
        outcome.executed_html = _notebook_html(executed)
    if result.verdict == sandbox.Verdict.SANDBOX_ERROR:
        outcome.verdict, outcome.retry = Verdict.INTERNAL_ERROR, True
        outcome.detail = f"The sandbox failed (not your fault): {result.detail}"
    elif result.verdict != sandbox.Verdict.OK:
        outcome.verdict = _SANDBOX_VERDICTS.get(str(result.verdict), Verdict.RUNTIME_ERROR)
        if submission.kind == SubmissionKind.MODEL and '"error": "ModelLoadError"' in result.log:
            outcome.verdict = Verdict.WRONG_FORMAT
            outcome.detail = "The model file could not be loaded: " + _model_error(result.log)
    return outcome


def _model_error(log: str) -> str:
    for line in reversed(log.splitlines()):
        if line.startswith("{") and "ModelLoadError" in line:
            try:
                return str(json.loads(line).get("message", ""))[:1000]
            except ValueError:
                break
    return "it is neither TorchScript nor a weights-only state_dict of the task's model."


def _notebook_html(path: Path) -> bytes | None:
    """The executed notebook as HTML (served later with a sandboxing Content-Security-Policy), or None:
    "preview unavailable", never a failed grading.

    The notebook is the student's, so it is rendered in the sandbox under ``GRADER_RENDER_SECONDS`` and
    ``GRADER_RENDER_MEMORY_MB`` (a Markdown cell of thousands of ``![](`` renders in quadratic time).
    """
    from grader import sandbox

    if path.stat().st_size > MAX_HTML_SOURCE_BYTES:
        return None
    folder = Path(tempfile.mkdtemp(prefix="render-", dir=path.parent.parent))
    try:
        (folder / "in").mkdir(mode=0o755)
        (folder / "out").mkdir(mode=0o755)
        folder.chmod(0o755)
        shutil.copyfile(path, folder / "in" / "executed.ipynb")
        (folder / "in" / "executed.ipynb").chmod(0o644)
        seconds = float(_setting("GRADER_RENDER_SECONDS", 60))
        result = sandbox.sandbox_run(
            command=sandbox.runner_command(
                "render", "/sandbox/notebook/executed.ipynb", f"{sandbox.OUTPUT_MOUNT}/executed.html"
            ),
            inputs={"/sandbox/notebook": folder / "in"},
            output_dir=folder / "out",
            limits=sandbox.SandboxLimits(
                wall_seconds=seconds,
                cpu_seconds=seconds,
                memory_bytes=int(_setting("GRADER_RENDER_MEMORY_MB", 1024)) * 1024 * 1024,
                max_output_bytes=2 * MAX_HTML_SOURCE_BYTES,
                max_file_bytes=2 * MAX_HTML_SOURCE_BYTES,
            ),
        )
        page = folder / "out" / "executed.html"
        if result.verdict is not sandbox.Verdict.OK or page.is_symlink() or not page.is_file():
            logger.warning("no preview of the executed notebook %s: %s", path, result.detail)
            return None
        return page.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _result_record(
    *, submission_id: int, attempt: int, generation: int, outcome: Outcome, worker: str
) -> None:
    with transaction.atomic():
        submission = Submission.objects.select_for_update().select_related("assignment").get(pk=submission_id)
        if (
            submission.status != SubmissionStatus.RUNNING
            or submission.attempts != attempt
            or submission.generation != generation
        ):
            logger.info("submission %s: attempt %s lost its claim; result dropped", submission_id, attempt)
            return
        now = timezone.now()
        if outcome.retry and attempt < max_attempts():
            submission.log = outcome.log
            submission.verdict_detail = outcome.detail
            submission.save(update_fields=["log", "verdict_detail"])
            # Not back to back: what failed (a mount, a full disk, the database) needs a moment.
            submission_enqueue(submission=submission, countdown=retry_backoff_seconds(attempt=attempt))
            return
        try:
            with transaction.atomic():
                Grading.objects.create(
                    submission=submission,
                    generation=generation,
                    attempt=attempt,
                    verdict=outcome.verdict,
                    score=outcome.scores.full if outcome.scores else None,
                    worker=worker[:200],
                )
        except IntegrityError:
            logger.warning("submission %s generation %s was already graded", submission_id, generation)
            return
        assignment = submission.assignment
        submission.verdict = outcome.verdict
        submission.verdict_detail = outcome.detail or str(Verdict(outcome.verdict).label)
        submission.log = outcome.log
        submission.run_seconds = outcome.run_seconds
        submission.peak_memory_bytes = outcome.peak_memory_bytes
        submission.finished_at = submission.finished_at or now
        submission.scored_at = now
        submission.review_flag = ""
        if outcome.scores is not None and outcome.verdict == Verdict.SCORED:
            submission.status = SubmissionStatus.SCORED
            submission.score = outcome.scores.full
            submission.review_flag = _review_flag(assignment=assignment, submission=submission)
            submission.score_public = outcome.scores.public
            submission.score_private = outcome.scores.private
            if submission.is_reference:
                assignment.baseline_score = outcome.scores.full
                assignment.save(update_fields=["baseline_score"])
            submission.points = points_for(
                assignment=assignment, score=submission.score, late_days=submission.late_days
            )
            submission.named_dates = outcome.named_dates
        else:
            submission.status = SubmissionStatus.FAILED
            submission.named_dates = []
            if submission.verdict == Verdict.SCORED:
                submission.verdict = Verdict.INTERNAL_ERROR
        if outcome.executed_html:
            submission.executed_html.save(
                f"{submission.pk}-executed.html", ContentFile(outcome.executed_html), save=False
            )
        submission.save()
        if submission.is_reference and submission.status == SubmissionStatus.SCORED:
            assignment_points_refresh(assignment=assignment)


def assignment_points_refresh(*, assignment: Assignment) -> None:
    """Recompute the points and review flags of every scored submission (after the baseline or the rules
    changed)."""
    for submission in Submission.objects.filter(assignment=assignment, status=SubmissionStatus.SCORED):
        points = points_for(assignment=assignment, score=submission.score, late_days=submission.late_days)
        flag = _review_flag(assignment=assignment, submission=submission)
        if points != submission.points or flag != submission.review_flag:
            Submission.objects.filter(pk=submission.pk).update(points=points, review_flag=flag)


def _review_flag(*, assignment: Assignment, submission: Submission) -> str:
    """Why a grader should look at this scored result ("" when nothing is odd); never shown to students."""
    from grader.plausibility import IMPLAUSIBLE_ERROR_SHARE, result_error, result_is_implausible

    if submission.is_reference or submission.score is None:
        return ""
    higher = assignment.higher_is_better
    # A bundle has no reference solution: its score for full points stands in, when set.
    reference = assignment.baseline_score
    if reference is None:
        reference = assignment.score_full_points
    if not result_is_implausible(score=submission.score, reference=reference, higher_is_better=higher):
        return ""
    assert reference is not None
    return gettext(
        "Implausibly far ahead of the reference: error %(error).4f, the reference's %(reference).4f "
        "(flagged below %(share)d%% of it). Check the code for a lookup of the test inputs in bundled "
        "data or for leaked labels."
    ) % {
        "error": result_error(score=submission.score, higher_is_better=higher),
        "reference": result_error(score=reference, higher_is_better=higher),
        "share": round(100 * IMPLAUSIBLE_ERROR_SHARE),
    }


# --- the sweeper ------------------------------------------------------------------------------------------


def _jobs_lost(*, running: list[Submission], now: datetime) -> set[int]:
    """RUNNING submissions whose worker says it is not grading them (killed and restarted) or does not
    answer at all (killed): found in seconds, not after the assignment's wall time (up to an hour).

    Asks the workers over Celery's remote control (Redis); an empty set where there is none (the embedded
    filesystem broker), when GRADER_SWEEP_PING_SECONDS is 0, or when the broker cannot be asked.
    """
    timeout = float(_setting("GRADER_SWEEP_PING_SECONDS", 2.0))
    min_age = timedelta(seconds=float(_setting("GRADER_SWEEP_PING_AFTER_SECONDS", 15.0)))
    candidates = [s for s in running if s.worker and s.started_at and s.started_at + min_age <= now]
    if not candidates or timeout <= 0 or not getattr(settings, "REDIS_URL", ""):
        return set()
    from celery import current_app

    workers = sorted({s.worker for s in candidates})
    try:
        active = current_app.control.inspect(destination=workers, timeout=timeout).active() or {}
    except Exception:  # the broker is down: nothing can be told, the wall-time rule still applies
        logger.warning("sweeper: could not ask the workers what they run", exc_info=True)
        return set()
    grading: set[int] = set()
    for tasks in active.values():
        for task in tasks or []:
            if task.get("name") == "grader.grade_submission" and task.get("args"):
                grading.add(int(task["args"][0]))
    silent = [name for name in workers if name not in active]
    if silent:
        # A second chance before a live job is taken away (its result would be dropped): a worker that
        # answers a ping now was only slow, and keeps its jobs until the next sweep or its wall time.
        try:
            replies = current_app.control.ping(destination=silent, timeout=timeout) or []
        except Exception:
            replies = []
        slow = {name for reply in replies for name in reply}
        grading |= {s.pk for s in candidates if s.worker in slow}
        silent = [name for name in silent if name not in slow]
    lost = {s.pk for s in candidates if s.pk not in grading}
    if lost:
        logger.warning("sweeper: jobs %s lost (workers not answering: %s)", sorted(lost), silent)
    return lost


@dataclass(frozen=True)
class SweepReport:
    requeued: int
    resent: int
    failed: int


def submission_sweep(
    *,
    now: datetime | None = None,
    running_grace_seconds: float = 120.0,
    queued_after_seconds: float | None = None,
) -> SweepReport:
    """Re-queue submissions stuck past their limits; fail those that used up their attempts.

    - RUNNING longer than the assignment's wall time plus ``running_grace_seconds`` (sandbox start,
      scoring), or sooner where its worker answers that it is not running it or does not answer
      (``_jobs_lost``): its worker was lost. Queued again, or FAILED after ``GRADER_MAX_ATTEMPTS`` claims.
    - QUEUED for more than ``queued_after_seconds`` (default GRADER_REQUEUE_AFTER_SECONDS), or RECEIVED
      for a minute (the message was never sent), or QUEUED whose last send failed (broker down): the
      message is sent again; a duplicate is harmless, a worker only claims a QUEUED submission.
    """
    now = now or timezone.now()
    if queued_after_seconds is None:
        queued_after_seconds = float(_setting("GRADER_REQUEUE_AFTER_SECONDS", 120.0))
    requeued = resent = failed = 0
    running = list(Submission.objects.filter(status=SubmissionStatus.RUNNING).select_related("assignment"))
    lost = _jobs_lost(running=running, now=now)
    for submission in running:
        assert submission.started_at is not None
        limit = submission.assignment.wall_seconds + running_grace_seconds
        if submission.started_at + timedelta(seconds=limit) > now and submission.pk not in lost:
            continue
        with transaction.atomic():
            locked = Submission.objects.select_for_update().get(pk=submission.pk)
            if locked.status != SubmissionStatus.RUNNING or locked.attempts != submission.attempts:
                continue
            if locked.attempts >= max_attempts():
                reason = (
                    f"Gave up after {locked.attempts} attempts: the grading worker stopped each time "
                    f"(last on {locked.worker or 'an unknown worker'}). The staff see it in the queue."
                )
                try:
                    with transaction.atomic():
                        Grading.objects.create(
                            submission=locked,
                            generation=locked.generation,
                            attempt=locked.attempts,
                            verdict=Verdict.INTERNAL_ERROR,
                            worker=locked.worker,
                        )
                except IntegrityError:
                    continue
                locked.status, locked.verdict, locked.verdict_detail = (
                    SubmissionStatus.FAILED,
                    Verdict.INTERNAL_ERROR,
                    reason,
                )
                locked.scored_at = now
                locked.save()
                failed += 1
            else:
                submission_enqueue(submission=locked)
                requeued += 1
    stale = (
        Q(status=SubmissionStatus.QUEUED, queued_at__lt=now - timedelta(seconds=queued_after_seconds))
        | Q(status=SubmissionStatus.RECEIVED, received_at__lt=now - timedelta(seconds=60))
        | Q(status=SubmissionStatus.QUEUED, send_failed_at__isnull=False)  # its send failed: at once
    )
    for submission in Submission.objects.filter(stale).select_related("assignment"):
        with transaction.atomic():
            submission_enqueue(submission=submission)
        resent += 1
    return SweepReport(requeued=requeued, resent=resent, failed=failed)
