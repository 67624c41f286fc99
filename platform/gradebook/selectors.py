"""Reads of the gradebook: who may see what, the course's table, one student's history behind it.

The columns and cells come from the apps that own the graded work, through the sources registered in
``core.gradebook_sources`` (quizzes: games, grader: assignments, projects: milestones); this module
keeps only the weights, the adjustments and the totals (``gradebook.arithmetic``), and queries no other
app's tables. The table is built from a fixed number of queries whatever the number of students and
columns (a test counts them for 400 students × 30 columns): the students, the weights, each source's
columns and cells, the adjustments.

Rights (see docs/gradebook.md):
- the course's instructors and graders see the whole gradebook, every student's history and the exports;
- a student sees only their own row and history, and a column's points only once its owner says so
  (``SourceColumn.revealed``: an assignment after its reveal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import Course, Role, User
from accounts.selectors import course_role
from core.gradebook_sources import (
    GradebookSource,
    HistorySection,
    SourceCell,
    SourceColumn,
    gradebook_sources,
)
from gradebook.arithmetic import (
    DEFAULT_WEIGHTS,
    ZERO,
    Adjustments,
    Category,
    Cell,
    Total,
    adjustments_in_force,
    cell_compute,
    total_compute,
)
from gradebook.marks import Standing
from gradebook.models import Adjustment, GradebookWeights

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


@dataclass
class GradebookRow:
    student_id: int
    neptun_code: str
    name: str
    cells: list[Cell]  # in the columns' order
    total: Total
    adjustment_count: int = 0
    standing: Standing | None = None  # the course's end-of-term rules (gradebook.course_rules)

    @property
    def missing_count(self) -> int:
        return sum(1 for cell in self.cells if cell.missing and not cell.excused)

    def cell(self, key: str) -> Cell | None:
        return next((cell for cell in self.cells if cell.column_key == key), None)


@dataclass
class Gradebook:
    course: Course
    columns: list[SourceColumn]
    rows: list[GradebookRow]
    weights: dict[Category, Decimal]
    weights_set: bool = False  # False: the defaults (nobody has saved weights for the course yet)
    hidden_columns: list[SourceColumn] = field(default_factory=list)  # students: not revealed yet
    # Each source with its columns shown here (for the history sections).
    by_source: list[tuple[GradebookSource, list[SourceColumn]]] = field(default_factory=list)

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


@dataclass
class _Sources:
    """Everything the rows are computed from, loaded in bulk."""

    columns: list[SourceColumn]
    by_source: list[tuple[GradebookSource, list[SourceColumn]]]
    cells: dict[tuple[int, str], SourceCell]  # (user id, column key) -> the owner's result
    adjustments: dict[tuple[int, str], Adjustments]  # (user id, column key) -> in force
    adjustment_counts: dict[int, int]


def _sources_load(*, course: Course, students: Sequence[User], only: User | None, now: datetime) -> _Sources:
    """Load what the rows need: every student's (``only=None``) or one student's."""
    columns: list[SourceColumn] = []
    by_source = []
    cells: dict[tuple[int, str], SourceCell] = {}
    for source in gradebook_sources():
        own = source.columns(course=course, now=now)
        columns += own
        by_source.append((source, own))
        if own:
            cells.update(source.cells(course=course, columns=own, students=students, only=only))

    adjustments_qs = Adjustment.objects.filter(course=course, withdrawn_at__isnull=True)
    if only is not None:
        adjustments_qs = adjustments_qs.filter(student=only)
    records: dict[tuple[int, str], list[tuple[str, Decimal | None, int | None]]] = defaultdict(list)
    counts: dict[int, int] = defaultdict(int)
    for student_id, key, kind, points, days in adjustments_qs.order_by("created_at", "pk").values_list(
        "student_id", "column_key", "kind", "points", "extension_days"
    ):
        records[(student_id, key)].append((kind, points, days))
        counts[student_id] += 1

    return _Sources(
        columns=columns,
        by_source=by_source,
        cells=cells,
        adjustments={key: adjustments_in_force(value) for key, value in records.items()},
        adjustment_counts=dict(counts),
    )


NO_RESULT = SourceCell()


def _row_compute(
    *, student: User, sources: _Sources, columns: Sequence[SourceColumn], weights: dict[Category, Decimal]
) -> GradebookRow:
    cells = []
    for column in columns:
        result = sources.cells.get((student.pk, column.key), NO_RESULT)
        cells.append(
            cell_compute(
                column=column,
                points=result.points,
                attempt=result.attempt,
                adjustments=sources.adjustments.get((student.pk, column.key), Adjustments()),
                handed_in=result.handed_in,
                on_time=result.on_time,
            )
        )
    total = total_compute(columns=columns, cells={cell.column_key: cell for cell in cells}, weights=weights)
    return GradebookRow(
        student_id=student.pk,
        neptun_code=student.neptun_code or "",
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
    sources = _sources_load(course=course, students=students, only=None, now=now)
    rows = [
        _row_compute(student=s, sources=sources, columns=sources.columns, weights=weights) for s in students
    ]
    return Gradebook(
        course=course,
        columns=sources.columns,
        rows=rows,
        weights=weights,
        weights_set=weights_set,
        by_source=sources.by_source,
    )


def gradebook_for_student(
    *, course: Course, student: User, as_student: bool, now: datetime | None = None
) -> Gradebook:
    """One student's row. ``as_student``: what the student may see (unrevealed columns are left out
    of the columns and of the total, and listed in ``hidden_columns``)."""
    now = now or timezone.now()
    weights, weights_set = gradebook_weights(course=course)
    sources = _sources_load(course=course, students=[student], only=student, now=now)
    columns = sources.columns
    hidden: list[SourceColumn] = []
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
        by_source=[(source, [c for c in own if c in columns]) for source, own in sources.by_source],
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


@dataclass
class StudentHistory:
    gradebook: Gradebook
    row: GradebookRow
    sections: list[HistorySection]  # one per source with columns the reader may see, in column order
    adjustments: list[Adjustment]  # all, withdrawn ones too, newest first

    def section(self, source: str) -> HistorySection | None:
        """The named source's section (``"quizzes"``, ``"grader"``, ``"projects"``), if any."""
        return next((s for s in self.sections if s.source == source), None)


