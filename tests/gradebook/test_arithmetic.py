"""The gradebook's arithmetic on plain dataclasses (no database): milliseconds."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gradebook.arithmetic import (
    DEFAULT_WEIGHTS,
    AdjustmentKind,
    Adjustments,
    Attempt,
    Category,
    Column,
    adjustments_in_force,
    cell_compute,
    late_days,
    late_penalised,
    total_compute,
)

D = Decimal
DEADLINE = datetime(2026, 11, 1, 23, 59, tzinfo=UTC)
QUIZ = Column(key="quiz:1", code="Q1", category=Category.QUIZ, title="Conv", max_points=D(5000))
QUIZ2 = Column(key="quiz:2", code="Q2", category=Category.QUIZ, title="LSTM", max_points=D(3000))
HW = Column(
    key="assignment:1",
    code="HW1",
    category=Category.ASSIGNMENT,
    title="CNN",
    max_points=D(10),
    deadline=DEADLINE,
    late_penalty_percent_per_day=10.0,
)
HW2 = Column(
    key="assignment:2",
    code="HW2",
    category=Category.ASSIGNMENT,
    title="LSTM",
    max_points=D(20),
    deadline=DEADLINE,
    late_penalty_percent_per_day=25.0,
)
MS = Column(key="milestone:1", code="M1", category=Category.MILESTONE, title="Data", max_points=D(20))
EQUAL = {Category.QUIZ: D(1), Category.ASSIGNMENT: D(1), Category.MILESTONE: D(1)}


def attempt(
    points: str | None, *, of: int = 10, late: timedelta = timedelta(0), submission_id: int = 7
) -> Attempt:
    """The submission that counts for an assignment of ``of`` points: ``points`` before the penalty."""
    return Attempt(
        submission_id=submission_id,
        received_at=DEADLINE + late,
        fraction=float(points) / of if points is not None else None,
    )


@pytest.mark.parametrize(
    ("after", "extension", "days"),
    [
        (timedelta(0), 0, 0),
        (-timedelta(hours=3), 0, 0),
        (timedelta(seconds=1), 0, 1),
        (timedelta(hours=24), 0, 1),
        (timedelta(hours=24, seconds=1), 0, 2),
        (timedelta(days=3, hours=1), 0, 4),
        (timedelta(days=3, hours=1), 2, 2),
        (timedelta(days=3, hours=1), 4, 0),
    ],
)
def test_late_days_are_started_days_after_the_deadline_moved_by_the_extension(after, extension, days):
    assert late_days(received_at=DEADLINE + after, deadline=DEADLINE, extension_days=extension) == days


def test_points_agree_with_the_graders_points_for_at_every_late_day_count():
    """The gradebook's score share and penalty give exactly the grader's points (no 0.01 drift)."""
    import random

    from grader.models import Assignment
    from grader.services import points_for, score_fraction

    rng = random.Random(5)
    for higher, full, zero, baseline in (
        (False, 0.1, 1.1, None),
        (True, None, 0.1, 0.93),
        (True, 0.9, 0.9, None),
    ):
        assignment = Assignment(
            points=D("12.5"),
            higher_is_better=higher,
            score_full_points=full,
            score_zero_points=zero,
            baseline_score=baseline,
            late_penalty_percent_per_day=7.5,
        )
        for _ in range(2000):
            score = round(rng.uniform(0, 1.2), rng.choice((2, 4, 6)))
            days = rng.randint(0, 15)
            fraction = score_fraction(assignment=assignment, score=score)
            assert fraction is not None
            mine = late_penalised(
                max_points=assignment.points, fraction=fraction, percent_per_day=7.5, days=days
            )
            assert mine == points_for(assignment=assignment, score=score, late_days=days), (score, days)
    no_baseline = Assignment(points=D(10), higher_is_better=True, score_zero_points=0.0)
    assert score_fraction(assignment=no_baseline, score=0.5) is None


def test_late_days_agree_with_the_graders_rule():
    from types import SimpleNamespace

    from grader.services import late_days_for

    assignment = SimpleNamespace(deadline=DEADLINE)
    for hours in (-5, 0, 1, 23, 24, 25, 71, 72, 73, 500):
        received = DEADLINE + timedelta(hours=hours)
        assert late_days(received_at=received, deadline=DEADLINE) == late_days_for(
            assignment=assignment,  # type: ignore[arg-type]
            received_at=received,
        )


@pytest.mark.parametrize(
    ("fraction", "percent", "days", "expected"),
    [
        (0.8, 10.0, 0, "8.00"),
        (0.8, 10.0, 1, "7.20"),
        (0.8, 10.0, 3, "5.60"),
        (0.8, 10.0, 10, "0.00"),
        (0.8, 10.0, 15, "0.00"),  # never negative
        (0.6125, 20.0, 0, "6.13"),  # 6.125 rounds half up
        (1.0, 0.0, 9, "10.00"),  # no penalty set
    ],
)
def test_late_penalty_is_a_percentage_per_started_day_rounded_half_up(fraction, percent, days, expected):
    assert late_penalised(max_points=D(10), fraction=fraction, percent_per_day=percent, days=days) == D(
        expected
    )


def test_assignment_cell_applies_the_penalty_and_keeps_the_submission_that_counts():
    cell = cell_compute(column=HW, attempt=attempt("8.00", late=timedelta(hours=30), submission_id=42))
    assert cell.points == D("6.40") and cell.late_days == 2 and cell.penalty_percent == 20.0
    assert cell.submission_id == 42 and not cell.missing


def test_extension_removes_or_lowers_the_late_penalty():
    late = attempt("8.00", late=timedelta(days=2, hours=5))
    assert cell_compute(column=HW, attempt=late).points == D("5.60")  # 3 days
    lowered = cell_compute(column=HW, attempt=late, adjustments=Adjustments(extension_days=2))
    assert lowered.points == D("7.20") and lowered.late_days == 1 and lowered.extension_days == 2
    assert cell_compute(column=HW, attempt=late, adjustments=Adjustments(extension_days=3)).points == D(
        "8.00"
    )


def test_missing_work_counts_as_zero():
    for column in (QUIZ, HW, MS):
        cell = cell_compute(column=column)
        assert cell.missing and cell.points == 0
    unscored = cell_compute(column=HW, attempt=attempt(None))
    assert unscored.missing and unscored.points == 0 and unscored.submission_id == 7
    total = total_compute(columns=[QUIZ, HW, MS], cells={}, weights=EQUAL)
    assert total.percent == D("0.00")
    assert total.by_category == {
        Category.QUIZ: D("0.00"),
        Category.ASSIGNMENT: D("0.00"),
        Category.MILESTONE: 0,
    }


def test_override_replaces_the_points_even_of_missing_or_late_work():
    over = Adjustments(override=D("9.5"))
    cell = cell_compute(column=HW, attempt=attempt("8.00", late=timedelta(days=5)), adjustments=over)
    assert cell.points == D("9.5") and cell.overridden and not cell.missing
    missing = cell_compute(column=MS, adjustments=Adjustments(override=D("12")))
    assert missing.points == D("12") and not missing.missing


def test_weighted_total_of_categories():
    cells = {
        QUIZ.key: cell_compute(column=QUIZ, points=D(2500)),  # 50 %
        HW.key: cell_compute(column=HW, attempt=attempt("8.00")),  # 80 %
        MS.key: cell_compute(column=MS, points=D("15.0")),  # 75 %
    }
    total = total_compute(columns=[QUIZ, HW, MS], cells=cells, weights=DEFAULT_WEIGHTS)
    # 20 × 0.5 + 50 × 0.8 + 30 × 0.75 = 72.5 out of 100
    assert total.percent == D("72.50")
    assert total.by_category == {
        Category.QUIZ: D("50.00"),
        Category.ASSIGNMENT: D("80.00"),
        Category.MILESTONE: D("75.00"),
    }
    # Weights are relative: 2/5/3 is the same as 20/50/30.
    relative = {Category.QUIZ: D(2), Category.ASSIGNMENT: D(5), Category.MILESTONE: D(3)}
    assert total_compute(columns=[QUIZ, HW, MS], cells=cells, weights=relative).percent == D("72.50")


def test_columns_of_a_category_count_by_their_maximum_points():
    cells = {
        HW.key: cell_compute(column=HW, attempt=attempt("10")),  # 10 / 10
        HW2.key: cell_compute(column=HW2, attempt=attempt("5", of=20)),  # 5 / 20
    }
    total = total_compute(columns=[HW, HW2], cells=cells, weights=EQUAL)
    assert total.by_category[Category.ASSIGNMENT] == D("50.00")  # 15 / 30
    assert total.percent == D("50.00")  # the only category that has columns carries all the weight


def test_a_cell_never_counts_for_more_than_its_column_maximum():
    cells = {
        QUIZ.key: cell_compute(column=QUIZ, points=D(6200)),  # streak bonuses above the nominal 5000
        QUIZ2.key: cell_compute(column=QUIZ2, points=D(0)),
    }
    total = total_compute(columns=[QUIZ, QUIZ2], cells=cells, weights=EQUAL)
    assert total.by_category[Category.QUIZ] == D("62.50")  # 5000 / 8000, not 6200 / 8000
    assert cells[QUIZ.key].points == D(6200)  # the cell still shows what was scored


def test_excused_leaves_the_column_out_and_renormalises():
    cells = {
        QUIZ.key: cell_compute(column=QUIZ, adjustments=Adjustments(excused=True)),
        QUIZ2.key: cell_compute(column=QUIZ2, points=D(1500)),
        HW.key: cell_compute(column=HW, attempt=attempt("8.00")),
        MS.key: cell_compute(column=MS, points=D("10")),
    }
    total = total_compute(columns=[QUIZ, QUIZ2, HW, MS], cells=cells, weights=EQUAL)
    assert total.by_category[Category.QUIZ] == D("50.00")  # only QUIZ2 counts: 1500 / 3000
    assert total.percent == D("60.00")  # (50 + 80 + 50) / 3


def test_every_column_of_a_category_excused_drops_the_category_and_scales_the_others_up():
    excused = Adjustments(excused=True)
    cells = {
        QUIZ.key: cell_compute(column=QUIZ, points=D(5000), adjustments=excused),
        HW.key: cell_compute(column=HW, attempt=attempt("8.00")),
        MS.key: cell_compute(column=MS, points=D("10")),
    }
    total = total_compute(columns=[QUIZ, HW, MS], cells=cells, weights=DEFAULT_WEIGHTS)
    assert total.by_category[Category.QUIZ] is None
    # (50 × 0.8 + 30 × 0.5) / 80 = 68.75 %
    assert total.percent == D("68.75")


def test_excused_wins_over_an_override():
    both = Adjustments(excused=True, override=D("10"))
    cells = {HW.key: cell_compute(column=HW, adjustments=both), MS.key: cell_compute(column=MS, points=D(20))}
    total = total_compute(columns=[HW, MS], cells=cells, weights=EQUAL)
    assert total.by_category[Category.ASSIGNMENT] is None and total.percent == D("100.00")


def test_nothing_to_count_gives_no_total_and_zero_maximum_columns_never_count():
    poll = Column(key="quiz:9", code="Q9", category=Category.QUIZ, title="Poll only", max_points=D(0))
    assert total_compute(columns=[], cells={}, weights=EQUAL).percent is None
    cells = {poll.key: cell_compute(column=poll, points=D(0)), MS.key: cell_compute(column=MS, points=D(5))}
    total = total_compute(columns=[poll, MS], cells=cells, weights=EQUAL)
    assert total.by_category[Category.QUIZ] is None and total.percent == D("25.00")


def test_a_zero_weight_category_is_shown_but_does_not_count():
    weights = {Category.QUIZ: D(0), Category.ASSIGNMENT: D(1), Category.MILESTONE: D(0)}
    cells = {
        QUIZ.key: cell_compute(column=QUIZ, points=D(5000)),
        HW.key: cell_compute(column=HW, attempt=attempt("4")),
    }
    total = total_compute(columns=[QUIZ, HW], cells=cells, weights=weights)
    assert total.by_category[Category.QUIZ] == D("100.00") and total.percent == D("40.00")


def test_total_rounds_half_up_to_two_decimals():
    cells = {
        HW.key: cell_compute(column=HW, attempt=attempt("1")),
        HW2.key: cell_compute(column=HW2, attempt=attempt("0")),
    }
    # 1 / 30 = 3.3333… %
    assert total_compute(columns=[HW, HW2], cells=cells, weights=EQUAL).percent == D("3.33")
    three = Column(key="milestone:3", code="M3", category=Category.MILESTONE, title="x", max_points=D(8))
    cells = {three.key: cell_compute(column=three, points=D("0.0002"))}  # 0.0025 % -> 0.00; check half up
    assert total_compute(columns=[three], cells=cells, weights=EQUAL).percent == D("0.00")
    eighth = {three.key: cell_compute(column=three, points=D("0.0004"))}  # exactly 0.005 %
    assert total_compute(columns=[three], cells=eighth, weights=EQUAL).percent == D("0.01")


def test_the_latest_adjustment_of_each_kind_applies():
    records = [
        (AdjustmentKind.EXTENSION, None, 3),
        (AdjustmentKind.OVERRIDE, D("5"), None),
        (AdjustmentKind.EXTENSION, None, 1),
        (AdjustmentKind.OVERRIDE, D("7.5"), None),
    ]
    assert adjustments_in_force(records) == Adjustments(excused=False, extension_days=1, override=D("7.5"))
    assert adjustments_in_force([]) == Adjustments()
    assert adjustments_in_force([(AdjustmentKind.EXCUSED, None, None)]).excused
