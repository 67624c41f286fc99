"""The gradebook's numbers from real rows: games, the submission that counts, team grades, adjustments."""

from decimal import Decimal

import pytest

from gradebook.arithmetic import AdjustmentKind, Category
from gradebook.selectors import (
    gradebook_for_course,
    gradebook_for_student,
    gradebook_rows_select,
    gradebook_student_history,
)
from gradebook.services import adjustment_record, adjustment_withdraw, weights_set

D = Decimal
pytestmark = pytest.mark.django_db


def cells_of(row):
    return {cell.column_key: cell for cell in row.cells}


def test_columns_and_numbers_come_from_games_submissions_and_grades(scenario, student, other_student):
    book = gradebook_for_course(course=scenario.game.course)
    assert [c.code for c in book.columns] == ["Q1", "HW1", "HW2", "M1"]
    assert [c.max_points for c in book.columns] == [
        D(2000),
        D(10),
        D(10),
        D("20.0"),
    ]  # the poll has no points
    mine, theirs = book.rows
    assert (mine.neptun_code, theirs.neptun_code) == ("ABC123", "XYZ789")
    cells = cells_of(mine)
    assert cells[f"quiz:{scenario.game.pk}"].points == 1500
    homework = cells[f"assignment:{scenario.homework.pk}"]
    # The best public score counts (the late one); 9.00 before the penalty, 2 started days × 10 %.
    assert homework.submission_id == scenario.late.pk
    assert (homework.points, homework.late_days, homework.penalty_percent) == (D("7.20"), 2, 20.0)
    assert cells[f"assignment:{scenario.upcoming.pk}"].points == D("10.00")
    assert cells[f"milestone:{scenario.milestone.pk}"].points == D("15.0")
    # 20 × 75 % + 50 × (17.2 / 20) + 30 × 75 % = 80.5
    assert mine.total.percent == D("80.50")
    assert mine.total.by_category == {
        Category.QUIZ: D(75),
        Category.ASSIGNMENT: D(86),
        Category.MILESTONE: D(75),
    }
    assert theirs.total.percent == D("27.50")  # missing homework counts as 0
    assert theirs.missing_count == 2


def test_last_rule_counts_the_last_scored_submission(scenario):
    scenario.homework.leaderboard_rule = "last"
    scenario.homework.save()
    cell = cells_of(gradebook_for_course(course=scenario.game.course).rows[0])[
        f"assignment:{scenario.homework.pk}"
    ]
    assert cell.submission_id == scenario.late.pk  # the failed one after it never counts
    scenario.late.received_at = scenario.on_time.received_at.replace(year=2020)
    scenario.late.save()
    cell = cells_of(gradebook_for_course(course=scenario.game.course).rows[0])[
        f"assignment:{scenario.homework.pk}"
    ]
    assert cell.submission_id == scenario.on_time.pk and cell.points == D("5.00")


def test_extension_override_excused_change_the_numbers_and_withdrawing_restores_them(
    scenario, student, other_student, instructor
):
    course = scenario.game.course
    hw = f"assignment:{scenario.homework.pk}"
    extension = adjustment_record(
        course=course,
        student=student,
        column_key=hw,
        kind=AdjustmentKind.EXTENSION,
        extension_days=2,
        reason="Hospital, note on file",
        by=instructor,
    )
    adjustment_record(
        course=course,
        student=other_student,
        column_key=hw,
        kind=AdjustmentKind.OVERRIDE,
        points=D("6"),
        reason="Submitted by e-mail during the outage",
        by=instructor,
    )
    adjustment_record(
        course=course,
        student=other_student,
        column_key=f"quiz:{scenario.game.pk}",
        kind=AdjustmentKind.EXCUSED,
        reason="Away at the national competition",
        by=instructor,
    )
    mine, theirs = gradebook_for_course(course=course).rows
    assert cells_of(mine)[hw].points == D("9.00") and cells_of(mine)[hw].late_days == 0
    assert mine.total.percent == D("85.00")  # 15 + 50 × 19 / 20 + 22.5
    assert cells_of(theirs)[hw].points == D("6") and cells_of(theirs)[hw].overridden
    # Quiz excused: (50 × 6 / 20 + 30 × 0.75) / 80 = 46.875 %
    assert theirs.total.by_category[Category.QUIZ] is None and theirs.total.percent == D("46.88")
    assert theirs.adjustment_count == 2

    adjustment_withdraw(adjustment=extension, by=instructor)
    assert gradebook_for_course(course=course).rows[0].total.percent == D("80.50")
    history = gradebook_student_history(course=course, student=student, as_student=False)
    assert [a.withdrawn_at is not None for a in history.adjustments] == [True]


