"""Gradebook columns provided by the apps that own the graded work (Wagtail's hooks, in small).

The gradebook (``gradebook.selectors``) shows what other apps own: live games (quizzes), homework
(grader), project milestones (projects). It never imports their models or restates their rules; it asks
every registered ``GradebookSource`` for its columns, its cells per student and its part of a student's
history page, and keeps only weights, adjustments and totals. The protocol lives here, in ``core``, so
that a feature app registers a source without importing the gradebook (the layers: ``core`` < feature
apps < ``gradebook``).

How to add a kind of graded work (a manual rubric, a signature, a practice set) — one provider, no edit
to the gradebook:

1. In your app, write a module (e.g. ``myapp/gradebook.py``) with a class that has ``name``, ``order``
   and the three methods of ``GradebookSource`` below. ``columns`` returns your ``SourceColumn``\\ s in
   order; ``cells`` returns one ``SourceCell`` per (student id, column key) that has a result (leave
   missing work out: the gradebook counts it as 0); ``history`` returns a ``HistorySection`` (a template
   of yours and its context) for a student's page, or ``None``.
2. Register it in your ``AppConfig.ready()``::

       def ready(self) -> None:
           from core.gradebook_sources import gradebook_source_register
           from myapp.gradebook import SOURCE

           gradebook_source_register(SOURCE)

3. Keys: a column's ``key`` is ``"<prefix>:<id>"`` (adjustments are stored against it: never change it);
   its ``code`` (``"HW2"``) is assigned once and never renumbered when work is added (derive it from
   the creation order or store it). Pick a ``category`` the course weights (``Category``).
4. Bounded queries: the course table runs a fixed number of queries whatever the number of students and
   columns (tests/gradebook/test_queries.py); ``columns`` and ``cells`` must each run a fixed number
   (no query per column or per student). Carry what ``cells`` needs from ``columns`` in
   ``SourceColumn.owner``.
5. Rights: ``cells`` and ``history`` are called for the course's staff and for a student's own row;
   mark a column ``revealed=False`` while students must not see its points (the gradebook hides it).
   In a history template, show a student only what they may see (``as_student`` is in the context).

A history template gets ``section`` (the ``HistorySection``), ``course``, ``student``, ``as_student``
and may ``{% load grades %}`` (``core/templatetags/grades.py``) for ``points`` and ``gradebook_cell``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from core.points import Attempt

if TYPE_CHECKING:
    from accounts.models import Course, User

__all__ = [
    "Attempt",
    "Category",
    "Cell",
    "GradebookSource",
    "HistorySection",
    "SourceCell",
    "SourceColumn",
    "gradebook_source_register",
    "gradebook_sources",
]


class Category(StrEnum):
    """What a column counts towards; the course weights each category (``gradebook.models``)."""

    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    MILESTONE = "milestone"


@dataclass(frozen=True)
class SourceColumn:
    """One gradebook column as its owner describes it."""

    key: str  # "quiz:12", "assignment:3", "milestone:7": stable across renames (adjustments use it)
    category: Category
    code: str  # the header: "Q1", "HW2", "M3"; assigned once, never renumbered
    title: str  # the full name: on hover and in exports
    max_points: Decimal
    # Late-penalised work only (cells give an ``Attempt``): what the late penalty needs.
    deadline: datetime | None = None
    late_penalty_percent_per_day: float = 0.0
    revealed: bool = True  # False: students see neither the column nor its points yet
    reveal_at: datetime | None = None
    # When the work is due, for what is still open (signature, running grade); defaults to ``deadline``.
    due: datetime | None = None
    # The page a cell's points link to, reversed with the cell's ``submission_id`` ("" for no link).
    cell_url_name: str = ""
    # The owner's own object (a Game, an Assignment…), for its ``cells`` and ``history``.
    owner: Any = field(default=None, compare=False, repr=False, hash=False)

    @property
    def due_at(self) -> datetime | None:
        return self.due or self.deadline

    @property
    def object_id(self) -> int:
        return int(self.key.rsplit(":", 1)[1])


@dataclass(frozen=True)
class SourceCell:
    """One student's result in one column: ``points`` as they count, or the ``attempt`` that counts
    (late-penalised work: the gradebook applies the penalty with the student's extension)."""

    points: Decimal | None = None
    attempt: Attempt | None = None
    # For the course's conditions (signature, offered grade): work handed in but not graded yet (a
    # milestone before its grade) and whether the hand-in that counts was on time. An ``attempt`` says
    # both itself (its late days); points alone mean handed in, on time unless ``on_time`` says otherwise.
    handed_in: bool = False
    on_time: bool | None = None


@dataclass(frozen=True)
class Cell:
    """What the gradebook computed for one student in one column (``gradebook.arithmetic``)."""

    column_key: str
    points: Decimal  # what counts (0 for missing work); shown even when excused
    missing: bool
    excused: bool = False
    overridden: bool = False
    late_days: int = 0
    penalty_percent: float = 0.0
    extension_days: int = 0
    submission_id: int | None = None  # the hand-in that counts (linked through the column's URL name)
    url_name: str = ""
    handed_in: bool = False  # something counts (points, an attempt, or a hand-in not graded yet)
    on_time: bool | None = None  # the counting hand-in was on time (extension included); None: unknown


@dataclass
class HistorySection:
    """A source's part of a student's history page: a heading and a template of the owner's."""

    title: str
    template: str  # rendered with ``section`` (this), ``course``, ``student`` and ``as_student``
    context: dict[str, Any] = field(default_factory=dict)
    subtitle: str = ""  # shown beside the heading (the project's team)
    source: str = ""  # the source's name: filled in by the gradebook


class GradebookSource(Protocol):
    """What an app provides to the gradebook (see the module docstring for how to add one)."""

    name: str  # unique; also the history section's anchor
    order: int  # where its columns go: quizzes 10, homework 20, project 30

    def columns(self, *, course: Course, now: datetime) -> list[SourceColumn]:
        """The course's columns of this kind, in order (a fixed number of queries)."""
        ...

    def cells(
        self,
        *,
        course: Course,
        columns: Sequence[SourceColumn],
        students: Sequence[User],
        only: User | None,
    ) -> Mapping[tuple[int, str], SourceCell]:
        """{(student id, column key): cell} for ``students`` (``only``: the one student asked for,
        so narrow the query; None: every enrolled student). Missing work is left out."""
        ...

    def history(
        self,
        *,
        course: Course,
        student: User,
        columns: Sequence[SourceColumn],
        cells: Mapping[str, Cell],
        as_student: bool,
    ) -> HistorySection | None:
        """The student's history behind ``columns`` (only the columns the reader may see), or None."""
        ...


_SOURCES: dict[str, GradebookSource] = {}


def gradebook_source_register(source: GradebookSource) -> None:
    """Register (or replace: ``ready()`` may run twice in tests) an app's gradebook source."""
    _SOURCES[source.name] = source


def gradebook_sources() -> list[GradebookSource]:
    """The registered sources in column order."""
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.name))
