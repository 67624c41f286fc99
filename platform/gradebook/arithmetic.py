"""The gradebook's arithmetic in plain Python (no Django, no database): read the rules here.

A *column* is one piece of graded work its owner provides (``core.gradebook_sources``: a live game,
an assignment, a project milestone…), in one of the categories the course weights. A *cell* is one
student's result in one column. The rules, in the order they apply:

1. **Points.** What the owner says counts: a game's score, a milestone's team grade, or, for
   late-penalised work (homework), the hand-in that counts (the grader's rule: best or last by public
   score) with its score's share of the points. Missing work counts as 0.
2. **Late penalty** (late-penalised work): ``core.points``, the one rule the grader stores points
   with, with the deadline moved by this student's *extension* (whole days); so without an extension
   the gradebook shows exactly the grader's points (a test compares them).
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

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.gradebook_sources import Category, Cell, SourceColumn
from core.points import CENT, ZERO, Attempt, late_days, late_penalised, late_penalty_percent, number_text

__all__ = [
    "CENT",
    "DEFAULT_WEIGHTS",
    "ZERO",
    "AdjustmentKind",
    "Adjustments",
    "Attempt",
    "Category",
    "Cell",
    "Column",
    "Total",
    "adjustments_in_force",
    "cell_compute",
    "late_days",
    "late_penalised",
    "number_text",
    "total_compute",
]

# A column as the arithmetic reads it: its key, category, maximum and (late-penalised work) deadline.
Column = SourceColumn


class AdjustmentKind(StrEnum):
    EXCUSED = "excused"
    EXTENSION = "extension"
    OVERRIDE = "override"


@dataclass(frozen=True)
class Adjustments:
    """The adjustments in force for one student in one column (the latest of each kind)."""

    excused: bool = False
    extension_days: int = 0
    override: Decimal | None = None


NO_ADJUSTMENTS = Adjustments()


@dataclass(frozen=True)
class Total:
    percent: Decimal | None
    by_category: dict[Category, Decimal | None] = field(default_factory=dict)  # 0..100, None: not counted


DEFAULT_WEIGHTS: dict[Category, Decimal] = {
    Category.QUIZ: Decimal("20"),
    Category.ASSIGNMENT: Decimal("50"),
    Category.MILESTONE: Decimal("30"),
}


def cell_compute(
    *,
    column: Column,
    points: Decimal | None = None,
    attempt: Attempt | None = None,
    adjustments: Adjustments = NO_ADJUSTMENTS,
    handed_in: bool = False,
    on_time: bool | None = None,
) -> Cell:
    """One student's cell. Pass ``points`` for work scored in points (games, milestones), ``attempt``
    for late-penalised work (a column with a deadline: homework)."""
    days = 0
    penalty = 0.0
    submission_id = None
    value: Decimal | None = points
    if attempt is not None:
        value = None
        submission_id = attempt.submission_id
        if attempt.fraction is not None:
            if column.deadline is not None:
                days = late_days(
                    received_at=attempt.received_at,
                    deadline=column.deadline,
                    extension_days=adjustments.extension_days,
                )
            penalty = late_penalty_percent(percent_per_day=column.late_penalty_percent_per_day, days=days)
            value = late_penalised(
                max_points=column.max_points,
                fraction=attempt.fraction,
                percent_per_day=column.late_penalty_percent_per_day,
                days=days,
            )
    missing = value is None
    handed_in = handed_in or attempt is not None or points is not None
    if attempt is not None:
        on_time = days == 0
    elif handed_in and on_time is None:
        on_time = True
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
        url_name=column.cell_url_name if submission_id else "",
        handed_in=handed_in,
        on_time=on_time if handed_in else None,
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
