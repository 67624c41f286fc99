"""Reads behind the dashboards: a student's own standing, a course's activity for its staff.

Nothing here decides a rule of its own: scores and their reveal come from ``grader.selectors``
(``submission_view``, ``leaderboard_for_assignment``), quiz rankings from ``quizzes.selectors``, project
milestones from ``projects.selectors``. A student's dashboard holds only that student's rows; the course
dashboard is for the course's staff only (the caller checks ``course_is_staff``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Avg, Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from grader.models import Assignment, Submission, SubmissionStatus
from grader.selectors import (
    WAITING,
    QueueRow,
    grading_queue_rows,
    grading_workers,
    leaderboard_for_assignment,
    submission_view,
)
from projects.selectors import milestones_for_course, project_for_student, project_latest_submission
from quizzes.game import Phase
from quizzes.models import Answer, Game, Player
from quizzes.selectors import game_questions, ranking

RECENT_SUBMISSIONS = 20
RECENT_GAMES = 10


# --- the student's dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Something due: a homework assignment or a project milestone, and whether the student handed in."""

    kind: str  # "assignment" or "milestone"
    title: str
    course_code: str
    due: datetime
    url: str
    handed_in: bool


@dataclass(frozen=True)
class SubmissionLine:
    """One of the student's own submissions, with only the fields the student may see now."""

    id: int
    assignment_title: str
    course_code: str
    file_name: str
    received_at: datetime
    status: str
    status_label: str
    verdict_label: str
    score_public: float | None
    score: float | None  # None until the reveal
    points: Any  # Decimal | None, None until the reveal
    url: str


@dataclass(frozen=True)
class AssignmentStanding:
    """Where the student stands on an assignment's leaderboards (private: only after the reveal)."""

    assignment: Assignment
    rank: int
    of: int
    score: float
    private_rank: int | None
    private_of: int | None
    url: str


@dataclass(frozen=True)
class QuizResult:
    """The student's seat in a finished live game."""

    game_id: int
    quiz_title: str
    played_at: datetime
    score: int
    rank: int | None  # None: removed from the game by the host
    players: int
    correct: int
    answered: int
    questions: int


@dataclass(frozen=True)
class StudentDashboard:
    deadlines: list[Deadline]
    submissions: list[SubmissionLine]
    standings: list[AssignmentStanding]
    quiz_results: list[QuizResult]

    @property
    def is_empty(self) -> bool:
        return not (self.deadlines or self.submissions or self.standings or self.quiz_results)


def student_courses(*, user: User) -> list[Course]:
    """The courses where the user is enrolled as a student."""
    return list(
        Course.objects.filter(enrollments__user=user, enrollments__role=Role.STUDENT)
        .distinct()
        .order_by("code")
    )


def student_deadlines(*, user: User, now: datetime | None = None) -> list[Deadline]:
    """Assignments and project milestones of the student's courses not yet due, soonest first."""
    now = now or timezone.now()
    courses = student_courses(user=user)
    deadlines: list[Deadline] = []
    assignments = Assignment.objects.filter(course__in=courses, deadline__gte=now).select_related("course")
    submitted = set(
        Submission.objects.filter(assignment__in=assignments, user=user, is_reference=False).values_list(
            "assignment_id", flat=True
        )
    )
    for assignment in assignments:
        deadlines.append(
            Deadline(
                kind="assignment",
                title=assignment.title,
                course_code=assignment.course.code,
                due=assignment.deadline,
                url=reverse("grader:assignment", args=[assignment.pk]),
                handed_in=assignment.pk in submitted,
            )
        )
    for course in courses:
        project = project_for_student(course=course, user=user)
        for milestone in milestones_for_course(course=course).filter(deadline__gte=now):
            handed_in = (
                project is not None
                and project_latest_submission(project=project, milestone=milestone) is not None
            )
            deadlines.append(
                Deadline(
                    kind="milestone",
                    title=milestone.title,
                    course_code=course.code,
                    due=milestone.deadline,
                    url=reverse("projects:my_project", args=[course.code]),
                    handed_in=handed_in,
                )
            )
    deadlines.sort(key=lambda d: (d.due, d.kind, d.title))
    return deadlines