def test_weights_set_by_the_instructor_change_the_total(scenario, instructor):
    course = scenario.game.course
    weights_set(course=course, by=instructor, quiz=D(0), assignment=D(1), milestone=D(1))
    book = gradebook_for_course(course=course)
    assert book.weights_set and book.rows[0].total.percent == D("80.50")  # (86 + 75) / 2
    assert book.weight_percentages == {
        Category.QUIZ: D("0.0"),
        Category.ASSIGNMENT: D("50.0"),
        Category.MILESTONE: D("50.0"),
    }


def test_a_student_sees_an_assignment_only_after_its_reveal(scenario, student):
    course = scenario.game.course
    own = gradebook_for_student(course=course, student=student, as_student=True)
    assert [c.code for c in own.columns] == ["Q1", "HW1", "M1"]
    assert [c.title for c in own.hidden_columns] == ["LSTM forecast"]
    assert own.rows[0].total.percent == D("73.50")  # 15 + 50 × 72 % + 22.5, the unrevealed one left out
    staff = gradebook_for_student(course=course, student=student, as_student=False)
    assert staff.rows[0].total.percent == gradebook_for_course(course=course).rows[0].total.percent


def test_history_lists_every_submission_with_late_days_penalty_and_points(scenario, student, instructor):
    course = scenario.game.course
    adjustment_record(
        course=course,
        student=student,
        column_key=f"assignment:{scenario.homework.pk}",
        kind=AdjustmentKind.EXTENSION,
        extension_days=1,
        reason="Power cut in the dormitory",
        by=instructor,
    )
    history = gradebook_student_history(course=course, student=student, as_student=False)
    assert [s.source for s in history.sections] == ["quizzes", "grader", "projects"]
    homework = next(
        a for a in history.section("grader").context["assignments"] if a.assignment == scenario.homework
    )
    assert homework.extension_days == 1
    lines = [
        (line.submission.pk, line.late_days, line.penalty_percent, line.points, line.counts)
        for line in homework.lines
    ]
    failed = lines[2][0]
    assert lines == [
        (scenario.on_time.pk, 0, 0.0, D("5.00"), False),
        (scenario.late.pk, 1, 10.0, D("8.10"), True),  # 30 h late, one day of it extended
        (failed, 1, 10.0, None, False),
    ]
    assert homework.cell.points == D("8.10")
    project = history.section("projects")
    assert project.subtitle == "Bird songs"
    milestone = project.context["milestones"][0]
    assert milestone.grade.comment == "Good split." and milestone.grade.points == 15
    games = history.section("quizzes").context["games"]
    assert [(c.code, played) for c, _cell, played in games] == [("Q1", True)]
    assert [a.reason for a in history.adjustments] == ["Power cut in the dormitory"]


def test_search_filter_and_sort(scenario, student, other_student, instructor):
    course = scenario.game.course
    rows = gradebook_for_course(course=course).rows
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, q="xyz")] == ["XYZ789"]
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, q=" abc123 ")] == ["ABC123"]
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, sort="total", descending=True)] == [
        "ABC123",
        "XYZ789",
    ]
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, sort="total")] == ["XYZ789", "ABC123"]
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, sort="neptun", descending=True)] == [
        "XYZ789",
        "ABC123",
    ]
    key = f"quiz:{scenario.game.pk}"
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, sort=key)] == ["XYZ789", "ABC123"]
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, show="missing")] == ["XYZ789"]
    assert gradebook_rows_select(rows=rows, show="adjusted") == []
    assert [r.neptun_code for r in gradebook_rows_select(rows=rows, sort="nonsense")] == ["ABC123", "XYZ789"]
