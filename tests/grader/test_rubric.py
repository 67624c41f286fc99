"""The manual rubric's arithmetic (grader.rubric): marks, the sum, the final points, the text form."""

from decimal import Decimal as D

from grader.rubric import (
    Item,
    final_points,
    mark_parse,
    marks_check,
    rubric_max,
    rubric_points,
    rubric_text_parse,
)

ITEMS = [
    Item(1, "README present", D("1")),
    Item(2, "in English", D("1")),
    Item(3, "runs as described", D("2")),
]


def test_every_item_gets_a_mark_within_zero_and_its_maximum():
    marks, problems = marks_check(items=ITEMS, raw={1: "1", 2: "0,5", 3: 2})
    assert problems == [] and marks == {1: D("1.00"), 2: D("0.50"), 3: D("2.00")}
    assert rubric_points(marks) == D("3.50")


def test_a_missing_negative_too_large_or_too_precise_mark_is_refused_by_item():
    _, problems = marks_check(items=ITEMS, raw={1: "", 2: "-1", 3: "2.5"})
    assert [(p.item_id, p.code) for p in problems] == [(1, "missing"), (2, "negative"), (3, "above_max")]
    _, problems = marks_check(items=ITEMS, raw={1: "0.333", 2: "x", 3: "NaN", 9: "1"})
    assert {(p.item_id, p.code) for p in problems} == {
        (1, "too_precise"),
        (2, "not_a_number"),
        (3, "not_a_number"),
        (9, "unknown_item"),
    }


def test_mark_parse_takes_a_decimal_comma_and_refuses_infinity():
    assert mark_parse(" 1,25 ") == D("1.25")
    assert mark_parse("Infinity") is None and mark_parse("") is None and mark_parse(None) is None


def test_final_points_are_the_automatic_points_plus_the_rubric_points():
    final = final_points(
        auto_points=D("4.50"), auto_max=D("6"), rubric=D("3.5"), rubric_maximum=rubric_max(ITEMS)
    )
    assert (final.points, final.max_points, final.complete) == (D("8.00"), D("10"), True)


def test_no_automatic_points_count_as_zero_beside_a_rubric_grade():
    final = final_points(auto_points=None, auto_max=D("6"), rubric=D("2"), rubric_maximum=D("4"))
    assert (final.points, final.complete) == (D("2.00"), True)


def test_without_a_rubric_grade_the_final_points_are_the_automatic_ones_marked_incomplete():
    final = final_points(auto_points=D("5"), auto_max=D("6"), rubric=None, rubric_maximum=D("4"))
    assert (final.points, final.max_points, final.complete) == (D("5"), D("10"), False)
    final = final_points(auto_points=None, auto_max=D("6"), rubric=None, rubric_maximum=D("4"))
    assert final.points is None


def test_an_assignment_without_a_rubric_keeps_its_automatic_points():
    final = final_points(auto_points=D("5"), auto_max=D("10"), rubric=None, rubric_maximum=D("0"))
    assert (final.points, final.max_points, final.complete) == (D("5"), D("10"), True)


def test_rubric_text_one_item_a_line_with_its_points():
    items, problems = rubric_text_parse("README present: 1\n\nRuns: as described: 2.5\n")
    assert problems == [] and items == [("README present", D("1.00")), ("Runs: as described", D("2.50"))]


def test_rubric_text_problems_name_the_line():
    _, problems = rubric_text_parse("no points here\nA: 0\nB: 1\nb: 2\nC: 1.001")
    assert problems == [(1, "no_points"), (2, "bad_points"), (4, "duplicate"), (5, "bad_points")]
    _, problems = rubric_text_parse("\n".join(f"item {n}: 1" for n in range(31)))
    assert problems == [(31, "too_many")]
