"""Reads of the autograder: what a person may see, the queue, the leaderboards.

Rules kept here, in one place:
- a student sees their own submissions only (someone else's is "not found", never "forbidden");
- the course's staff (instructors, graders) see every submission, log and file of the course;
- before the reveal (the late cut-off, or the deadline when late work is not accepted) nobody but the
  staff sees a private score, a full-test-set score or points, on any page, API or download.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import Course, Role, User
from accounts.selectors import course_is_staff, course_role, courses_for_user, courses_taught_by
from core.errors import NotFoundError
from grader.board_memo import BoardMemo
from grader.failures import log_for_display
from grader.models import Assignment, LeaderboardRule, Submission, SubmissionKind, SubmissionStatus

WAITING = (SubmissionStatus.RECEIVED, SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)


def assignment_reveal_at(*, assignment: Assignment) -> datetime:
    """When the private leaderboard, full scores and points become visible to students."""
    return assignment.late_cutoff or assignment.deadline


def assignment_is_revealed(*, assignment: Assignment, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= assignment_reveal_at(assignment=assignment)


def assignment_is_open(*, assignment: Assignment, now: datetime | None = None) -> bool:
    """Whether uploads are accepted now (from the opening time to the late cut-off or the deadline)."""
    now = now or timezone.now()
    return assignment.opens_at <= now <= assignment_reveal_at(assignment=assignment)


def assignments_for_user(*, user: User) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(course__in=courses_for_user(user=user))
        .select_related("course")
        .order_by("-deadline", "pk")
    )


@dataclass(frozen=True)
class AssignmentCard:
    """One line of the assignment list: the assignment and where the viewer stands in it."""

    assignment: Assignment
    is_staff: bool
    is_instructor: bool
    is_open: bool
    submitted: int  # the viewer's own submissions (staff: every student submission)
    best_public: float | None  # the viewer's best public score (students only)


@dataclass(frozen=True)
class CourseAssignments:
    course: Course
    is_staff: bool
    is_instructor: bool
    cards: list[AssignmentCard]


def assignment_cards_for_user(*, user: User, now: datetime | None = None) -> list[CourseAssignments]:
    """The user's courses, each with its assignments (soonest deadline first) and the user's standing."""
    now = now or timezone.now()
    result = []
    for course in courses_for_user(user=user).order_by("code"):
        role = course_role(user=user, course=course)
        staff = role in (Role.INSTRUCTOR, Role.GRADER)
        instructor = role == Role.INSTRUCTOR
        assignments = list(Assignment.objects.filter(course=course).order_by("deadline", "pk"))
        submissions = Submission.objects.filter(assignment__in=assignments, is_reference=False)
        if not staff:
            submissions = submissions.filter(user=user)
        counts = dict(submissions.values("assignment").annotate(n=Count("pk")).values_list("assignment", "n"))
        best: dict[int, float] = {}
        by_id = {a.pk: a for a in assignments}
        if not staff:
            for assignment_id, score in submissions.filter(status=SubmissionStatus.SCORED).values_list(
                "assignment", "score_public"
            ):
                current = best.get(assignment_id)
                if score is not None and (current is None or _better(score, current, by_id[assignment_id])):
                    best[assignment_id] = score
        cards = [
            AssignmentCard(
                assignment=a,
                is_staff=staff,
                is_instructor=instructor,
                is_open=assignment_is_open(assignment=a, now=now),
                submitted=counts.get(a.pk, 0),
                best_public=best.get(a.pk),
            )
            for a in assignments
        ]
        result.append(CourseAssignments(course=course, is_staff=staff, is_instructor=instructor, cards=cards))
    return result


def _better(score: float, than: float, assignment: Assignment) -> bool:
    return score > than if assignment.higher_is_better else score < than


def assignment_get_for_user(*, user: User, pk: int) -> Assignment:
    """The assignment if the user is enrolled in its course (any role); else ``NotFoundError``."""
    assignment = Assignment.objects.select_related("course").filter(pk=pk).first()
    if assignment is None or course_role(user=user, course=assignment.course) is None:
        raise NotFoundError("no_such_assignment")
    return assignment


def submission_get_for_user(*, user: User, pk: int) -> Submission:
    """The submission if it is the user's own or the user is staff of its course; else ``NotFoundError``."""
    submission = Submission.objects.select_related("assignment__course", "user").filter(pk=pk).first()
    if submission is None:
        raise NotFoundError("no_such_submission")
    if submission.user_id == user.pk and not submission.is_reference:
        return submission
    if course_is_staff(user=user, course=submission.assignment.course):
        return submission
    raise NotFoundError("no_such_submission")


