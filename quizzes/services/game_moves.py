"""The moves of a live game: questions opened and closed, the host's advance, the end, the timer's tick.

Moves are conditional UPDATEs on the game row (phase and question index as the caller saw them), so two
hosts, two processes or a timer racing the skip button cannot make the same move twice.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import NotFoundError
from quizzes.game import GameRuleError, Move, Phase, Position, host_move, position_after
from quizzes.models import (
    Answer,
    Game,
    Player,
    QuestionKind,
)
from quizzes.scoring import (
    streak_after,
)
from quizzes.selectors import (
    finished_payload,
    game_question,
    results_payload,
    reveal_payload,
    scoreboard_payload,
)
from quizzes.selectors import question_payload as question_public_payload
from quizzes.services.game_groups import _broadcast, game_group


def _question_open(*, game: Game, index: int, from_position: Position, now: datetime) -> bool:
    question = game_question(game=game, index=index)
    # "Get ready": the projector shows the question and a countdown, the phones their tiles only when
    # it opens; the clock (and the speed points) start then, and an earlier answer is refused.
    opened = now + timedelta(seconds=settings.QUIZ_GET_READY_S)
    deadline = opened + timedelta(seconds=question.time_limit)
    updates: dict[str, Any] = {
        "phase": Phase.QUESTION,
        "question_index": index,
        "question_opened_at": opened,
        "deadline": deadline,
    }
    if from_position.phase == Phase.LOBBY:
        updates["started_at"] = now
    updated = Game.objects.filter(
        id=game.id, phase=from_position.phase, question_index=from_position.index
    ).update(**updates)
    if not updated:
        return False
    game.refresh_from_db()
    payload = question_public_payload(game=game, question=question, index=index)
    _broadcast(
        game_group(game.id),
        {
            "type": "game.question",
            "index": index,
            "question_id": question.id,
            "deadline": deadline.timestamp(),
            "opened": opened.timestamp(),
            "question": json.dumps(payload),
            "parametric": question.kind == QuestionKind.PARAMETRIC,
            "generator": question.generator,
            "notation": question.notation or "lecture",
            "scope": question.scope,
        },
    )
    return True


def question_close(*, game_id: int, index: int) -> bool:
    """Close question ``index`` if it is still open: score it, update totals and streaks, broadcast
    the reveal. Returns False when someone else closed it first (nothing changes then)."""
    with transaction.atomic():
        if not Game.objects.filter(id=game_id, phase=Phase.QUESTION, question_index=index).update(
            phase=Phase.REVEAL
        ):
            return False
        game = Game.objects.get(id=game_id)
        question = game_question(game=game, index=index)
        counts = question.points > 0 and question.kind != QuestionKind.POLL
        answers = {
            player_id: (answer_id, correct, points)
            for answer_id, player_id, correct, points in Answer.objects.filter(
                game=game, question_index=index
            ).values_list("id", "player_id", "correct", "points")
        }
        players = Player.objects.filter(game=game, removed_at__isnull=True).values_list(
            "id", "streak", "score"
        )
        player_rows: list[tuple[int, int, int]] = []  # (streak, score, id) of the players that changed
        bonus_rows: list[tuple[int, int]] = []  # (bonus, answer id); an answer is written with bonus 0
        for player_id, streak, score in players:
            answer_id, correct, points = answers.get(player_id, (None, False, 0))
            new_streak, bonus = streak_after(streak=streak, correct=bool(correct), counts=counts)
            gained = points + bonus if answer_id is not None else 0
            if new_streak != streak or gained:
                player_rows.append((new_streak, score + gained, player_id))
            if answer_id is not None and bonus:
                bonus_rows.append((bonus, answer_id))
        # Plain UPDATEs by primary key: bulk_update's CASE over a lecture hall's 2,000 players costs
        # Django about a second of CPU on the one database thread, and every answer waits behind it.
        with connection.cursor() as cursor:
            if player_rows:
                cursor.executemany(
                    f"UPDATE {Player._meta.db_table} SET streak = %s, score = %s WHERE id = %s",  # noqa: S608
                    player_rows,
                )
            if bonus_rows:
                cursor.executemany(
                    f"UPDATE {Answer._meta.db_table} SET bonus = %s WHERE id = %s",  # noqa: S608
                    bonus_rows,
                )
        reveal = reveal_payload(game=game, question=question, index=index)
        results = results_payload(game=game, index=index)
        _broadcast(
            game_group(game_id),
            {
                "type": "game.reveal",
                "index": index,
                "reveal": json.dumps(reveal),
                "results": json.dumps(results),
            },
        )
        return True


def game_advance(*, game_id: int, from_phase: object, from_index: object) -> Phase:
    """The host's "advance" button, from the phase and question the host's screen showed.

    Raises GameRuleError (code "stale") when the game has moved on since, and changes nothing.
    """
    game = Game.objects.filter(id=game_id).first()
    if game is None:
        raise NotFoundError("No such game.")
    if game.phase != from_phase or game.question_index != from_index:
        raise GameRuleError("The game has already moved on; the screen shows where it is now.", code="stale")
    position = Position(Phase(game.phase), game.question_index)
    move = host_move(position.phase)
    if move == Move.CLOSE:
        question_close(game_id=game.id, index=game.question_index)
        return Phase.REVEAL
    target = position_after(position=position, move=move, question_count=game.question_count)
    with transaction.atomic():
        if target.phase == Phase.QUESTION:
            if not _question_open(game=game, index=target.index, from_position=position, now=timezone.now()):
                raise GameRuleError("The game has already moved on.", code="stale")
        elif target.phase == Phase.SCOREBOARD:
            if not Game.objects.filter(
                id=game.id, phase=position.phase, question_index=position.index
            ).update(phase=Phase.SCOREBOARD):
                raise GameRuleError("The game has already moved on.", code="stale")
            game.phase = Phase.SCOREBOARD
            _broadcast(
                game_group(game.id),
                {"type": "game.scoreboard", "scoreboard": json.dumps(scoreboard_payload(game=game))},
            )
        else:
            _game_finish(game=game, position=position)
    return target.phase


def _game_finish(*, game: Game, position: Position) -> None:
    if not Game.objects.filter(id=game.id, phase=position.phase, question_index=position.index).update(
        phase=Phase.FINISHED, finished_at=timezone.now()
    ):
        raise GameRuleError("The game has already moved on.", code="stale")
    _broadcast(
        game_group(game.id), {"type": "game.finished", "finished": json.dumps(finished_payload(game=game))}
    )


def game_end(*, game_id: int) -> None:
    """End the game now (an open question is scored first). Ending a finished game does nothing."""
    game = Game.objects.get(id=game_id)
    if game.phase == Phase.FINISHED:
        return
    if game.phase == Phase.QUESTION:
        question_close(game_id=game_id, index=game.question_index)
        game.refresh_from_db()
    with transaction.atomic():
        position = Position(Phase(game.phase), game.question_index)
        position_after(position=position, move=Move.END, question_count=game.question_count)
        _game_finish(game=game, position=position)


@dataclass(frozen=True)
class Progress:
    phase: str
    index: int
    answered: int
    players: int
    closed: bool


def game_tick(*, game_id: int, now: datetime | None = None) -> Progress:
    """Close the open question when its time is up or every player has answered.

    Any process may call it any time (the host's timer, a player's late answer, a reconnect);
    the conditional UPDATE in question_close makes the close happen once.
    """
    now = now or timezone.now()
    game = Game.objects.filter(id=game_id).values("phase", "question_index", "deadline").first()
    if game is None:
        raise NotFoundError("No such game.")
    players = Player.objects.filter(game_id=game_id, removed_at__isnull=True).count()
    answered = 0
    closed = False
    if game["phase"] == Phase.QUESTION:
        answered = Answer.objects.filter(game_id=game_id, question_index=game["question_index"]).count()
        if (game["deadline"] is not None and now >= game["deadline"]) or (
            players > 0 and answered >= players
        ):
            closed = question_close(game_id=game_id, index=game["question_index"])
    return Progress(game["phase"], game["question_index"], answered, players, closed)
