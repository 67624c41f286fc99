"""The scoring formula, multiple select, streaks and number parsing: pure functions, a table each."""

import pytest

from quizzes.scoring import (
    AnswerRejected,
    answer_points,
    choice_result,
    multiple_select_share,
    number_parse,
    picks_check,
    speed_points,
    streak_after,
    streak_bonus,
)


@pytest.mark.parametrize(
    ("points", "t", "limit", "expected"),
    [
        (1000, 0.0, 20, 1000),  # instant
        (1000, 0.49, 20, 1000),  # under half a second: full points
        (1000, 0.5, 20, 988),  # 1000 × (1 − 0.025/2) = 987.5 → 988
        (1000, 10, 20, 750),  # half the time: three quarters
        (1000, 20, 20, 500),  # at the deadline: half
        (1000, 25, 20, 500),  # clamped to the limit
        (2000, 5, 20, 1750),  # double points
        (2000, 1, 30, 1967),  # 2000 × (1 − 1/60) = 1966.67
        (1000, 3, 7, 786),  # 1000 × (1 − 3/14) = 785.7
        (0, 1, 20, 0),  # no-points question
    ],
)
def test_speed_points_table(points, t, limit, expected):
    assert speed_points(points=points, response_s=t, time_limit_s=limit) == expected


def test_speed_scoring_off_gives_full_points():
    assert speed_points(points=1000, response_s=19, time_limit_s=20, speed_scoring=False) == 1000


@pytest.mark.parametrize(
    ("picks", "correct", "share"),
    [
        ({0, 2}, {0, 2}, 1.0),
        ({0}, {0, 2}, 0.5),
        ({0, 1}, {0, 2}, 0.0),  # one right, one wrong: cancelled
        ({0, 1, 2}, {0, 2}, 0.5),
        ({1, 3}, {0, 2}, 0.0),  # never negative
        ({0, 1, 2, 3}, {0, 1, 2}, 2 / 3),
    ],
)
def test_multiple_select_share(picks, correct, share):
    assert multiple_select_share(picks=picks, correct=correct) == pytest.approx(share)


def test_multiple_select_points_split_and_correct_only_when_exact():
    ok, share = choice_result(picks=[0], correct=[0, 2], multiple=True)
    assert (ok, share) == (False, 0.5)
    assert answer_points(points=1000, share=share, response_s=0.1, time_limit_s=20, speed_scoring=True) == 500
    assert choice_result(picks=[0, 2], correct=[0, 2], multiple=True) == (True, 1.0)
    assert choice_result(picks=[1], correct=[0], multiple=False) == (False, 0.0)


@pytest.mark.parametrize(("streak", "bonus"), [(0, 0), (1, 0), (2, 100), (3, 200), (6, 500), (10, 500)])
def test_streak_bonus(streak, bonus):
    assert streak_bonus(streak) == bonus


def test_streak_grows_resets_and_skips_questions_without_points():
    streak = 0
    bonuses = []
    for correct in [True, True, True, False, True, True]:
        streak, bonus = streak_after(streak=streak, correct=correct, counts=True)
        bonuses.append(bonus)
    assert bonuses == [0, 100, 200, 0, 0, 100] and streak == 2
    assert streak_after(streak=3, correct=None, counts=False) == (3, 0)  # a poll
    assert streak_after(streak=3, correct=False, counts=True) == (0, 0)  # missing or wrong


@pytest.mark.parametrize(
    ("text", "value"), [("3.5", 3.5), (" 3,5 ", 3.5), ("-2", -2.0), ("1e-3", 0.001), ("1 000", 1000.0)]
)
def test_number_parse_accepts(text, value):
    assert number_parse(text) == value


@pytest.mark.parametrize("text", ["", "abc", "nan", "inf", "1,2,3", None, 5, "9" * 50])
def test_number_parse_rejects_with_a_message(text):
    with pytest.raises(AnswerRejected) as error:
        number_parse(text)
    assert error.value.message


@pytest.mark.parametrize("picks", [None, "0", [True], [5], [-1], [], [0, 1], [0.5], {"a": 1}])
def test_picks_check_rejects(picks):
    with pytest.raises(AnswerRejected):
        picks_check(picks=picks, choice_count=4, multiple=False)


def test_picks_check_sorts_and_dedups_multiple():
    assert picks_check(picks=[2, 0, 2], choice_count=4, multiple=True) == [0, 2]
