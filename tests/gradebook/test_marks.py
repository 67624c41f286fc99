"""The course's end-of-term rules (gradebook.marks): conditions, signature, offered grade, 1–5 marks and the
running grade, in plain Python."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from core.gradebook_sources import Category, Cell, SourceColumn
from gradebook.marks import (
    Condition,
    Outcome,
    Purpose,
    Requirement,
    Thresholds,
    condition_check,
    mark_for,
    standing_compute,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
PAST = NOW - timedelta(days=3)
FUTURE = NOW + timedelta(days=3)
HW1 = SourceColumn(
    key="assignment:1", category=Category.ASSIGNMENT, code="HW1", title="CNN", max_points=D(10), deadline=PAST
)
HW2 = SourceColumn(
    key="assignment:2",
    category=Category.ASSIGNMENT,
    code="HW2",
    title="LSTM",
    max_points=D(10),
    deadline=FUTURE,
)
M1 = SourceColumn(
    key="milestone:1", category=Category.MILESTONE, code="M1", title="Data", max_points=D(20), due=PAST
)
Q1 = SourceColumn(key="quiz:1", category=Category.QUIZ, code="Q1", title="Lecture 1", max_points=D(0))
WEIGHTS = {Category.QUIZ: D(20), Category.ASSIGNMENT: D(50), Category.MILESTONE: D(30)}


def cell(column, points=None, *, handed_in=None, on_time=True, excused=False) -> Cell:
    return Cell(
        column_key=column.key,
        points=D(points) if points is not None else D(0),
        missing=points is None,
        excused=excused,
        handed_in=handed_in if handed_in is not None else points is not None,
        on_time=on_time if (handed_in or points is not None) else None,
    )


def cond(column, requirement, purpose=Purpose.SIGNATURE, share=None) -> Condition:
    return Condition(
        purpose=purpose, column_key=column.key, requirement=Requirement(requirement), min_percent=share
    )


@pytest.mark.parametrize(
    ("percent", "mark"),
    [
        (None, None),
        (D("0"), 1),
        (D("39.99"), 1),
        (D("40"), 2),
        (D("54.99"), 2),
        (D("55"), 3),
        (D("70"), 4),
        (D("85"), 5),
        (D("100"), 5),
    ],
)
def test_the_total_maps_to_a_mark_by_the_thresholds(percent, mark):
    assert mark_for(percent, Thresholds()) == mark


def test_thresholds_must_grow_and_stay_percentages():
    assert Thresholds().problem() is None
    assert Thresholds(two=D(50), three=D(50)).problem() == "order"
    assert Thresholds(five=D(101)).problem() == "range"


@pytest.mark.parametrize(
    ("column", "the_cell", "requirement", "share", "outcome"),
    [
        (HW1, cell(HW1, "6"), "handed_in", None, Outcome.MET),
        (HW1, None, "handed_in", None, Outcome.FAILED),  # past due, nothing handed in
        (HW2, None, "handed_in", None, Outcome.OPEN),  # not due yet
        (M1, cell(M1, None, handed_in=True), "handed_in", None, Outcome.MET),  # handed in, not graded yet
        (M1, cell(M1, None, handed_in=True, on_time=False), "on_time", None, Outcome.FAILED),
        (M1, cell(M1, "15", on_time=True), "on_time", None, Outcome.MET),
        (HW1, cell(HW1, "4"), "min_percent", D(50), Outcome.FAILED),
        (HW2, cell(HW2, "4"), "min_percent", D(50), Outcome.OPEN),  # a better hand-in may still come
        (HW1, cell(HW1, "5"), "min_percent", D(50), Outcome.MET),
        (HW1, cell(HW1, None, excused=True), "on_time", None, Outcome.MET),  # excused meets everything
    ],
)
def test_a_condition_is_met_open_or_failed(column, the_cell, requirement, share, outcome):
    result = condition_check(cond(column, requirement, share=share), column=column, cell=the_cell, now=NOW)
    assert result.outcome == outcome and result.code == column.code


def test_a_condition_on_a_removed_column_fails_and_keeps_its_title():
    gone = Condition(Purpose.SIGNATURE, "assignment:99", Requirement.HANDED_IN, title="HW9 Removed")
    result = condition_check(gone, column=None, cell=None, now=NOW)
    assert (result.outcome, result.code) == (Outcome.FAILED, "HW9 Removed")


def standing(cells, conditions, percent):
    return standing_compute(
        columns=[HW1, HW2, M1, Q1],
        cells={c.column_key: c for c in cells},
        percent=percent,
        weights=WEIGHTS,
        conditions=conditions,
        thresholds=Thresholds(),
        now=NOW,
    )


def test_without_the_signature_the_mark_is_one_and_nothing_is_offered():
    result = standing([cell(HW1, "10"), cell(M1, "20")], [cond(HW2, "handed_in")], D("90"))
    assert result.signature == Outcome.OPEN and result.mark == 5 and result.offered_mark is None
    failed = standing([cell(M1, "20")], [cond(HW1, "handed_in")], D("90"))
    assert failed.signature == Outcome.FAILED and failed.mark == 1 and failed.offered == Outcome.FAILED


def test_the_offered_grade_needs_the_signature_its_conditions_and_a_pass():
    conditions = [cond(HW1, "handed_in"), cond(M1, "on_time", Purpose.OFFERED)]
    offered = standing([cell(HW1, "8"), cell(M1, "16", on_time=True)], conditions, D("72"))
    assert (offered.signature, offered.offered, offered.mark, offered.offered_mark) == (
        Outcome.MET,
        Outcome.MET,
        4,
        4,
    )
    late = standing([cell(HW1, "8"), cell(M1, "16", on_time=False)], conditions, D("72"))
    assert late.offered == Outcome.FAILED and late.offered_mark is None and late.mark == 4
    too_low = standing([cell(HW1, "1"), cell(M1, "2")], conditions, D("20"))
    assert too_low.offered == Outcome.MET and too_low.mark == 1 and too_low.offered_mark is None


def test_the_running_grade_says_what_is_secured_open_and_needed_for_each_mark():
    # Weights: homework 50, project 30 (the quiz column has no maximum: its category drops out, 80 left).
    # HW1 8/10 secured: 50/80 x 100 x 10/20 x 0.8 = 25 %; HW2 (open) worth 31.25 %; M1 past due, missing: 0.
    result = standing([cell(HW1, "8")], [], D("25"))
    assert result.secured_percent == D("25.00") and result.open_percent == D("31.25")
    assert [c.code for c in result.open_columns] == ["HW2"]
    needs = {n.mark: (n.status, n.more_percent) for n in result.needs}
    assert needs[2] == ("open", D("15.00")) and needs[3] == ("open", D("30.00"))
    assert needs[4] == ("out of reach", None) and needs[5] == ("out of reach", None)
    reached = standing([cell(HW1, "10"), cell(HW2, "10"), cell(M1, "20")], [], D("100"))
    assert all(n.status == "reached" for n in reached.needs) and reached.open_percent == 0


def test_a_milestone_handed_in_but_not_graded_is_open_not_lost():
    result = standing([cell(M1, None, handed_in=True)], [], D("0"))
    assert "M1" in [c.code for c in result.open_columns]


def test_work_whose_results_are_not_published_yet_is_open_for_the_student():
    conditions = [cond(HW2, "min_percent", share=D(50))]
    result = standing_compute(
        columns=[HW1, M1],
        cells={HW1.key: cell(HW1, "8")},
        percent=D("40"),
        weights=WEIGHTS,
        conditions=conditions,
        thresholds=Thresholds(),
        now=NOW,
        pending=[HW2],
    )
    assert result.signature == Outcome.OPEN and [c.code for c in result.open_columns] == ["HW2"]
    assert result.open_percent == D("31.25")
