"""Reads of the gradebook: who may see what, the course's table, one student's history behind it.

The table is built from a fixed number of queries whatever the number of students and columns
(a test counts them for 400 students × 30 columns): the students, the games with their questions and
players, the assignments with their scored submissions, the milestones with their rubric totals and
the teams' grades, the adjustments and the weights. The numbers come from ``gradebook.arithmetic``.

Rights (see the README's gradebook section):
- the course's instructors and graders see the whole gradebook, every student's history and the exports;
- a student sees only their own row and history, and an assignment's points only after its reveal
  (the grader's rule: the late cut-off, or the deadline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils import timezone

from accounts.models import Course, Enrollment, Role, User
from accounts.selectors import course_role
from gradebook.arithmetic import (
    DEFAULT_WEIGHTS,
    ZERO,
    Adjustments,
    Attempt,
    Category,
    Cell,
    Column,
    Total,
    adjustments_in_force,
    cell_compute,
    late_days,
    late_penalised,
    number_text,
    total_compute,
)
from gradebook.models import Adjustment, GradebookWeights
from grader.models import Assignment, Submission, SubmissionStatus
from grader.selectors import LeaderboardEntry, assignment_is_revealed, assignment_reveal_at, leaderboard_rank
from grader.services import score_fraction
from projects.models import (
    CriterionScore,
    Milestone,
    MilestoneGrade,
    MilestoneSubmission,
    RubricCriterion,
    TeamMembership,
)
from projects.selectors import milestone_points_by_student
from quizzes.models import Game, Player, Question, QuestionKind
from quizzes.selectors import games_for_gradebook

# --- Rights ------------------------------------------------------------------------------------------


def gradebook_can_view_all(*, user: User, course: Course) -> bool:
    """Instructors and graders of the course (and superusers) see every row."""
    return course_role(user=user, course=course) in (Role.INSTRUCTOR, Role.GRADER)


def gradebook_can_set_weights(*, user: User, course: Course) -> bool:
    return course_role(user=user, course=course) == Role.INSTRUCTOR


def gradebook_can_adjust(*, user: User, course: Course, kind: str) -> bool:
    """Graders and instructors record excused and extension; only instructors override points."""
    role = course_role(user=user, course=course)
    if kind == "override":
        return role == Role.INSTRUCTOR
    return role in (Role.INSTRUCTOR, Role.GRADER)


# --- The table ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradebookColumn:
    """A column with what the page needs besides the arithmetic."""

    column: Column
    object_id: int
    short: str  # the header: "Q1", "HW2", "M3"
    revealed: bool = True  # assignments: False before the reveal (students never see those points)
    reveal_at: datetime | None = None

    @property
    def key(self) -> str:
        return self.column.key

    @property
    def category(self) -> Category:
        return self.column.category

    @property
    def title(self) -> str:
        return self.column.title

    @property
    def max_points(self) -> Decimal:
        return self.column.max_points

    @property
    def export_label(self) -> str:
        return f"{self.short} {self.title} ({number_text(self.max_points)})"


@dataclass
class GradebookRow:
    student_id: int
    neptun_code: str
    name: str
    cells: list[Cell]  # in the columns' order
    total: Total
    adjustment_count: int = 0

    @property
    def missing_count(self) -> int:
        return sum(1 for cell in self.cells if cell.missing and not cell.excused)

    def cell(self, key: str) -> Cell | None:
        return next((cell for cell in self.cells if cell.column_key == key), None)


@dataclass
class Gradebook:
    course: Course
    columns: list[GradebookColumn]
    rows: list[GradebookRow]
    weights: dict[Category, Decimal]
    weights_set: bool = False  # False: the defaults (nobody has saved weights for the course yet)
    hidden_columns: list[GradebookColumn] = field(default_factory=list)  # students: not revealed yet
    assignments: dict[int, Assignment] = field(default_factory=dict)

    @property
    def weight_percentages(self) -> dict[Category, Decimal]:
        total = sum(self.weights.values(), ZERO)
        if not total:
            return {category: ZERO for category in self.weights}
        return {c: (w / total * 100).quantize(Decimal("0.1")) for c, w in self.weights.items()}


def gradebook_weights(*, course: Course) -> tuple[dict[Category, Decimal], bool]:
    """The course's weights per category, and whether an instructor has set them (else the defaults)."""
    row = GradebookWeights.objects.filter(course=course).first()
    if row is None:
        return dict(DEFAULT_WEIGHTS), False
    return (
        {
            Category.QUIZ: row.quiz_weight,
            Category.ASSIGNMENT: row.assignment_weight,
            Category.MILESTONE: row.milestone_weight,
        },
        True,
    )


