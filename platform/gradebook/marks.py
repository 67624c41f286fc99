"""The course's end-of-term rules in plain Python (no Django, no database): read them here.

* **Conditions.** The signature (*aláírás*) and the offered grade (*megajánlott jegy*) each have a list
  of conditions on gradebook columns: the work is *handed in*, handed in *on time* (an extension counts),
  or earns at least *N %* of its points. An excused column meets every condition. A condition on work
  that is not due yet (or has no due date and no result yet) is *open*, not failed.
* **Mark.** The total percent (``gradebook.arithmetic``) maps to 1–5 by the instructor's thresholds:
  at least ``two`` % gives 2, at least ``three`` % gives 3, and so on; below ``two`` it is 1.
* **Signature**: every signature condition met. Without one, the mark is 1 (*aláírás megtagadva*).
* **Offered grade**: the signature, every offered-grade condition met, and a mark of 2 or more: then the
  mark is offered; otherwise the student takes the exam.
* **Running grade** (for a student during the term): the points of what is graded, what is still open,
  and for each mark how many more percent of the total it needs from the open work, or that it is
  reached or out of reach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from core.gradebook_sources import Category, Cell, SourceColumn

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Requirement(StrEnum):
    HANDED_IN = "handed_in"
    ON_TIME = "on_time"
    MIN_PERCENT = "min_percent"


class Purpose(StrEnum):
    SIGNATURE = "signature"
    OFFERED = "offered"


class Outcome(StrEnum):
    MET = "met"
    OPEN = "open"
    FAILED = "failed"


@dataclass(frozen=True)
class Condition:
    purpose: Purpose
    column_key: str
    requirement: Requirement
    min_percent: Decimal | None = None
    title: str = ""  # the column's name when the condition was set (the column may be gone since)


@dataclass(frozen=True)
class Thresholds:
    """The lowest total percent of each mark 2–5 (strictly increasing)."""

    two: Decimal = Decimal(40)
    three: Decimal = Decimal(55)
    four: Decimal = Decimal(70)
    five: Decimal = Decimal(85)

    def by_mark(self) -> dict[int, Decimal]:
        return {2: self.two, 3: self.three, 4: self.four, 5: self.five}

    def problem(self) -> str | None:
        """What is wrong with these thresholds: "range", "order" or None."""
        values = [self.two, self.three, self.four, self.five]
        if any(not value.is_finite() or value < 0 or value > HUNDRED for value in values):
            return "range"
        if any(later <= earlier for earlier, later in zip(values, values[1:], strict=False)):
            return "order"
        return None


def mark_for(percent: Decimal | None, thresholds: Thresholds) -> int | None:
    """The 1–5 mark of a total percent; None when there is no total."""
    if percent is None:
        return None
    mark = 1
    for value, lowest in thresholds.by_mark().items():
        if percent >= lowest:
            mark = value
    return mark


@dataclass(frozen=True)
class ConditionResult:
    condition: Condition
    outcome: Outcome
    code: str  # the column's code ("HW1"), or the title it had when the column is gone
    title: str = ""


def _label(condition: Condition, column: SourceColumn | None) -> tuple[str, str]:
    if column is not None:
        return column.code, column.title
    return condition.title or condition.column_key, condition.title


def condition_check(
    condition: Condition, *, column: SourceColumn | None, cell: Cell | None, now: datetime
) -> ConditionResult:
    """Whether one student meets one condition now."""
    code, title = _label(condition, column)

    def result(outcome: Outcome) -> ConditionResult:
        return ConditionResult(condition, outcome, code, title)

    if column is None:  # the work was removed: nobody can meet it; the instructor sees it failing
        return result(Outcome.FAILED)
    if cell is not None and cell.excused:
        return result(Outcome.MET)
    due = column.due_at
    not_due = due is None or now <= due
    handed_in = cell is not None and (cell.handed_in or not cell.missing)
    if condition.requirement == Requirement.HANDED_IN:
        if handed_in:
            return result(Outcome.MET)
    elif condition.requirement == Requirement.ON_TIME:
        if handed_in and cell is not None and cell.on_time is not False:
            return result(Outcome.MET)
        if handed_in:  # handed in late: that cannot change any more
            return result(Outcome.FAILED)
    else:
        needed = condition.min_percent or Decimal(0)
        if cell is not None and not cell.missing and column.max_points > 0:
            if cell.points / column.max_points * HUNDRED >= needed:
                return result(Outcome.MET)
            # Graded below the bar: a better hand-in may still come while the work is not due.
            return result(Outcome.OPEN if not_due else Outcome.FAILED)
        if handed_in:  # handed in, not graded yet
            return result(Outcome.OPEN)
    return result(Outcome.OPEN if not_due else Outcome.FAILED)


def _overall(results: Sequence[ConditionResult]) -> Outcome:
    if any(r.outcome == Outcome.FAILED for r in results):
        return Outcome.FAILED
    if any(r.outcome == Outcome.OPEN for r in results):
        return Outcome.OPEN
    return Outcome.MET


@dataclass(frozen=True)
class MarkNeed:
    mark: int
    threshold: Decimal
    # "reached", "open" (needs ``more_percent`` more of the total from the open work) or "out of reach"
    status: str
    more_percent: Decimal | None = None


@dataclass(frozen=True)
class Standing:
    """One student's end-of-term standing: signature, offered grade, mark, and the running grade."""

    signature: Outcome
    signature_results: list[ConditionResult]
    offered: Outcome
    offered_results: list[ConditionResult]
    percent: Decimal | None  # the total so far (as the gradebook computes it)
    mark: int | None  # the mark the total gives (1 without the signature once it has failed)
    offered_mark: int | None  # the mark offered without an exam, when the offer stands
    secured_percent: Decimal  # what the graded work already guarantees of the whole term's total
    open_percent: Decimal  # what the work still open can add at most
    needs: list[MarkNeed] = field(default_factory=list)
    open_columns: list[SourceColumn] = field(default_factory=list)