def gradebook_student_history(
    *, course: Course, student: User, as_student: bool, now: datetime | None = None
) -> StudentHistory:
    """Everything behind one student's row: each source's history (every submission with its late
    days, penalty and points; every game; every milestone grade with its rubric) and every adjustment.

    ``as_student``: unrevealed columns are left out (the student sees them on their owner's pages,
    without full scores or points, until the reveal).
    """
    now = now or timezone.now()
    gradebook = gradebook_for_student(course=course, student=student, as_student=as_student, now=now)
    row = gradebook.rows[0]
    cells = {cell.column_key: cell for cell in row.cells}
    sections = []
    for source, columns in gradebook.by_source:
        section = source.history(
            course=course, student=student, columns=columns, cells=cells, as_student=as_student
        )
        if section is not None:
            section.source = source.name
            sections.append(section)
    adjustments = list(
        Adjustment.objects.filter(course=course, student=student)
        .select_related("created_by", "withdrawn_by")
        .order_by("-created_at", "-pk")
    )
    if as_student:
        hidden = {c.key for c in gradebook.hidden_columns}
        adjustments = [a for a in adjustments if a.column_key not in hidden]
    return StudentHistory(gradebook=gradebook, row=row, sections=sections, adjustments=adjustments)


def gradebook_columns_for_course(*, course: Course) -> list[SourceColumn]:
    """The course's columns (for the adjustment form's choices)."""
    now = timezone.now()
    return [column for source in gradebook_sources() for column in source.columns(course=course, now=now)]


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
