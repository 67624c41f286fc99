"""The lecture hall: "get ready" before each question, the projector's privacy, the parametric reveal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from quizzes.models import Game
from quizzes.scoring import AnswerRejected
from quizzes.selectors import host_snapshot, live_question, player_snapshot
from quizzes.services import answer_record, game_advance, player_join

pytestmark = pytest.mark.services


def advance(game: Game) -> None:
    game.refresh_from_db()
    game_advance(game_id=game.id, from_phase=game.phase, from_index=game.question_index)
    game.refresh_from_db()


def test_get_ready_delays_the_clock_and_refuses_an_answer_before_the_question_opens(game, student, settings):
    settings.QUIZ_GET_READY_S = 3
    player = player_join(game=game, neptun_code="ABC123").player
    before = timezone.now()
    advance(game)
    live = live_question(game=game)
    assert live is not None
    assert timedelta(seconds=2.9) < live.opened_at - before < timedelta(seconds=3.5)
    assert live.deadline - live.opened_at == timedelta(seconds=game.quiz.questions.first().time_limit)
    # What a reconnecting phone and the projector are told: the countdown still to go.
    assert 2000 < player_snapshot(game=game, player=player, now=before)["ready_ms"] <= 3500
    assert 2000 < host_snapshot(game=game, now=before)["ready_ms"] <= 3500
    with pytest.raises(AnswerRejected) as early:
        answer_record(live=live, player_id=player.id, variant=None, picks=[0],
                      received_at=live.opened_at - timedelta(seconds=0.5))  # fmt: skip
    assert early.value.code == "not_open_yet"
    assert not game.answers.exists()
    # Opened: the speed points count from the opening, not from the host's click.
    recorded = answer_record(live=live, player_id=player.id, variant=None, picks=[0],
                             received_at=live.opened_at + timedelta(seconds=0.1))  # fmt: skip
    assert recorded.points == 1000 and recorded.response_ms == 100
