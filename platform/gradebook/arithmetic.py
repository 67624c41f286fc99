"""The gradebook's arithmetic in plain Python (no Django, no database): read the rules here.

A *column* is one live game, one assignment or one project milestone, in one of three categories.
A *cell* is one student's result in one column. The rules, in the order they apply:

1. **Points.** A game: the player's score. An assignment: the points of the submission that counts
   (the grader's rule: best or last by public score), before the late penalty, then the late penalty
   (below). A milestone: the team's grade, the same for every member. Missing work counts as 0.
2. **Late penalty** (assignments): late days are started days after the deadline, where the deadline
   is the assignment's plus this student's *extension* (whole days); the score's share of the points
   is multiplied by ``max(0, 1 - percent_per_day * late_days / 100)``, then by the points, and rounded
   half up to 0.01: the grader's own formula (``grader.services.points_for``), so without an
   extension the gradebook shows exactly the grader's points (a test compares them).
3. **Override** replaces the cell's points (after everything above; it may be above the maximum).
4. **Excused** leaves the column out of the student's total altogether: neither its points nor its
   maximum count, so the category's remaining columns carry the category's weight. When every column
   of a category is excused (or the category has none), the category drops out and the other
   categories' weights are scaled up to 100 % (renormalised). Excused wins over an override.
5. **Category score** = Σ credited points / Σ maximum points over the category's counted columns,
   where a cell is credited with at most its column's maximum (streak bonuses and overrides above the
   maximum do not spill over into other columns). Columns with a maximum of 0 are shown but never count.
6. **Total** (percent) = Σ weight × category score / Σ weight over the categories that count, × 100,
   rounded half up to 0.01. ``None`` when nothing counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0")


class Category(StrEnum):
    QUIZ = "quiz"
    ASSIGNMENT = "assignment"
    MILESTONE = "milestone"


class AdjustmentKind(StrEnum):
    EXCUSED = "excused"
    EXTENSION = "extension"
    OVERRIDE = "override"


@dataclass(frozen=True)
class Column:
    key: str  # "quiz:12", "assignment:3", "milestone:7": stable across renames
    category: Category
    title: str
    max_points: Decimal
    # Assignments only: what the late penalty needs.
    deadline: datetime | None = None
    late_penalty_percent_per_day: float = 0.0


@dataclass(frozen=True)
class Attempt:
    """The submission that counts for an assignment, as the arithmetic needs it."""

    submission_id: int
    received_at: datetime
    fraction: float | None  # the score's share of the points before the penalty, 0..1; None: no baseline


@dataclass(frozen=True)
class Adjustments:
    """The adjustments in force for one student in one column (the latest of each kind)."""

    excused: bool = False
    extension_days: int = 0
    override: Decimal | None = None


NO_ADJUSTMENTS = Adjustments()


@dataclass(frozen=True)
class Cell:
    column_key: str
    points: Decimal  # what counts (0 for missing work); shown even when excused
    missing: bool
    excused: bool = False
    overridden: bool = False
    late_days: int = 0
    penalty_percent: float = 0.0
    extension_days: int = 0
    submission_id: int | None = None  # assignments: the submission that counts


@dataclass(frozen=True)
class Total:
    percent: Decimal | None
    by_category: dict[Category, Decimal | None] = field(default_factory=dict)  # 0..100, None: not counted


DEFAULT_WEIGHTS: dict[Category, Decimal] = {
    Category.QUIZ: Decimal("20"),
    Category.ASSIGNMENT: Decimal("50"),
    Category.MILESTONE: Decimal("30"),
}


def number_text(value: Decimal | None) -> str:
    """A number as the page and the exports write it: ``4350``, ``7.5``, ``7.25``; empty for None."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def late_days(*, received_at: datetime, deadline: datetime, extension_days: int = 0) -> int:
    """Started days after the deadline moved by the extension (the grader's rule, ``late_days_for``)."""
    effective = deadline + timedelta(days=extension_days)
    if received_at <= effective:
        return 0
    return math.ceil((received_at - effective) / timedelta(days=1))


