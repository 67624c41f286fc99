"""The live game's rules as a state machine in plain Python: phases, moves, and which move is next.

    lobby --start--> question --close--> reveal --scoreboard--> scoreboard --next--> question …
                                                                         \\--next (last)--> finished
    any phase but finished --end--> finished

"close" happens when the time is up, when every player has answered, or when the host skips.
The host's one button ("advance") makes the move ``host_move(phase)`` names; the client sends the
phase and question it saw, so a double click or a second host screen cannot advance twice.
"""

from dataclasses import dataclass
from enum import StrEnum

from core.errors import PlatformError

MIN_TIME_LIMIT = 5
MAX_TIME_LIMIT = 240


class Phase(StrEnum):
    LOBBY = "lobby"
    QUESTION = "question"
    REVEAL = "reveal"
    SCOREBOARD = "scoreboard"
    FINISHED = "finished"


class Move(StrEnum):
    START = "start"
    CLOSE = "close"
    SCOREBOARD = "scoreboard"
    NEXT = "next"
    END = "end"


class GameRuleError(PlatformError):
    """A move the game's rules do not allow now (codes in quizzes/errors.py)."""

    code = "stale"


@dataclass(frozen=True)
class Position:
    """Where a game is: its phase and the index of the current (or last shown) question."""

    phase: Phase
    index: int


_HOST_MOVES = {
    Phase.LOBBY: Move.START,
    Phase.QUESTION: Move.CLOSE,
    Phase.REVEAL: Move.SCOREBOARD,
    Phase.SCOREBOARD: Move.NEXT,
}


def host_move(phase: Phase) -> Move:
    """The move the host's "advance" button makes in this phase."""
    try:
        return _HOST_MOVES[phase]
    except KeyError:
        raise GameRuleError("game_finished") from None


def position_after(*, position: Position, move: Move, question_count: int) -> Position:
    """The position a move leads to; raises GameRuleError when the move is not allowed here."""
    phase, index = position.phase, position.index
    if phase == Phase.FINISHED:
        raise GameRuleError("game_finished")
    if move == Move.END:
        return Position(Phase.FINISHED, index)
    if move == Move.START and phase == Phase.LOBBY:
        if question_count < 1:
            raise GameRuleError("no_questions")
        return Position(Phase.QUESTION, 0)
    if move == Move.CLOSE and phase == Phase.QUESTION:
        return Position(Phase.REVEAL, index)
    if move == Move.SCOREBOARD and phase == Phase.REVEAL:
        return Position(Phase.SCOREBOARD, index)
    if move == Move.NEXT and phase == Phase.SCOREBOARD:
        if index + 1 < question_count:
            return Position(Phase.QUESTION, index + 1)
        return Position(Phase.FINISHED, index)
    raise GameRuleError("move_not_allowed", move=str(move), phase=str(phase))
