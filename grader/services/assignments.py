"""Assignments: the instructor's rules, creation (with the reference solution), changes and regrades."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Course, User
from accounts.selectors import course_is_instructor
from core.audit import grade_audit_record
from core.errors import PermissionDeniedError, PlatformError
from grader import problem_catalog
from grader.assets import (
    asset_add,
    asset_name_check,
    assets_problem_attach,
    problem_assets_exported,
)
from grader.models import (
    Assignment,
    LeaderboardRule,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from grader.services.grading import assignment_points_refresh, submission_enqueue
from grader.services.limits import _setting
from grader.services.points import late_days_for
from grader.services.uploads import _submission_store
from lifecycle.services.archive import course_assert_writable


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


def _rules_check(rules: AssignmentRules, spec: problem_catalog.ProblemSpec) -> None:
    if not rules.title.strip():
        raise PlatformError("assignment_needs_title")
    unknown = set(rules.kinds) - set(SubmissionKind.values)
    if not rules.kinds or unknown:
        raise PlatformError("accepted_kinds_must_some", kinds=", ".join(SubmissionKind.values))
    if SubmissionKind.MODEL in rules.kinds and spec.key.startswith(problem_catalog.BUNDLE_PREFIX):
        raise PlatformError("model_submissions_need_reference")
    if not 0 < rules.public_fraction < 1:
        raise PlatformError("leaderboard_public_fraction_must")
    if rules.deadline and rules.opens_at and rules.deadline <= rules.opens_at:
        raise PlatformError("deadline_must_after_opening")
    if rules.late_cutoff and rules.deadline and rules.late_cutoff < rules.deadline:
        raise PlatformError("late_cut_off_must")
    if rules.wall_seconds < 1 or rules.memory_mb < 64:
        raise PlatformError("run_limits_least_second")
    # The grading task must finish under Celery's soft time limit: the run, the preview and a minute to spare.
    soft_limit = _setting("GRADER_TASK_SOFT_TIME_LIMIT", 3600.0)
    longest = int(soft_limit - _setting("GRADER_RENDER_SECONDS", 60.0) - 60)
    if rules.wall_seconds > longest:
        raise PlatformError("run_limits_most_seconds", seconds=max(1, longest))
    if rules.points < 0 or rules.late_penalty_percent_per_day < 0:
        raise PlatformError("points_late_penalty_cannot")
    if rules.ask_named_dates and not spec.named_dates:
        raise PlatformError("named_dates_none")
    if spec.practice_only and rules.points > 0:
        raise PlatformError("task_practice_only_test", task=spec.key, reason=spec.practice_only)


def _default_zero_points(spec: problem_catalog.ProblemSpec) -> float:
    if spec.metric == "accuracy" and spec.classes:
        return 1.0 / len(spec.classes)  # guessing
    if spec.zero_points_score is not None:  # the task's simple baseline (copying yesterday) earns nothing
        return spec.zero_points_score
    raise PlatformError("give_score_earns_zero")


def assignment_create(
    *,
    course: Course,
    by: User | None,
    task_key: str | None = None,
    bundle: IO[bytes] | None = None,
    rules: AssignmentRules,
    reference_epochs: int | None = None,
    assets: Sequence[tuple[str, IO[bytes], str]] = (),
) -> Assignment:
    """Create an assignment for a reference task (``task_key``) or an uploaded data bundle (a zip).

    For a reference task the reference solution is trained once (cached) and submitted through the same
    pipeline as a student's (as a model when models are accepted, else as predictions); its score becomes
    the baseline. ``by`` must be an instructor of the course (``None``: a management command).
    """
    if by is not None and not course_is_instructor(user=by, course=course):
        raise PermissionDeniedError("only_course_instructors_create")
    course_assert_writable(course=course)
    if (task_key is None) == (bundle is None):
        raise PlatformError("choose_reference_task_upload")
    stored_bundle: File | None = None
    leak_report = ""
    if bundle is not None:
        with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
            shutil.copyfileobj(bundle, handle)
            handle.flush()
            try:
                spec = problem_catalog.catalog_bundle_install(Path(handle.name))
            except problem_catalog.BundleError as error:
                raise PlatformError("data_bundle_not_accepted", error=str(error)) from None
            handle.seek(0)
            stored_bundle = ContentFile(handle.read(), name=f"{spec.key}.zip")
        leak_report = _bundle_leak_report(spec.key)
    else:
        assert task_key is not None
        if retired := problem_catalog.catalog_problem_retired(task_key):
            raise PlatformError("task_retired", task=task_key, reason=retired)
        if task_key not in problem_catalog.catalog_problem_names():
            raise PlatformError(
                "unknown_task_task_choose",
                task=repr(task_key),
                tasks=", ".join(problem_catalog.catalog_problem_names()),
            )
        spec = problem_catalog.catalog_problem(task_key)
    _rules_check(rules, spec)
    for name, _file, _description in assets:
        asset_name_check(name)
    # Trained (or found in the cache) before any transaction: training holds no database lock.
    reference = (
        problem_catalog.catalog_reference(spec.key, epochs=reference_epochs) if bundle is None else None
    )
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
    with problem_assets_exported(task_key=spec.key) as provided, transaction.atomic():
        assignment.save()
        assets_problem_attach(assignment=assignment, provided=provided)
        for name, upload, description in assets:
            asset_add(assignment=assignment, by=by, upload=upload, name=name, description=description)
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
    report = problem_catalog.catalog_bundle_leak_check(key)
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
        raise PermissionDeniedError("only_course_instructors_regrade")
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
            submission.failure = {}
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
        raise PermissionDeniedError("not_assignment_instructor")
    course_assert_writable(course=assignment.course)
    _rules_check(rules, problem_catalog.catalog_problem(assignment.task_key))
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