def late_penalised(*, max_points: Decimal, fraction: float, percent_per_day: float, days: int) -> Decimal:
    """Points for a score's share ``fraction`` after the late penalty, rounded half up to 0.01 (never
    below 0); the same float steps as ``grader.services.points_for``."""
    fraction *= max(0.0, 1.0 - percent_per_day * days / 100.0)
    return (max_points * Decimal(str(fraction))).quantize(CENT, rounding=ROUND_HALF_UP)


def cell_compute(
    *,
    column: Column,
    points: Decimal | None = None,
    attempt: Attempt | None = None,
    adjustments: Adjustments = NO_ADJUSTMENTS,
) -> Cell:
    """One student's cell. Pass ``points`` for games and milestones, ``attempt`` for assignments."""
    days = 0
    penalty = 0.0
    submission_id = None
    value: Decimal | None = points
    if column.category == Category.ASSIGNMENT:
        value = None
        if attempt is not None:
            submission_id = attempt.submission_id
            if attempt.fraction is not None:
                if column.deadline is not None:
                    days = late_days(
                        received_at=attempt.received_at,
                        deadline=column.deadline,
                        extension_days=adjustments.extension_days,
                    )
                penalty = min(100.0, column.late_penalty_percent_per_day * days)
                value = late_penalised(
                    max_points=column.max_points,
                    fraction=attempt.fraction,
                    percent_per_day=column.late_penalty_percent_per_day,
                    days=days,
                )
    missing = value is None
    overridden = adjustments.override is not None
    if overridden:
        value = adjustments.override
    return Cell(
        column_key=column.key,
        points=value if value is not None else ZERO,
        missing=missing and not overridden,
        excused=adjustments.excused,
        overridden=overridden,
        late_days=days,
        penalty_percent=penalty,
        extension_days=adjustments.extension_days,
        submission_id=submission_id,
    )


def total_compute(
    *, columns: Sequence[Column], cells: Mapping[str, Cell], weights: Mapping[Category, Decimal]
) -> Total:
    """The weighted total of one student's cells (rules 4-6 of the module docstring).

    ``cells`` maps column keys to cells; a column without a cell counts as missing work (0).
    """
    earned: dict[Category, Decimal] = {}
    available: dict[Category, Decimal] = {}
    for column in columns:
        if column.max_points <= 0:
            continue
        cell = cells.get(column.key)
        if cell is not None and cell.excused:
            continue
        credited = min(max(cell.points, ZERO), column.max_points) if cell is not None else ZERO
        earned[column.category] = earned.get(column.category, ZERO) + credited
        available[column.category] = available.get(column.category, ZERO) + column.max_points
    by_category: dict[Category, Decimal | None] = {}
    weighted = ZERO
    weight_sum = ZERO
    for category in Category:
        if category not in available:
            by_category[category] = None
            continue
        score = earned[category] / available[category]
        by_category[category] = (score * 100).quantize(CENT, rounding=ROUND_HALF_UP)
        weight = weights.get(category, ZERO)
        if weight > 0:
            weighted += weight * score
            weight_sum += weight
    percent = (weighted / weight_sum * 100).quantize(CENT, rounding=ROUND_HALF_UP) if weight_sum else None
    return Total(percent=percent, by_category=by_category)


def adjustments_in_force(records: Iterable[tuple[str, Decimal | None, int | None]]) -> Adjustments:
    """Fold one student's active adjustment records for one column, oldest first, into what applies:
    ``(kind, points, extension_days)``; the latest record of each kind wins."""
    excused = False
    extension = 0
    override: Decimal | None = None
    for kind, points, days in records:
        if kind == AdjustmentKind.EXCUSED:
            excused = True
        elif kind == AdjustmentKind.EXTENSION:
            extension = int(days or 0)
        elif kind == AdjustmentKind.OVERRIDE:
            override = points
    return Adjustments(excused=excused, extension_days=extension, override=override)
