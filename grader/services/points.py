"""Points for a score: the share of the points a score earns, the late penalty, late days."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from grader.models import (
    Assignment,
)


def score_fraction(*, assignment: Assignment, score: float | None) -> float | None:
    """The share of the points a score earns before any late penalty: full at the reference (or the stated
    full-points score), zero at the floor, linear between and capped. ``None`` without a score or baseline."""
    full = (
        assignment.score_full_points
        if assignment.score_full_points is not None
        else assignment.baseline_score
    )
    if score is None or full is None:
        return None
    zero = assignment.score_zero_points
    if full == zero:
        return 1.0 if (score >= full if assignment.higher_is_better else score <= full) else 0.0
    return min(1.0, max(0.0, (score - zero) / (full - zero)))


def points_for(*, assignment: Assignment, score: float | None, late_days: int) -> Decimal | None:
    """Points for a score (``score_fraction``), then the late penalty per started day. ``None`` while no
    baseline exists."""
    fraction = score_fraction(assignment=assignment, score=score)
    if fraction is None:
        return None
    fraction *= max(0.0, 1.0 - assignment.late_penalty_percent_per_day * late_days / 100.0)
    return (assignment.points * Decimal(str(fraction))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def late_days_for(*, assignment: Assignment, received_at: datetime) -> int:
    if received_at <= assignment.deadline:
        return 0
    return math.ceil((received_at - assignment.deadline) / timedelta(days=1))