def submissions_of_user(*, user: User, assignment: Assignment) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(assignment=assignment, user=user, is_reference=False)
        .select_related("assignment", "user")
        .order_by("-received_at", "-pk")
    )


def submissions_today_count(*, assignment: Assignment, user: User, now: datetime | None = None) -> int:
    """Today's submissions that count towards the daily limit (all but failed ones), in local time: the
    same count ``submission_create`` checks."""
    local = timezone.localtime(now or timezone.now())
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        Submission.objects.filter(
            assignment=assignment,
            user=user,
            received_at__gte=start,
            received_at__lt=start + timedelta(days=1),
        )
        .exclude(status=SubmissionStatus.FAILED)
        .count()
    )


def submission_queue(*, submission: Submission) -> str:
    """The Celery queue the submission's job goes to (the same rule as the service that sends it)."""
    if submission.kind != SubmissionKind.PREDICTIONS and submission.assignment.use_gpu:
        return "grading-gpu"
    return "grading-cpu"


def _same_queue(queue: str) -> Q:
    gpu = Q(assignment__use_gpu=True) & ~Q(kind=SubmissionKind.PREDICTIONS)
    return gpu if queue == "grading-gpu" else ~gpu


def submission_queue_position(*, submission: Submission) -> int | None:
    """1 for the next job its queue will start; ``None`` when it is not waiting."""
    if submission.status != SubmissionStatus.QUEUED or submission.queued_at is None:
        return None
    earlier = Q(queued_at__lt=submission.queued_at) | Q(queued_at=submission.queued_at, pk__lt=submission.pk)
    ahead = (
        Submission.objects.filter(status=SubmissionStatus.QUEUED)
        .filter(_same_queue(submission_queue(submission=submission)))
        .filter(earlier)
        .count()
    )
    return ahead + 1


def submission_is_delayed(*, submission: Submission) -> bool:
    """Waiting, and its grading job could not be sent (broker down): it is graded once the broker is back."""
    return not submission.is_done and submission.send_failed_at is not None


def submission_delay_notice(*, submission: Submission) -> str:
    """What to tell the student while grading is delayed (empty otherwise)."""
    if not submission_is_delayed(submission=submission):
        return ""
    return gettext(
        "Grading is delayed: the grading queue cannot be reached right now. Your file is stored safely "
        "and will be graded automatically as soon as it is back; there is nothing you need to do."
    )


def assignment_reference(*, assignment: Assignment) -> Submission | None:
    return (
        Submission.objects.filter(assignment=assignment, is_reference=True).order_by("-received_at").first()
    )


def submission_view(*, submission: Submission, viewer: User, now: datetime | None = None) -> dict[str, Any]:
    """The fields of a submission this viewer may see (private parts only after the reveal or to staff)."""
    assignment = submission.assignment
    staff = course_is_staff(user=viewer, course=assignment.course)
    revealed = staff or assignment_is_revealed(assignment=assignment, now=now)
    return {
        "id": submission.pk,
        "assignment": assignment.pk,
        "neptun_code": submission.user.neptun_code if submission.user else None,
        "kind": submission.kind,
        "file_name": submission.original_name,
        "status": submission.status,
        "queue_position": submission_queue_position(submission=submission),
        "verdict": submission.verdict or None,
        "verdict_detail": submission.verdict_detail if submission.is_done else "",
        "delayed": submission_is_delayed(submission=submission),
        "notice": submission_delay_notice(submission=submission),
        "score_public": submission.score_public,
        "score_private": submission.score_private if revealed else None,
        "score": submission.score if revealed else None,
        "points": submission.points if revealed else None,
        "late_days": submission.late_days,
        "run_seconds": submission.run_seconds,
        "log": log_for_display(submission.log) if submission.is_done else "",
        "failure": submission.failure if submission.is_done and submission.failure else None,
        "has_executed_notebook": bool(submission.executed_html),
        "attempts": submission.attempts,
        "received_at": submission.received_at,
        "queued_at": submission.queued_at,
        "started_at": submission.started_at,
        "finished_at": submission.finished_at,
        "scored_at": submission.scored_at,
        "revealed": revealed,
    }


