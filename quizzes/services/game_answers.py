"""A player's answer to the open question: checked, scored and recorded once."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction

from quizzes.answers import answer_mistake
from quizzes.game import Phase
from quizzes.generators import AnswerFormatError, Variant, answer_check
from quizzes.models import (
    Answer,
    Game,
    Player,
    QuestionKind,
)
from quizzes.scoring import (
    AnswerRejected,
    answer_points,
    choice_result,
    number_parse,
    picks_check,
)
from quizzes.selectors import (
    LiveQuestion,
)

MAX_TEXT_ANSWER = 200


@dataclass(frozen=True)
class RecordedAnswer:
    question_index: int
    response_ms: int
    correct: bool | None
    points: int


def answer_evaluate(
    *, live: LiveQuestion, variant: Variant | None, picks: object, text: object, response_s: float
) -> tuple[str, str, bool | None, int]:
    """(picks, text, correct, points) of an answer; raises AnswerRejected when it is unreadable."""
    share = 0.0
    correct: bool | None
    picks_text, typed = "", ""
    if live.kind == QuestionKind.NUMERIC:
        typed = text if isinstance(text, str) else ""
        value = number_parse(text)
        assert live.answer_number is not None
        correct = abs(value - live.answer_number) <= live.tolerance + 1e-9 * max(1.0, abs(live.answer_number))
        share = 1.0 if correct else 0.0
    elif live.kind == QuestionKind.PARAMETRIC:
        if not isinstance(text, str) or variant is None:
            raise AnswerRejected("Type your answer.")
        typed = text
        try:
            correct = answer_check(variant=variant, text=text)
        except AnswerFormatError as error:
            raise AnswerRejected(str(error)) from None
        share = 1.0 if correct else 0.0
    else:
        chosen = picks_check(
            picks=picks, choice_count=live.choice_count, multiple=live.kind == QuestionKind.MULTIPLE
        )
        picks_text = ",".join(str(p) for p in chosen)
        if live.kind == QuestionKind.POLL:
            correct = None
        else:
            correct, share = choice_result(
                picks=chosen, correct=live.correct_picks, multiple=live.kind == QuestionKind.MULTIPLE
            )
    points = answer_points(
        points=live.points,
        share=share,
        response_s=response_s,
        time_limit_s=live.time_limit,
        speed_scoring=live.speed_scoring,
    )
    return picks_text, typed.strip()[:MAX_TEXT_ANSWER], correct, points


def answer_record(
    *,
    live: LiveQuestion,
    player_id: int,
    variant: Variant | None,
    picks: object = None,
    text: object = None,
    received_at: datetime,
) -> RecordedAnswer:
    """Record a player's first answer to the open question: one conditional INSERT.

    Raises AnswerRejected (code "too_late", "closed", "duplicate", or the reason it is unreadable);
    a rejected answer changes nothing.
    """
    if received_at > live.deadline:
        raise AnswerRejected(
            "Time is up: this question is closed, so the answer was not counted.", code="too_late"
        )
    if received_at < live.opened_at:  # a hand-made frame during "get ready" must not win speed points
        raise AnswerRejected("Wait for the countdown: the question is not open yet.", code="not_open_yet")
    # From when the question opened for everyone: joining late must not buy a faster time.
    response_s = max((received_at - live.opened_at).total_seconds(), 0.0)
    picks_text, typed, correct, points = answer_evaluate(
        live=live, variant=variant, picks=picks, text=text, response_s=response_s
    )
    # Named here, where this player's variant is at hand, so the reveal only counts (one GROUP BY).
    mistake = ""
    if variant is not None and correct is False:
        mistake = answer_mistake(variant=variant, text=typed)[:120]
    answer_table = Answer._meta.db_table
    game_table = Game._meta.db_table
    player_table = Player._meta.db_table
    # INSERT … SELECT: the row is written only if the question is still open and the seat still
    # taken, in one statement (PostgreSQL also share-locks the game row, so a concurrent close waits
    # for this answer and scores it). The unique (player, question_index) makes a second answer fail.
    lock = " FOR SHARE OF g" if connection.vendor == "postgresql" else ""
    # Table names come from the models; every value is a parameter.
    sql = (
        f"INSERT INTO {answer_table} (game_id, player_id, question_id, question_index, picks, text, "  # noqa: S608
        "mistake, correct, points, bonus, response_ms, created_at) "
        f"SELECT g.id, p.id, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s FROM {game_table} g "
        f"JOIN {player_table} p ON p.game_id = g.id "
        "WHERE g.id = %s AND g.phase = %s AND g.question_index = %s AND p.id = %s AND p.removed_at IS NULL"
        f"{lock}"
    )
    response_ms = round(response_s * 1000)
    params: list[Any] = [
        live.question_id,
        live.index,
        picks_text,
        typed,
        mistake,
        correct,
        points,
        response_ms,
        connection.ops.adapt_datetimefield_value(received_at),
        live.game_id,
        Phase.QUESTION.value,
        live.index,
        player_id,
    ]
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = cursor.rowcount
    except IntegrityError:
        raise AnswerRejected(
            "You already answered this question; only your first answer counts.", code="duplicate"
        ) from None
    if inserted != 1:
        raise AnswerRejected("This question is closed, so the answer was not counted.", code="closed")
    return RecordedAnswer(live.index, response_ms, correct, points)
