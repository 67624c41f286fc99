"""Writes: quizzes and questions, games, seats, answers, and the moves of a live game.

One module per job, the public names re-exported here so callers import from ``quizzes.services``:

    editing        authoring: quizzes, questions, their order, YAML import; the course's hall settings
    game_groups    the channel-layer groups of a game and the sends to them (on commit)
    game_seats     a game created; players joining, seat requests, resuming, removal
    game_moves     questions opened and closed, the host's advance, the end, the timer's tick
    game_answers   a player's answer checked, scored and recorded once
    seat_batches   the seats of many phones joining or coming back at once, taken in one trip

Every broadcast to the clients is sent in ``transaction.on_commit``, so nobody hears of a move
that was rolled back. Moves are conditional UPDATEs on the game row (phase and question index as
the caller saw them), so two hosts, two processes or a timer racing the skip button cannot make
the same move twice.
"""

from quizzes.services.editing import (
    course_hall_save,
    question_delete,
    question_draft,
    question_move,
    question_save,
    quiz_course_check,
    quiz_create,
    quiz_edit_check,
    quiz_import,
    quiz_update,
)
from quizzes.services.game_answers import MAX_TEXT_ANSWER, RecordedAnswer, answer_evaluate, answer_record
from quizzes.services.game_groups import game_group, host_group, seat_digest, seat_group
from quizzes.services.game_moves import Progress, game_advance, game_end, game_tick, question_close
from quizzes.services.game_seats import (
    MAX_PENDING_SEAT_REQUESTS,
    MAX_REMOVAL_REASON,
    Seat,
    game_create,
    game_host_check,
    player_join,
    player_remove,
    player_resume,
    players_resume,
    seat_request_cancel,
    seat_request_decide,
)
from quizzes.services.seat_batches import SeatCall, SeatTaken, seats_take

__all__ = [
    "MAX_PENDING_SEAT_REQUESTS",
    "MAX_REMOVAL_REASON",
    "MAX_TEXT_ANSWER",
    "Progress",
    "RecordedAnswer",
    "Seat",
    "answer_evaluate",
    "answer_record",
    "course_hall_save",
    "game_advance",
    "game_create",
    "game_end",
    "game_group",
    "game_host_check",
    "game_tick",
    "host_group",
    "player_join",
    "player_remove",
    "player_resume",
    "players_resume",
    "seats_take",
    "SeatCall",
    "SeatTaken",
    "question_close",
    "question_delete",
    "question_draft",
    "question_move",
    "question_save",
    "quiz_course_check",
    "quiz_create",
    "quiz_edit_check",
    "quiz_import",
    "quiz_update",
    "seat_digest",
    "seat_group",
    "seat_request_cancel",
    "seat_request_decide",
]
