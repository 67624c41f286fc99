"""The manual rubric's arithmetic in plain Python (no Django, no database): read the rules here.

1. **Rubric items.** An assignment may have a rubric: items with a maximum each ("README present": 1,
   "in English": 1, "runs as described": 2, "training log attached": 1). A grader gives each item a
   mark from 0 to its maximum in steps of 0.01 (no item may be left out: a half-graded rubric is not a
   grade). The **rubric points** are the sum of the marks.
2. **Final points** = the automatic points + the rubric points. The automatic points are the grader's
   (the submission that counts, its score against the reference, the late penalty: ``points_for``) and
   are worth the assignment's ``points``; the rubric is worth the sum of its maxima on top. So an
   assignment of 6 automatic points and a rubric of 4 is out of 10. The late penalty applies to the
   automatic part only: lateness is a fact of the upload, the rubric is the grader's judgement.
3. Missing parts: no automatic points yet (nothing scored) count as 0 next to a rubric grade; no rubric
   grade yet leaves the final points at the automatic points but marks them *incomplete*; neither is
   ``None`` (nothing to show).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0")
MAX_ITEMS = 30  # a rubric longer than this is a form, not a rubric
MAX_ITEM_POINTS = Decimal("1000")


@dataclass(frozen=True)
class Item:
    item_id: int
    name: str
    max_points: Decimal


@dataclass(frozen=True)
class MarkProblem:
    """Why one item's mark was refused: ``missing``, ``not_a_number``, ``negative``, ``above_max``,
    ``too_precise`` (more than two decimals) or ``unknown_item``."""

    item_id: int
    code: str


@dataclass(frozen=True)
class Final:
    points: Decimal | None
    max_points: Decimal
    complete: bool  # False: the rubric is not graded yet (the points are the automatic part only)


def mark_parse(raw: object) -> Decimal | None:
    """A mark as typed (``"1.5"``, ``"1,5"``, a number) or ``None`` when it is no finite number."""
    text = str(raw).strip().replace(",", ".") if raw is not None else ""
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def marks_check(
    *, items: Iterable[Item], raw: Mapping[int, object]
) -> tuple[dict[int, Decimal], list[MarkProblem]]:
    """Every item's mark from ``raw`` (item id -> typed value): the clean marks, and the problems (a grade
    is saved only when there are none)."""
    known = {item.item_id: item for item in items}
    clean: dict[int, Decimal] = {}
    problems = [MarkProblem(item_id, "unknown_item") for item_id in raw if item_id not in known]
    for item_id, item in known.items():
        value = raw.get(item_id)
        if value is None or str(value).strip() == "":
            problems.append(MarkProblem(item_id, "missing"))
            continue
        mark = mark_parse(value)
        if mark is None:
            problems.append(MarkProblem(item_id, "not_a_number"))
        elif mark < 0:
            problems.append(MarkProblem(item_id, "negative"))
        elif mark > item.max_points:
            problems.append(MarkProblem(item_id, "above_max"))
        elif mark != mark.quantize(CENT):
            problems.append(MarkProblem(item_id, "too_precise"))
        else:
            clean[item_id] = mark.quantize(CENT)
    return clean, problems


def rubric_max(items: Iterable[Item]) -> Decimal:
    return sum((item.max_points for item in items), ZERO)


def rubric_points(marks: Mapping[int, Decimal]) -> Decimal:
    return sum(marks.values(), ZERO).quantize(CENT)


def final_points(
    *, auto_points: Decimal | None, auto_max: Decimal, rubric: Decimal | None, rubric_maximum: Decimal
) -> Final:
    """The assignment's final points (rule 2 and 3 above)."""
    maximum = auto_max + rubric_maximum
    if rubric_maximum == ZERO:
        return Final(points=auto_points, max_points=maximum, complete=auto_points is not None)
    if rubric is None:
        return Final(points=auto_points, max_points=maximum, complete=False)
    return Final(points=((auto_points or ZERO) + rubric).quantize(CENT), max_points=maximum, complete=True)


def rubric_text_parse(text: str) -> tuple[list[tuple[str, Decimal]], list[tuple[int, str]]]:
    """The instructor's rubric as text, one item a line, ``Name: points`` (blank lines skipped): the items
    and the problems as (line number, code: ``no_points``, ``bad_points``, ``duplicate``, ``too_many``)."""
    items: list[tuple[str, Decimal]] = []
    problems: list[tuple[int, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.rpartition(":")
        name = name.strip()[:200]
        if not colon or not name:
            problems.append((number, "no_points"))
            continue
        points = mark_parse(value)
        if points is None or points <= 0 or points > MAX_ITEM_POINTS or points != points.quantize(CENT):
            problems.append((number, "bad_points"))
            continue
        if name.casefold() in seen:
            problems.append((number, "duplicate"))
            continue
        seen.add(name.casefold())
        items.append((name, points.quantize(CENT)))
    if len(items) > MAX_ITEMS:
        problems.append((MAX_ITEMS + 1, "too_many"))
    return items, problems
