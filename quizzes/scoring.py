"""Scoring, as pure functions: the speed formula, multiple select, streak bonus, answer checking.

All times are measured on the server from when the question opened for that player.
"""

import math
import re
from collections.abc import Iterable, Sequence

from core.errors import PlatformError

QUICK_ANSWER_S = 0.5
STREAK_STEP = 100
STREAK_MAX = 500


class AnswerRejected(PlatformError):
    """The answer cannot be taken (late, a second one, unreadable); the message is for the player.

    Codes in quizzes/errors.py; ANSWER_FINAL_CODES are the ones after which sending again cannot help.
    """

    code = "answer_expected"


ANSWER_FINAL_CODES = frozenset({"too_late", "closed", "duplicate", "wrong_question", "not_joined"})


def speed_points(*, points: int, response_s: float, time_limit_s: float, speed_scoring: bool = True) -> int:
    """round(P × (1 − (t / T) / 2)) for a correct answer; P itself under half a second or without speed."""
    if points <= 0:
        return 0
    if not speed_scoring or response_s < QUICK_ANSWER_S:
        return points
    t = min(max(response_s, 0.0), time_limit_s)
    # round half up: Python's round() would round 500.5 to 500 (banker's rounding).
    return math.floor(points * (1 - (t / time_limit_s) / 2) + 0.5)


def multiple_select_share(*, picks: Iterable[int], correct: Iterable[int]) -> float:
    """The share of P a multiple-select answer earns: each correct pick 1/k, each wrong pick cancels one."""
    picked, right = set(picks), set(correct)
    if not right:
        return 0.0
    hits = len(picked & right)
    misses = len(picked - right)
    return max(hits - misses, 0) / len(right)


def streak_bonus(streak: int) -> int:
    """Bonus for s consecutive correct answers: min(100 × (s − 1), 500)."""
    if streak < 2:
        return 0
    return min(STREAK_STEP * (streak - 1), STREAK_MAX)


def number_parse(text: object) -> float:
    """A number typed on a phone: 3.5, 3,5, -2, 1e-3, 1 000. Raises AnswerRejected otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise AnswerRejected("number_expected")
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if len(cleaned) > 40:
        raise AnswerRejected("number_too_long")
    if re.fullmatch(r"-?\d+,\d+", cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise AnswerRejected("not_a_number", typed=text.strip()[:20]) from None
    if not math.isfinite(value):
        raise AnswerRejected("number_not_finite")
    return value


def picks_check(*, picks: object, choice_count: int, multiple: bool) -> list[int]:
    """The chosen option indices, checked; raises AnswerRejected for anything else."""
    if not isinstance(picks, list) or not all(isinstance(p, int) and not isinstance(p, bool) for p in picks):
        raise AnswerRejected("choose_option")
    unique = sorted(set(picks))
    if not unique or any(p < 0 or p >= choice_count for p in unique):
        raise AnswerRejected("choose_option")
    if not multiple and len(unique) != 1:
        raise AnswerRejected("choose_one")
    return unique


def choice_result(*, picks: Sequence[int], correct: Sequence[int], multiple: bool) -> tuple[bool, float]:
    """(fully correct?, share of the points earned) for a choice answer."""
    if multiple:
        share = multiple_select_share(picks=picks, correct=correct)
        return set(picks) == set(correct), share
    ok = len(picks) == 1 and picks[0] in set(correct)
    return ok, 1.0 if ok else 0.0


def answer_points(
    *, points: int, share: float, response_s: float, time_limit_s: float, speed_scoring: bool
) -> int:
    """Points for an answer that earned ``share`` (0…1) of the question's points."""
    if share <= 0:
        return 0
    return speed_points(
        points=math.floor(points * share + 0.5),
        response_s=response_s,
        time_limit_s=time_limit_s,
        speed_scoring=speed_scoring,
    )


def streak_after(*, streak: int, correct: bool | None, counts: bool) -> tuple[int, int]:
    """(new streak, bonus) once a question closes. Questions without points leave the streak as it is."""
    if not counts:
        return streak, 0
    if correct:
        return streak + 1, streak_bonus(streak + 1)
    return 0, 0