def _is_open(column: SourceColumn, cell: Cell | None, now: datetime, pending: frozenset[str]) -> bool:
    """Still to come: not graded yet, not excused, and either not due yet or handed in (being graded), or
    its results are not published to this reader yet (``pending``)."""
    if column.key in pending:
        return True
    if cell is not None and (cell.excused or not cell.missing):
        return False
    due = column.due_at
    return (due is None or now <= due) or (cell is not None and cell.handed_in)


def term_shares(
    *,
    columns: Sequence[SourceColumn],
    cells: Mapping[str, Cell],
    weights: Mapping[Category, Decimal],
    now: datetime,
    pending: frozenset[str] = frozenset(),
) -> tuple[Decimal, Decimal, list[SourceColumn]]:
    """(secured %, open %, open columns) of the whole term's total: each counted column is worth its
    category's weight share × its share of the category's maximum (excused columns drop out, as in the
    total). Secured: credited points of what is graded or past due; open: the maxima of what is to come."""
    counted = [c for c in columns if c.max_points > 0 and not (cells.get(c.key) and cells[c.key].excused)]
    available: dict[Category, Decimal] = {}
    for column in counted:
        available[column.category] = available.get(column.category, Decimal(0)) + column.max_points
    weight_sum = sum(
        (weights.get(cat, Decimal(0)) for cat in available if weights.get(cat, 0) > 0), Decimal(0)
    )
    secured = Decimal(0)
    open_share = Decimal(0)
    open_columns = []
    if not weight_sum:
        return Decimal(0), Decimal(0), []
    for column in counted:
        weight = weights.get(column.category, Decimal(0))
        if weight <= 0:
            continue
        worth = weight / weight_sum * HUNDRED * column.max_points / available[column.category]
        cell = cells.get(column.key)
        if _is_open(column, cell, now, pending):
            open_share += worth
            open_columns.append(column)
        elif cell is not None and not cell.missing:
            credited = min(max(cell.points, Decimal(0)), column.max_points)
            secured += worth * credited / column.max_points
    return (
        secured.quantize(CENT, rounding=ROUND_HALF_UP),
        open_share.quantize(CENT, rounding=ROUND_HALF_UP),
        open_columns,
    )


def standing_compute(
    *,
    columns: Sequence[SourceColumn],
    cells: Mapping[str, Cell],
    percent: Decimal | None,
    weights: Mapping[Category, Decimal],
    conditions: Sequence[Condition],
    thresholds: Thresholds,
    now: datetime,
    pending: Sequence[SourceColumn] = (),
) -> Standing:
    """One student's standing from their gradebook row (``cells`` by column key) and the course's rules.

    ``pending``: columns whose results the reader may not see yet (a student before an assignment's
    reveal): their conditions are open and they count as open work for the running grade."""
    pending_keys = frozenset(c.key for c in pending)
    columns = [*columns, *(c for c in pending if c.key not in {k.key for k in columns})]
    by_key = {column.key: column for column in columns}

    def check(purpose: Purpose) -> list[ConditionResult]:
        results = []
        for c in conditions:
            if c.purpose != purpose:
                continue
            column = by_key.get(c.column_key)
            if c.column_key in pending_keys and column is not None:
                results.append(ConditionResult(c, Outcome.OPEN, column.code, column.title))
            else:
                results.append(condition_check(c, column=column, cell=cells.get(c.column_key), now=now))
        return results

    signature_results = check(Purpose.SIGNATURE)
    offered_results = check(Purpose.OFFERED)
    signature = _overall(signature_results)
    offered = _overall([*signature_results, *offered_results])
    mark = mark_for(percent, thresholds)
    if signature == Outcome.FAILED:
        mark = 1
    offered_mark = mark if offered == Outcome.MET and mark is not None and mark >= 2 else None
    secured, open_share, open_columns = term_shares(
        columns=columns, cells=cells, weights=weights, now=now, pending=pending_keys
    )
    needs = []
    for value, lowest in thresholds.by_mark().items():
        if secured >= lowest:
            needs.append(MarkNeed(value, lowest, "reached"))
        elif secured + open_share >= lowest and signature != Outcome.FAILED:
            needs.append(MarkNeed(value, lowest, "open", (lowest - secured).quantize(CENT)))
        else:
            needs.append(MarkNeed(value, lowest, "out of reach"))
    return Standing(
        signature=signature,
        signature_results=signature_results,
        offered=offered,
        offered_results=offered_results,
        percent=percent,
        mark=mark,
        offered_mark=offered_mark,
        secured_percent=secured,
        open_percent=open_share,
        needs=needs,
        open_columns=open_columns,
    )