# --- leaderboards -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaderboardEntry:
    """One scored submission as the ranking sees it (plain data: the ranking is tested without a database)."""

    submission_id: int
    user_id: int
    code: str
    score_public: float
    score_private: float | None
    received_at: datetime
    late_days: int = 0


@dataclass(frozen=True)
class RankedEntry:
    rank: int
    entry: LeaderboardEntry
    score: float
    entries: int  # how many scored submissions the student has


def leaderboard_rank(
    *, entries: Iterable[LeaderboardEntry], higher_is_better: bool, rule: str, private: bool
) -> list[RankedEntry]:
    """Kaggle's rules in plain Python.

    - Each student's counting submission is chosen on what the student could see, the public score:
      the best one (``LeaderboardRule.BEST``; a tie keeps the earlier) or the last one (``LAST``).
    - The public board ranks it by its public score, the private board by its private score.
    - The sort follows the metric's direction; equal scores go to the earlier submission.
    Only scored submissions may be passed in: failed ones never rank.
    """
    sign = -1.0 if higher_is_better else 1.0
    counting: dict[int, LeaderboardEntry] = {}
    counts: dict[int, int] = {}
    for entry in sorted(entries, key=lambda e: (e.received_at, e.submission_id)):
        counts[entry.user_id] = counts.get(entry.user_id, 0) + 1
        current = counting.get(entry.user_id)
        if (
            current is None
            or rule == LeaderboardRule.LAST
            or sign * entry.score_public < sign * current.score_public
        ):
            counting[entry.user_id] = entry

    def score_of(entry: LeaderboardEntry) -> float:
        value = entry.score_private if private else entry.score_public
        assert value is not None
        return value

    ranked = [e for e in counting.values() if not private or e.score_private is not None]
    ranked.sort(key=lambda e: (sign * score_of(e), e.received_at, e.submission_id))
    return [
        RankedEntry(rank=position, entry=entry, score=score_of(entry), entries=counts[entry.user_id])
        for position, entry in enumerate(ranked, start=1)
    ]


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int
    name: str  # the Neptun code, masked for students except their own
    score: float
    submitted_at: datetime
    entries: int
    is_viewer: bool
    submission_id: int | None  # for staff only
    user_id: int | None  # for staff only
    late_days: int = 0


@dataclass(frozen=True)
class Leaderboard:
    private: bool
    available: bool  # False: the private board before the reveal (students)
    rows: list[LeaderboardRow]
    baseline: float | None  # the reference solution's score on the same part of the test set
    metric: str
    higher_is_better: bool
    reveal_at: datetime | None = None
    rule: str = LeaderboardRule.BEST
    staff: bool = False  # the viewer is the course's staff: full codes, links, late badges

    @property
    def viewer_row(self) -> LeaderboardRow | None:
        return next((row for row in self.rows if row.is_viewer), None)


def neptun_mask(code: str) -> str:
    """Another student's Neptun code as a student sees it: the first two characters (``AB****``)."""
    return (code[:2] + "*" * (len(code) - 2)) if len(code) > 2 else "******"


def leaderboard_entries(*, assignment: Assignment) -> list[LeaderboardEntry]:
    """The scored submissions of the assignment's students (not the reference, not the staff's tries)."""
    students = Q(user__enrollments__course_id=assignment.course_id, user__enrollments__role=Role.STUDENT)
    rows = (
        Submission.objects.filter(assignment=assignment, is_reference=False, status=SubmissionStatus.SCORED)
        .filter(students)
        .values_list(
            "pk",
            "user_id",
            "user__neptun_code",
            "user__username",
            "score_public",
            "score_private",
            "received_at",
            "late_days",
        )
    )
    return [
        LeaderboardEntry(
            submission_id=pk,
            user_id=user_id,
            code=neptun or username,
            score_public=public,
            score_private=private,
            received_at=received_at,
            late_days=late_days,
        )
        for pk, user_id, neptun, username, public, private, received_at, late_days in rows
        if public is not None
    ]


# The boards of this process, each reused for at most LEADERBOARD_MAX_AGE_SECONDS (docs/grader.md).
recent_boards = BoardMemo()