def _game_max_points(games: list[Game]) -> dict[int, Decimal]:
    """A game's nominal maximum: the sum of its questions' points (what answering at once earns)."""
    ids = {qid for game in games for qid in game.question_ids}
    points = {
        row["id"]: row["points"]
        for row in Question.objects.filter(id__in=ids).exclude(kind=QuestionKind.POLL).values("id", "points")
    }
    return {game.pk: Decimal(sum(points.get(qid, 0) for qid in game.question_ids)) for game in games}


def _milestone_max_points(milestones: list[Milestone]) -> dict[int, Decimal]:
    rows = (
        RubricCriterion.objects.filter(milestone__in=milestones)
        .values("milestone_id")
        .annotate(total=Sum("max_points"))
    )
    return {row["milestone_id"]: Decimal(row["total"] or 0).quantize(Decimal("0.1")) for row in rows}


@dataclass
class _Sources:
    """Everything the table is computed from, loaded in bulk."""

    columns: list[GradebookColumn]
    assignments: dict[int, Assignment]
    quiz_points: dict[tuple[str, int], int]  # (neptun code, game id) -> score
    counting: dict[tuple[int, int], Attempt]  # (user id, assignment id) -> the submission that counts
    milestone_points: dict[str, dict[int, Decimal]]  # neptun code -> milestone id -> points
    adjustments: dict[tuple[int, str], Adjustments]  # (user id, column key) -> in force
    adjustment_counts: dict[int, int]


@dataclass
class _Columns:
    columns: list[GradebookColumn]
    games: list[Game]
    assignments: list[Assignment]
    milestones: list[Milestone]


def _columns_load(*, course: Course, now: datetime) -> _Columns:
    """The course's columns: finished games, then assignments by deadline, then milestones (5 queries)."""
    games = list(
        games_for_gradebook(course=course)  # the quizzes' rule: graded games that students played
        .select_related("quiz")
        .order_by("created_at", "pk")
    )
    game_max = _game_max_points(games)
    assignments = list(Assignment.objects.filter(course=course).order_by("deadline", "pk"))
    milestones = list(Milestone.objects.filter(course=course).order_by("order", "pk"))
    milestone_max = _milestone_max_points(milestones)
    columns: list[GradebookColumn] = []
    for number, game in enumerate(games, start=1):
        when = timezone.localtime(game.finished_at or game.created_at)
        columns.append(
            GradebookColumn(
                column=Column(
                    key=f"quiz:{game.pk}",
                    category=Category.QUIZ,
                    title=f"{game.quiz.title} {when:%Y-%m-%d}",
                    max_points=game_max.get(game.pk, ZERO),
                ),
                object_id=game.pk,
                short=f"Q{number}",
            )
        )
    for number, assignment in enumerate(assignments, start=1):
        columns.append(
            GradebookColumn(
                column=Column(
                    key=f"assignment:{assignment.pk}",
                    category=Category.ASSIGNMENT,
                    title=assignment.title,
                    max_points=assignment.points,
                    deadline=assignment.deadline,
                    late_penalty_percent_per_day=assignment.late_penalty_percent_per_day,
                ),
                object_id=assignment.pk,
                short=f"HW{number}",
                revealed=assignment_is_revealed(assignment=assignment, now=now),
                reveal_at=assignment_reveal_at(assignment=assignment),
            )
        )
    for milestone in milestones:
        columns.append(
            GradebookColumn(
                column=Column(
                    key=f"milestone:{milestone.pk}",
                    category=Category.MILESTONE,
                    title=milestone.title,
                    max_points=milestone_max.get(milestone.pk, ZERO),
                ),
                object_id=milestone.pk,
                short=f"M{milestone.order}",
            )
        )
    return _Columns(columns=columns, games=games, assignments=assignments, milestones=milestones)