def student_submissions(
    *, user: User, now: datetime | None = None, limit: int = RECENT_SUBMISSIONS
) -> list[SubmissionLine]:
    """The student's own latest submissions (never anyone else's), as ``submission_view`` shows them."""
    rows = (
        Submission.objects.filter(user=user, is_reference=False)
        .select_related("assignment__course", "user")
        .order_by("-received_at", "-pk")[:limit]
    )
    lines = []
    for submission in rows:
        view = submission_view(submission=submission, viewer=user, now=now)
        lines.append(
            SubmissionLine(
                id=submission.pk,
                assignment_title=submission.assignment.title,
                course_code=submission.assignment.course.code,
                file_name=submission.original_name,
                received_at=submission.received_at,
                status=submission.status,
                status_label=submission.get_status_display(),
                verdict_label=submission.get_verdict_display() if submission.verdict else "",
                score_public=view["score_public"],
                score=view["score"],
                points=view["points"],
                url=reverse("grader:submission", args=[submission.pk]),
            )
        )
    return lines


def student_standings(*, user: User, now: datetime | None = None) -> list[AssignmentStanding]:
    """The student's rank on each leaderboard where a submission of theirs is ranked."""
    assignments = (
        Assignment.objects.filter(
            course__in=student_courses(user=user),
            submissions__user=user,
            submissions__status=SubmissionStatus.SCORED,
        )
        .distinct()
        .select_related("course")
        .order_by("deadline", "pk")
    )
    standings = []
    for assignment in assignments:
        public = leaderboard_for_assignment(assignment=assignment, viewer=user, now=now)
        row = public.viewer_row
        if row is None:
            continue
        private = leaderboard_for_assignment(assignment=assignment, viewer=user, private=True, now=now)
        private_row = private.viewer_row if private.available else None
        standings.append(
            AssignmentStanding(
                assignment=assignment,
                rank=row.rank,
                of=len(public.rows),
                score=row.score,
                private_rank=private_row.rank if private_row else None,
                private_of=len(private.rows) if private_row else None,
                url=reverse("grader:leaderboard", args=[assignment.pk]),
            )
        )
    return standings


def student_quiz_results(*, user: User, limit: int = RECENT_GAMES) -> list[QuizResult]:
    """The student's seats (by Neptun code) in finished live games, latest first, with their rank."""
    if not user.neptun_code:
        return []
    players = (
        Player.objects.filter(neptun_code=user.neptun_code, game__phase=Phase.FINISHED)
        .select_related("game__quiz")
        .annotate(
            correct_count=Count("answers", filter=Q(answers__correct=True)),
            answered_count=Count("answers"),
        )
        .order_by("-game__finished_at", "-game__created_at")[:limit]
    )
    results = []
    for player in players:
        game = player.game
        ranked = ranking(game=game)
        mine = next((r for r in ranked if r["id"] == player.pk), None)
        results.append(
            QuizResult(
                game_id=game.pk,
                quiz_title=game.quiz.title,
                played_at=game.finished_at or game.created_at,
                score=player.score,
                rank=mine["rank"] if mine else None,
                players=len(ranked),
                correct=player.correct_count,  # type: ignore[attr-defined]
                answered=player.answered_count,  # type: ignore[attr-defined]
                questions=game.question_count,
            )
        )
    return results


def student_dashboard(*, user: User, now: datetime | None = None) -> StudentDashboard:
    """Everything on a student's home page: deadlines, own submissions, own ranks, own quiz results."""
    now = now or timezone.now()
    return StudentDashboard(
        deadlines=student_deadlines(user=user, now=now),
        submissions=student_submissions(user=user, now=now),
        standings=student_standings(user=user, now=now),
        quiz_results=student_quiz_results(user=user),
    )


# --- the course's dashboard for its staff -----------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentActivity:
    """An assignment at a glance: each ranked student's counting score and when submissions came in."""

    assignment: Assignment
    scores: list[float]  # the public leaderboard's scores, one per ranked student
    baseline: float | None
    submission_times: list[datetime]
    students: int  # enrolled students
    students_submitted: int
    scored: int
    failed: int
    waiting: int


@dataclass(frozen=True)
class QuestionStat:
    index: int
    label: str  # "Q1"
    text: str
    kind: str
    answered: int
    correct: int
    share_correct: float | None  # None for polls (nothing is correct)
    mean_response_s: float | None