def _board_ranked(*, assignment: Assignment, private: bool) -> tuple[float | None, tuple[RankedEntry, ...]]:
    """The baseline and the ranked entries: the part of a board that is the same for every viewer."""
    # Three columns of the latest reference, not the whole row (its log, its executed notebook).
    reference = (
        Submission.objects.filter(assignment=assignment, is_reference=True)
        .order_by("-received_at")
        .values_list("status", "score_public", "score_private")
        .first()
    )
    baseline = None
    if reference is not None and reference[0] == SubmissionStatus.SCORED:
        baseline = reference[2] if private else reference[1]
    ranked = leaderboard_rank(
        entries=leaderboard_entries(assignment=assignment),
        higher_is_better=assignment.higher_is_better,
        rule=assignment.leaderboard_rule,
        private=private,
    )
    return baseline, tuple(ranked)


def _board_shared(*, assignment: Assignment, private: bool) -> tuple[float | None, tuple[RankedEntry, ...]]:
    """``_board_ranked``, at most LEADERBOARD_MAX_AGE_SECONDS old (0: built on every read)."""
    max_age = settings.LEADERBOARD_MAX_AGE_SECONDS
    if max_age <= 0:
        return _board_ranked(assignment=assignment, private=private)
    # The ranking's inputs from the assignment row are in the key, so an edited rule is never served stale.
    key = (
        assignment.pk,
        private,
        assignment.course_id,
        assignment.leaderboard_rule,
        assignment.higher_is_better,
    )
    return recent_boards.get(
        key, lambda: _board_ranked(assignment=assignment, private=private), max_age=max_age
    )


def leaderboard_for_assignment(
    *, assignment: Assignment, viewer: User, private: bool = False, now: datetime | None = None
) -> Leaderboard:
    """The public or the private leaderboard as this viewer may see it.

    Students see other Neptun codes masked and their own in full; the private board (and the reference's
    private score) is withheld from them until the reveal. Staff see everything, always. Who may see which
    board is decided on every call; the scores and ranks may be up to LEADERBOARD_MAX_AGE_SECONDS old.
    """
    staff = course_is_staff(user=viewer, course=assignment.course)
    revealed = assignment_is_revealed(assignment=assignment, now=now)
    reveal_at = assignment_reveal_at(assignment=assignment)
    if private and not (staff or revealed):
        return Leaderboard(
            private=True,
            available=False,
            rows=[],
            baseline=None,
            metric=assignment.metric,
            higher_is_better=assignment.higher_is_better,
            reveal_at=reveal_at,
            rule=assignment.leaderboard_rule,
            staff=staff,
        )
    baseline, ranked = _board_shared(assignment=assignment, private=private)
    rows = []
    for item in ranked:
        mine = item.entry.user_id == viewer.pk
        rows.append(
            LeaderboardRow(
                rank=item.rank,
                name=item.entry.code if (staff or mine) else neptun_mask(item.entry.code),
                score=item.score,
                submitted_at=item.entry.received_at,
                entries=item.entries,
                is_viewer=mine,
                submission_id=item.entry.submission_id if staff else None,
                user_id=item.entry.user_id if staff else None,
                late_days=item.entry.late_days,
            )
        )
    return Leaderboard(
        private=private,
        available=True,
        rows=rows,
        baseline=baseline,
        metric=assignment.metric,
        higher_is_better=assignment.higher_is_better,
        reveal_at=reveal_at,
        rule=assignment.leaderboard_rule,
        staff=staff,
    )


# --- staff: the queue, the workers, every student's history ----------------------------------------------


def grading_queue_for_staff(*, user: User) -> QuerySet[Submission]:
    """Waiting and running submissions of the courses the user teaches, oldest first."""
    return (
        Submission.objects.filter(
            assignment__course__in=courses_taught_by(user=user),
            status__in=WAITING,
        )
        .select_related("assignment__course", "user")
        .order_by("queued_at", "pk")
    )


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    queue: str
    position: int | None  # in its queue; None while running
    waiting_seconds: float | None  # since it was queued (or received)
    running_seconds: float | None