def _sources_load(*, course: Course, only: User | None, now: datetime) -> _Sources:
    """Load what the rows need: every student's (``only=None``) or one student's."""
    loaded = _columns_load(course=course, now=now)
    games = loaded.games
    assignments = loaded.assignments
    student_ids = Enrollment.objects.filter(course=course, role=Role.STUDENT).values("user_id")
    single = only
    players = Player.objects.filter(game__in=games, removed_at__isnull=True)
    if single is not None:
        players = players.filter(neptun_code=single.neptun_code or "")
    quiz_points = {
        (row["neptun_code"], row["game_id"]): row["score"]
        for row in players.values("neptun_code", "game_id", "score")
    }

    by_assignment = {a.pk: a for a in assignments}
    submissions = Submission.objects.filter(
        assignment__course=course,
        is_reference=False,
        status=SubmissionStatus.SCORED,
        score_public__isnull=False,
        user__in=student_ids,
    )
    if single is not None:
        submissions = submissions.filter(user=single)
    entries: dict[int, list[LeaderboardEntry]] = defaultdict(list)
    full_scores: dict[int, float | None] = {}
    for pk, assignment_id, user_id, public, private, score, received_at in submissions.values_list(
        "pk", "assignment_id", "user_id", "score_public", "score_private", "score", "received_at"
    ):
        if public is None:  # excluded by the query; for the type checker
            continue
        entries[assignment_id].append(
            LeaderboardEntry(
                submission_id=pk,
                user_id=user_id,
                code="",
                score_public=public,
                score_private=private,
                received_at=received_at,
            )
        )
        full_scores[pk] = score
    counting: dict[tuple[int, int], Attempt] = {}
    for assignment_id, items in entries.items():
        assignment = by_assignment[assignment_id]
        for ranked in leaderboard_rank(
            entries=items,
            higher_is_better=assignment.higher_is_better,
            rule=assignment.leaderboard_rule,
            private=False,
        ):
            entry = ranked.entry
            counting[(entry.user_id, assignment_id)] = Attempt(
                submission_id=entry.submission_id,
                received_at=entry.received_at,
                fraction=score_fraction(assignment=assignment, score=full_scores[entry.submission_id]),
            )

    milestone_points = _milestone_points(course=course, student=single)

    adjustments_qs = Adjustment.objects.filter(course=course, withdrawn_at__isnull=True)
    if single is not None:
        adjustments_qs = adjustments_qs.filter(student=single)
    records: dict[tuple[int, str], list[tuple[str, Decimal | None, int | None]]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for student_id, key, kind, points, days in adjustments_qs.order_by("created_at", "pk").values_list(
        "student_id", "column_key", "kind", "points", "extension_days"
    ):
        records[(student_id, key)].append((kind, points, days))
        counts[student_id] += 1

    return _Sources(
        columns=loaded.columns,
        assignments=by_assignment,
        quiz_points=quiz_points,
        counting=counting,
        milestone_points=milestone_points,
        adjustments={key: adjustments_in_force(value) for key, value in records.items()},
        adjustment_counts=dict(counts),
    )


def _milestone_points(*, course: Course, student: User | None) -> dict[str, dict[int, Decimal]]:
    """{neptun code: {milestone id: points}}: the projects app's rule (who is credited with a team grade)."""
    return milestone_points_by_student(course=course, student=student)


def _row_compute(
    *, student: User, sources: _Sources, columns: Sequence[GradebookColumn], weights: dict[Category, Decimal]
) -> GradebookRow:
    code = student.neptun_code or ""
    cells = []
    for item in columns:
        column = item.column
        adjustments = sources.adjustments.get((student.pk, column.key), Adjustments())
        if column.category == Category.QUIZ:
            score = sources.quiz_points.get((code, item.object_id))
            cell = cell_compute(
                column=column, points=Decimal(score) if score is not None else None, adjustments=adjustments
            )
        elif column.category == Category.ASSIGNMENT:
            cell = cell_compute(
                column=column,
                attempt=sources.counting.get((student.pk, item.object_id)),
                adjustments=adjustments,
            )
        else:
            points = sources.milestone_points.get(code, {}).get(item.object_id)
            cell = cell_compute(column=column, points=points, adjustments=adjustments)
        cells.append(cell)
    total = total_compute(
        columns=[c.column for c in columns], cells={cell.column_key: cell for cell in cells}, weights=weights
    )
    return GradebookRow(
        student_id=student.pk,
        neptun_code=code,
        name=student.display_name,
        cells=cells,
        total=total,
        adjustment_count=sources.adjustment_counts.get(student.pk, 0),
    )


def gradebook_for_course(*, course: Course, now: datetime | None = None) -> Gradebook:
    """Every enrolled student's row, ordered by Neptun code (staff only: holds unrevealed points)."""
    now = now or timezone.now()
    students = list(
        User.objects.filter(enrollments__course=course, enrollments__role=Role.STUDENT).order_by(
            "neptun_code", "username"
        )
    )
    weights, weights_set = gradebook_weights(course=course)
    sources = _sources_load(course=course, only=None, now=now)
    rows = [
        _row_compute(student=s, sources=sources, columns=sources.columns, weights=weights) for s in students
    ]
    return Gradebook(
        course=course,
        columns=sources.columns,
        rows=rows,
        weights=weights,
        weights_set=weights_set,
        assignments=sources.assignments,
    )


def gradebook_for_student(
    *, course: Course, student: User, as_student: bool, now: datetime | None = None
) -> Gradebook:
    """One student's row. ``as_student``: what the student may see (unrevealed assignments are left
    out of the columns and of the total, and listed in ``hidden_columns``)."""
    now = now or timezone.now()
    weights, weights_set = gradebook_weights(course=course)
    sources = _sources_load(course=course, only=student, now=now)
    columns = sources.columns
    hidden: list[GradebookColumn] = []
    if as_student:
        hidden = [c for c in columns if not c.revealed]
        columns = [c for c in columns if c.revealed]
    row = _row_compute(student=student, sources=sources, columns=columns, weights=weights)
    return Gradebook(
        course=course,
        columns=columns,
        rows=[row],
        weights=weights,
        weights_set=weights_set,
        hidden_columns=hidden,
        assignments=sources.assignments,
    )


SORTS = ("neptun", "name", "total", "missing")
SHOWS = ("all", "missing", "adjusted", "excused")


def gradebook_rows_select(
    *,
    rows: Iterable[GradebookRow],
    q: str = "",
    show: str = "all",
    sort: str = "neptun",
    descending: bool = False,
) -> list[GradebookRow]:
    """Search (Neptun code or name, case-insensitive substring), filter and sort the table's rows.

    ``sort``: one of ``SORTS`` or a column key (its points; excused cells sort with missing ones).
    Unknown values fall back to the defaults. Ties go by Neptun code.
    """
    needle = q.strip().casefold()
    selected = [
        row
        for row in rows
        if not needle or needle in row.neptun_code.casefold() or needle in row.name.casefold()
    ]
    if show == "missing":
        selected = [row for row in selected if row.missing_count]
    elif show == "adjusted":
        selected = [row for row in selected if row.adjustment_count]
    elif show == "excused":
        selected = [row for row in selected if any(cell.excused for cell in row.cells)]
    selected.sort(key=lambda row: row.neptun_code)
    if sort == "name":
        selected.sort(key=lambda row: row.name.casefold(), reverse=descending)
    elif sort == "total":
        # A row without a total sorts below every number (above, when descending).
        selected.sort(
            key=lambda row: row.total.percent if row.total.percent is not None else Decimal("-1"),
            reverse=descending,
        )
    elif sort == "missing":
        selected.sort(key=lambda row: row.missing_count, reverse=descending)
    elif ":" in sort:

        def points(row: GradebookRow) -> Decimal:
            cell = row.cell(sort)
            return Decimal("-1") if cell is None or cell.excused or cell.missing else cell.points

        selected.sort(key=points, reverse=descending)
    elif descending:
        selected.reverse()
    return selected


# --- One student's history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionLine:
    submission: Submission
    counts: bool  # the submission that counts for the assignment
    late_days: int  # with the student's extension
    penalty_percent: float
    points: Decimal | None  # after the late penalty (None: not scored into points)


@dataclass
class AssignmentHistory:
    column: GradebookColumn
    assignment: Assignment
    cell: Cell | None
    extension_days: int
    lines: list[SubmissionLine]


@dataclass
class MilestoneHistory:
    column: GradebookColumn
    cell: Cell | None
    grade: MilestoneGrade | None
    latest: MilestoneSubmission | None
    submission_count: int


@dataclass
class StudentHistory:
    gradebook: Gradebook
    row: GradebookRow
    games: list[tuple[GradebookColumn, Cell | None, bool]]  # column, cell, played
    assignments: list[AssignmentHistory]
    milestones: list[MilestoneHistory]
    team: str | None
    adjustments: list[Adjustment]  # all, withdrawn ones too, newest first


def gradebook_student_history(
    *, course: Course, student: User, as_student: bool, now: datetime | None = None
) -> StudentHistory:
    """Everything behind one student's row: every submission (time, score, late days, penalty,
    points), every game, every milestone grade with its rubric, every adjustment.

    ``as_student``: unrevealed assignments are left out (the student sees them on the grader's pages,
    without full scores or points, until the reveal).
    """
    now = now or timezone.now()
    gradebook = gradebook_for_student(course=course, student=student, as_student=as_student, now=now)
    row = gradebook.rows[0]
    cells = {cell.column_key: cell for cell in row.cells}
    played = set(
        Player.objects.filter(
            game__course=course, neptun_code=student.neptun_code or "", removed_at__isnull=True
        ).values_list("game_id", flat=True)
    )
    games = [
        (c, cells.get(c.key), c.object_id in played) for c in gradebook.columns if c.category == Category.QUIZ
    ]

    assignment_columns = [c for c in gradebook.columns if c.category == Category.ASSIGNMENT]
    by_assignment: dict[int, list[Submission]] = defaultdict(list)
    for submission in (
        Submission.objects.filter(
            assignment_id__in=[c.object_id for c in assignment_columns], user=student, is_reference=False
        )
        .select_related("assignment")
        .order_by("received_at", "pk")
    ):
        by_assignment[submission.assignment_id].append(submission)
    assignments = []
    for column in assignment_columns:
        cell = cells.get(column.key)
        extension = cell.extension_days if cell else 0
        lines = []
        for submission in by_assignment.get(column.object_id, []):
            assignment = submission.assignment
            days = late_days(
                received_at=submission.received_at, deadline=assignment.deadline, extension_days=extension
            )
            fraction = (
                score_fraction(assignment=assignment, score=submission.score)
                if submission.status == SubmissionStatus.SCORED
                else None
            )
            lines.append(
                SubmissionLine(
                    submission=submission,
                    counts=cell is not None and cell.submission_id == submission.pk,
                    late_days=days,
                    penalty_percent=min(100.0, assignment.late_penalty_percent_per_day * days),
                    points=late_penalised(
                        max_points=assignment.points,
                        fraction=fraction,
                        percent_per_day=assignment.late_penalty_percent_per_day,
                        days=days,
                    )
                    if fraction is not None
                    else None,
                )
            )
        assignments.append(
            AssignmentHistory(
                column=column,
                assignment=gradebook.assignments[column.object_id],
                cell=cell,
                extension_days=extension,
                lines=lines,
            )
        )

    membership = (
        TeamMembership.objects.filter(course=course, student=student).select_related("project").first()
    )
    latest: dict[int, MilestoneSubmission] = {}
    submission_counts: dict[int, int] = defaultdict(int)
    # The grades the student is credited with (projects' rule), whichever team they are in now.
    grades: dict[int, MilestoneGrade] = {
        g.milestone_id: g
        for g in MilestoneGrade.objects.filter(milestone__course=course, credited__student=student)
        .select_related("graded_by", "submission")
        .prefetch_related(Prefetch("scores", queryset=CriterionScore.objects.select_related("criterion")))
    }
    if membership is not None:
        for hand_in in MilestoneSubmission.objects.filter(project=membership.project).order_by(
            "submitted_at", "pk"
        ):
            latest[hand_in.milestone_id] = hand_in
            submission_counts[hand_in.milestone_id] += 1
    milestones = [
        MilestoneHistory(
            column=c,
            cell=cells.get(c.key),
            grade=grades.get(c.object_id),
            latest=latest.get(c.object_id),
            submission_count=submission_counts.get(c.object_id, 0),
        )
        for c in gradebook.columns
        if c.category == Category.MILESTONE
    ]
    adjustments = list(
        Adjustment.objects.filter(course=course, student=student)
        .select_related("created_by", "withdrawn_by")
        .order_by("-created_at", "-pk")
    )
    if as_student:
        hidden = {c.key for c in gradebook.hidden_columns}
        adjustments = [a for a in adjustments if a.column_key not in hidden]
    return StudentHistory(
        gradebook=gradebook,
        row=row,
        games=games,
        assignments=assignments,
        milestones=milestones,
        team=membership.project.title if membership else None,
        adjustments=adjustments,
    )


def gradebook_columns_for_course(*, course: Course) -> list[GradebookColumn]:
    """The course's columns (for the adjustment form's choices)."""
    return _columns_load(course=course, now=timezone.now()).columns


def gradebook_student(*, course: Course, neptun_code: str) -> User | None:
    """The enrolled student with this Neptun code (trimmed, case-folded), or None."""
    return (
        User.objects.filter(
            neptun_code=neptun_code.strip().upper(),
            enrollments__course=course,
            enrollments__role=Role.STUDENT,
        )
        .distinct()
        .first()
    )
