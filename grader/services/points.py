"""Points for a score: an assignment's fields read through the one rule in ``core.points`` (the share
of the points a score earns, late days, the late penalty), so the grader's stored points and the
gradebook's recomputed ones never differ."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from core import points as rule
from grader.models import Assignment


def score_fraction(*, assignment: Assignment, score: float | None) -> float | None:
    """The share of the points a score earns before any late penalty: full at the reference (or the stated
    full-points score), zero at the floor, linear between and capped. ``None`` without a score or baseline."""
    full = (
        assignment.score_full_points
        if assignment.score_full_points is not None
        else assignment.baseline_score
    )
    return rule.score_fraction(
        score=score,
        full=full,
        zero=assignment.score_zero_points,
        higher_is_better=assignment.higher_is_better,
    )


def points_for(*, assignment: Assignment, score: float | None, late_days: int) -> Decimal | None:
    """Points for a score (``score_fraction``), then the late penalty per started day. ``None`` while no
    baseline exists."""
    fraction = score_fraction(assignment=assignment, score=score)
    if fraction is None:
        return None
    return rule.late_penalised(
        max_points=assignment.points,
        fraction=fraction,
        percent_per_day=assignment.late_penalty_percent_per_day,
        days=late_days,
    )


def late_days_for(*, assignment: Assignment, received_at: datetime) -> int:
    """Started days after the assignment's deadline (no extension: the gradebook adds those)."""
    return rule.late_days(received_at=received_at, deadline=assignment.deadline)