def grading_queue_rows(*, user: User, now: datetime | None = None) -> list[QueueRow]:
    """The staff's view of the queue: what waits where (with its position) and what runs on which worker."""
    now = now or timezone.now()
    positions: dict[str, int] = {}
    rows = []
    for submission in grading_queue_for_staff(user=user):
        queue = submission_queue(submission=submission)
        position = None
        if submission.status == SubmissionStatus.QUEUED:
            position = submission_queue_position(submission=submission)
            positions[queue] = positions.get(queue, 0) + 1
        since = submission.queued_at or submission.received_at
        rows.append(
            QueueRow(
                submission=submission,
                queue=queue,
                position=position,
                waiting_seconds=(now - since).total_seconds()
                if submission.status != SubmissionStatus.RUNNING
                else None,
                running_seconds=(now - submission.started_at).total_seconds()
                if submission.status == SubmissionStatus.RUNNING and submission.started_at
                else None,
            )
        )
    rows.sort(key=lambda r: (r.submission.status != SubmissionStatus.RUNNING, r.queue, r.position or 0))
    return rows


def grading_workers(*, since: timedelta = timedelta(hours=6)) -> list[dict[str, Any]]:
    """Workers seen recently (from the jobs they claimed): name, jobs done, last claim, running now."""
    recent = Submission.objects.filter(started_at__gte=timezone.now() - since).exclude(worker="")
    rows = (
        recent.values("worker")
        .annotate(
            jobs=Count("pk"),
            last_started=Max("started_at"),
            running=Count("pk", filter=Q(status=SubmissionStatus.RUNNING)),
        )
        .order_by("worker")
    )
    return [dict(row) for row in rows]


def submission_history_for_staff(*, assignment: Assignment, user_id: int) -> QuerySet[Submission]:
    return (
        Submission.objects.filter(assignment=assignment, user_id=user_id, is_reference=False)
        .select_related("user", "assignment")
        .order_by("-received_at", "-pk")
    )


@dataclass(frozen=True)
class StudentStanding:
    """One student's line on the staff's overview of an assignment."""

    user: User
    submissions: int
    scored: int
    failed: int
    waiting: int
    last_at: datetime | None
    counting_id: int | None  # the submission the leaderboard counts
    score_public: float | None
    score_private: float | None
    score: float | None
    points: Decimal | None
    late_days: int


def assignment_standings_for_staff(*, assignment: Assignment) -> list[StudentStanding]:
    """Every enrolled student with their submissions' summary and the submission that counts (staff only).

    Call only for the course's staff: it holds private scores and points whatever the time.
    """
    students = list(
        User.objects.filter(enrollments__course=assignment.course, enrollments__role=Role.STUDENT).order_by(
            "neptun_code", "username"
        )
    )
    counting = {
        item.entry.user_id: item.entry.submission_id
        for item in leaderboard_rank(
            entries=leaderboard_entries(assignment=assignment),
            higher_is_better=assignment.higher_is_better,
            rule=assignment.leaderboard_rule,
            private=False,
        )
    }
    by_user: dict[int, list[Submission]] = {}
    for submission in Submission.objects.filter(assignment=assignment, is_reference=False).order_by(
        "received_at", "pk"
    ):
        if submission.user_id is not None:
            by_user.setdefault(submission.user_id, []).append(submission)
    standings = []
    for student in students:
        mine = by_user.get(student.pk, [])
        chosen = next((s for s in mine if s.pk == counting.get(student.pk)), None)
        standings.append(
            StudentStanding(
                user=student,
                submissions=len(mine),
                scored=sum(s.status == SubmissionStatus.SCORED for s in mine),
                failed=sum(s.status == SubmissionStatus.FAILED for s in mine),
                waiting=sum(s.status in WAITING for s in mine),
                last_at=mine[-1].received_at if mine else None,
                counting_id=chosen.pk if chosen else None,
                score_public=chosen.score_public if chosen else None,
                score_private=chosen.score_private if chosen else None,
                score=chosen.score if chosen else None,
                points=chosen.points if chosen else None,
                late_days=chosen.late_days if chosen else 0,
            )
        )
    return standings


def submissions_flagged(*, assignment: Assignment) -> list[Submission]:
    """Scored submissions flagged for a grader's look (``review_flag``), newest first (staff only)."""
    return list(
        Submission.objects.filter(assignment=assignment, status=SubmissionStatus.SCORED)
        .exclude(review_flag="")
        .select_related("user")
        .order_by("-received_at")[:100]
    )
