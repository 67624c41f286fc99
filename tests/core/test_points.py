"""The one points and late-penalty rule (core.points), in plain Python: no database."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from core.points import late_days, late_penalised, late_penalty_percent, number_text, score_fraction

D = Decimal
DEADLINE = datetime(2026, 11, 1, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("score", "full", "zero", "higher", "expected"),
    [
        (0.93, 0.93, 0.1, True, 1.0),  # at the reference: all the points
        (0.515, 0.93, 0.1, True, 0.5),  # halfway
        (0.99, 0.93, 0.1, True, 1.0),  # better than the reference: capped
        (0.05, 0.93, 0.1, True, 0.0),  # below the floor: none, never negative
        (0.6, 0.1, 1.1, False, 0.5),  # lower is better (MAE): linear the other way
        (1.5, 0.1, 1.1, False, 0.0),
        (0.9, 0.9, 0.9, True, 1.0),  # full == zero: all or nothing
        (0.89, 0.9, 0.9, True, 0.0),
        (0.89, 0.9, 0.9, False, 1.0),
        (None, 0.9, 0.1, True, None),  # no score
        (0.5, None, 0.1, True, None),  # no baseline yet
    ],
)
def test_score_fraction_is_linear_between_zero_and_full_points_and_capped(
    score, full, zero, higher, expected
):
    fraction = score_fraction(score=score, full=full, zero=zero, higher_is_better=higher)
    assert fraction == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("after", "extension", "days"),
    [
        (timedelta(0), 0, 0),
        (-timedelta(days=2), 0, 0),
        (timedelta(seconds=1), 0, 1),  # one second late is a started day
        (timedelta(days=1), 0, 1),
        (timedelta(days=1, seconds=1), 0, 2),
        (timedelta(days=2, hours=5), 1, 2),  # the extension moves the deadline
        (timedelta(days=2, hours=5), 3, 0),
    ],
)
def test_late_days_are_started_days_after_the_extended_deadline(after, extension, days):
    assert late_days(received_at=DEADLINE + after, deadline=DEADLINE, extension_days=extension) == days


@pytest.mark.parametrize(
    ("fraction", "percent", "days", "expected"),
    [
        (0.8, 10.0, 0, D("8.00")),
        (0.8, 10.0, 2, D("6.40")),
        (0.8, 10.0, 10, D("0.00")),
        (0.8, 10.0, 40, D("0.00")),  # never below 0
        (0.6125, 0.0, 5, D("6.13")),  # no penalty; 6.125 rounds half up
        (1.0, 33.3, 1, D("6.67")),
    ],
)
def test_late_penalty_scales_the_share_then_rounds_half_up_to_the_cent(fraction, percent, days, expected):
    assert late_penalised(max_points=D(10), fraction=fraction, percent_per_day=percent, days=days) == expected


def test_late_penalty_percent_stops_at_100():
    assert late_penalty_percent(percent_per_day=10.0, days=3) == 30.0
    assert late_penalty_percent(percent_per_day=30.0, days=4) == 100.0


def test_number_text_writes_numbers_as_pages_and_exports_do():
    assert [number_text(v) for v in (D("4350"), D("7.50"), D("7.25"), D("0.00"), None)] == [
        "4350",
        "7.5",
        "7.25",
        "0",
        "",
    ]


def test_core_points_imports_no_django():
    import ast
    from pathlib import Path

    import core.points

    tree = ast.parse(Path(core.points.__file__).read_text())
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {name for name in imported if name.split(".")[0] in ("django", "grader", "gradebook")}