@dataclass(frozen=True)
class PlayerStat:
    neptun_code: str
    display_name: str
    score: int
    rank: int
    correct: int
    answered: int


@dataclass(frozen=True)
class GameActivity:
    game: Game
    questions: list[QuestionStat]
    players: list[PlayerStat]


@dataclass(frozen=True)
class CourseDashboard:
    course: Course
    assignments: list[AssignmentActivity]
    games: list[GameActivity]
    queue: list[QueueRow]
    workers: list[dict[str, Any]]


def assignment_activity(*, assignment: Assignment, viewer: User) -> AssignmentActivity:
    """Staff only (the caller checks): the score distribution and the submissions' arrival times."""
    board = leaderboard_for_assignment(assignment=assignment, viewer=viewer)
    rows = list(
        Submission.objects.filter(assignment=assignment, is_reference=False).values_list(
            "received_at", "status", "user_id"
        )
    )
    students = Enrollment.objects.filter(course=assignment.course, role=Role.STUDENT).count()
    return AssignmentActivity(
        assignment=assignment,
        scores=[row.score for row in board.rows],
        baseline=board.baseline,
        submission_times=sorted(received for received, _, _ in rows),
        students=students,
        students_submitted=len({user_id for _, _, user_id in rows if user_id is not None}),
        scored=sum(status == SubmissionStatus.SCORED for _, status, _ in rows),
        failed=sum(status == SubmissionStatus.FAILED for _, status, _ in rows),
        waiting=sum(status in WAITING for _, status, _ in rows),
    )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def game_activity(*, game: Game) -> GameActivity:
    """A finished game: how many answered each question and got it right, and each player's record."""
    per_question: dict[int, dict[str, Any]] = {
        row["question_index"]: dict(row)
        for row in Answer.objects.filter(game=game)
        .order_by()
        .values("question_index")
        .annotate(
            n_answered=Count("pk"),
            n_correct=Count("pk", filter=Q(correct=True)),
            n_graded=Count("pk", filter=Q(correct__isnull=False)),
            mean_ms=Avg("response_ms"),
        )
    }
    questions = []
    for index, question in enumerate(game_questions(game=game)):
        row: dict[str, Any] = per_question.get(index, {})
        answered = row.get("n_answered", 0)
        correct = row.get("n_correct", 0)
        graded = row.get("n_graded", 0)
        mean_ms = row.get("mean_ms")
        questions.append(
            QuestionStat(
                index=index,
                label=f"Q{index + 1}",
                text=_short(question.text or question.generator or question.get_kind_display()),
                kind=question.kind,
                answered=answered,
                correct=correct,
                share_correct=(correct / graded) if graded else None,
                mean_response_s=mean_ms / 1000 if mean_ms is not None else None,
            )
        )
    records: dict[int, dict[str, Any]] = {
        row["player_id"]: dict(row)
        for row in Answer.objects.filter(game=game)
        .order_by()
        .values("player_id")
        .annotate(n_answered=Count("pk"), n_correct=Count("pk", filter=Q(correct=True)))
    }
    players = [
        PlayerStat(
            neptun_code=row["neptun_code"],
            display_name=row["display_name"],
            score=row["score"],
            rank=row["rank"],
            correct=records.get(row["id"], {}).get("n_correct", 0),
            answered=records.get(row["id"], {}).get("n_answered", 0),
        )
        for row in ranking(game=game)
    ]
    return GameActivity(game=game, questions=questions, players=players)


def course_dashboard(*, course: Course, viewer: User, now: datetime | None = None) -> CourseDashboard:
    """The course's staff dashboard: every assignment, the latest finished games, the grading queue.

    Call only for the course's staff (``course_is_staff``): it holds every student's scores.
    """
    assignments = Assignment.objects.filter(course=course).order_by("deadline", "pk")
    games = (
        Game.objects.filter(course=course, phase=Phase.FINISHED)
        .select_related("quiz")
        .order_by("-finished_at", "-created_at")[:RECENT_GAMES]
    )
    return CourseDashboard(
        course=course,
        assignments=[assignment_activity(assignment=a, viewer=viewer) for a in assignments],
        games=[game_activity(game=g) for g in games],
        queue=[
            row
            for row in grading_queue_rows(user=viewer, now=now)
            if row.submission.assignment.course_id == course.pk
        ],
        workers=grading_workers(),
    )
