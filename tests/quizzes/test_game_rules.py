"""The state machine: every allowed move and the refused ones."""

import pytest

from quizzes.game import GameRuleError, Move, Phase, Position, host_move, position_after


def test_a_two_question_game_from_lobby_to_finish():
    position = Position(Phase.LOBBY, -1)
    seen = []
    while position.phase != Phase.FINISHED:
        position = position_after(position=position, move=host_move(position.phase), question_count=2)
        seen.append((position.phase.value, position.index))
    assert seen == [
        ("question", 0),
        ("reveal", 0),
        ("scoreboard", 0),
        ("question", 1),
        ("reveal", 1),
        ("scoreboard", 1),
        ("finished", 1),
    ]


@pytest.mark.parametrize(
    ("phase", "move"),
    [
        (Phase.LOBBY, Move.CLOSE),
        (Phase.LOBBY, Move.NEXT),
        (Phase.QUESTION, Move.START),
        (Phase.QUESTION, Move.NEXT),
        (Phase.REVEAL, Move.CLOSE),
        (Phase.SCOREBOARD, Move.SCOREBOARD),
        (Phase.FINISHED, Move.END),
        (Phase.FINISHED, Move.START),
    ],
)
def test_refused_moves(phase, move):
    with pytest.raises(GameRuleError):
        position_after(position=Position(phase, 0), move=move, question_count=3)


def test_end_from_any_running_phase():
    for phase in (Phase.LOBBY, Phase.QUESTION, Phase.REVEAL, Phase.SCOREBOARD):
        assert (
            position_after(position=Position(phase, 1), move=Move.END, question_count=3).phase
            == Phase.FINISHED
        )


def test_cannot_start_without_questions_and_finished_has_no_host_move():
    with pytest.raises(GameRuleError, match="no questions"):
        position_after(position=Position(Phase.LOBBY, -1), move=Move.START, question_count=0)
    with pytest.raises(GameRuleError):
        host_move(Phase.FINISHED)
