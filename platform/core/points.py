"""The points rule and the late-penalty rule, in one place (plain Python: no Django, no database).

The grader stores a submission's points with these functions, and the gradebook recomputes a cell with
them when a student's deadline is extended, so both always agree to the cent (a test compares them at
every late-day count).

1. **Score share.** A score earns ``score_fraction`` of an assignment's points: all of them at the
   full-points score (the reference's, unless the instructor states one), none at the zero-points
   score, linear between and capped at both ends. No full-points score yet (no baseline): ``None``.
2. **Late days** are started days after the deadline, where the deadline is moved by the student's
   extension (whole days): one second late is one day.
3. **Late penalty.** The share is multiplied by ``max(0, 1 - percent_per_day × late_days / 100)``,
   then by the points, and rounded half up to 0.01 (never below 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def score_fraction(
    *, score: float | None, full: float | None, zero: float, higher_is_better: bool
) -> float | None:
    """The share of the points ``score`` earns before any late penalty, 0..1 (rule 1)."""
    if score is None or full is None:
        return None
    if full == zero:
        return 1.0 if (score >= full if higher_is_better else score <= full) else 0.0
    return min(1.0, max(0.0, (score - zero) / (full - zero)))


def late_days(*, received_at: datetime, deadline: datetime, extension_days: int = 0) -> int:
    """Started days after the deadline moved by the extension (rule 2)."""
    effective = deadline + timedelta(days=extension_days)
    if received_at <= effective:
        return 0
    return math.ceil((received_at - effective) / timedelta(days=1))


def late_penalty_percent(*, percent_per_day: float, days: int) -> float:
    """The share of the points taken away for ``days`` late days, 0..100."""
    return min(100.0, percent_per_day * days)


def late_penalised(*, max_points: Decimal, fraction: float, percent_per_day: float, days: int) -> Decimal:
    """Points for a score's share ``fraction`` after the late penalty, rounded half up to 0.01, never
    below 0 (rule 3). The float steps are fixed: stored points were computed exactly this way."""
    fraction *= max(0.0, 1.0 - percent_per_day * days / 100.0)
    return (max_points * Decimal(str(fraction))).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Attempt:
    """The hand-in that counts for a piece of late-penalised work, as the points rule needs it."""

    submission_id: int
    received_at: datetime
    fraction: float | None  # the score's share of the points before the penalty, 0..1; None: no baseline


def number_text(value: Decimal | None) -> str:
    """A number as pages and exports write it: ``4350``, ``7.5``, ``7.25``; empty for None."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return f"{value:.2f}".rstrip("0").rstrip(".")
