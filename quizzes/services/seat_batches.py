"""Seats taken in batches: a lecture hall's phones join within seconds of each other, and after a Wi-Fi
hiccup a thousand of them come back at once. Each phone waiting for its own trip to the database
thread (game, seat, snapshot: three to five queries) made the last one wait seconds; a batch loads the
game once, finds every returning seat in one query and every "answered already?" in another.

``seats_take`` is plain Python; ``quizzes.consumers`` gathers the calls of the sockets waiting meanwhile.
"""

from dataclasses import dataclass
from typing import Any, Literal

from django.utils import timezone

from accounts.models import User
from core.errors import PlatformError
from quizzes.game import Phase
from quizzes.models import Answer, Game
from quizzes.selectors import game_question, player_snapshot
from quizzes.services.game_moves import game_tick
from quizzes.services.game_seats import Seat, player_join, players_resume


@dataclass(frozen=True)
class SeatCall:
    """One socket's request: join by Neptun code, or resume with its seat token."""

    kind: Literal["join", "resume"]
    neptun_code: object = None
    seat_token: object = None
    user: User | None = None
    channel_name: str = ""


@dataclass(frozen=True)
class SeatTaken:
    """Where a call ended: the seat, the game as it is now, and the snapshot the phone is sent
    (None while a seat request waits for the host)."""

    seat: Seat
    game: Game
    snapshot: dict[str, Any] | None


def seats_take(*, game_id: int, calls: list[SeatCall]) -> list[SeatTaken | PlatformError]:
    """Take the seats of ``calls`` in game ``game_id``; for each call its SeatTaken or the PlatformError
    that refused it (a refused call changes nothing, and does not stop the others).

    Joins go one by one through ``player_join`` (each its own transaction: the rules of a join, seat
    requests and takeovers included, are the same as for a single phone); resumes and snapshots are read
    for the whole batch at once.
    """
    game = Game.objects.select_related("quiz", "course").get(id=game_id)
    now = timezone.now()
    if game.phase == Phase.QUESTION and game.deadline is not None and now >= game.deadline:
        game_tick(game_id=game.id, now=now)  # the time is up: close it now (lazily), once for the batch
        game.refresh_from_db()
    resume_calls = [call.seat_token for call in calls if call.kind == "resume"]
    resumed = iter(players_resume(game=game, seat_tokens=resume_calls) if resume_calls else [])
    outcomes: list[Seat | PlatformError] = []
    for call in calls:
        if call.kind == "resume":
            player = next(resumed)
            outcomes.append(player if isinstance(player, PlatformError) else Seat(player, taken_over=False))
            continue
        try:
            outcomes.append(
                player_join(
                    game=game, neptun_code=call.neptun_code, user=call.user, channel_name=call.channel_name
                )
            )
        except PlatformError as error:
            outcomes.append(error)
    seated = [o.player.id for o in outcomes if isinstance(o, Seat) and o.request is None]
    answered: set[int] = set()
    if game.phase == Phase.QUESTION and seated:
        answered = set(
            Answer.objects.filter(
                game=game, question_index=game.question_index, player_id__in=seated
            ).values_list("player_id", flat=True)
        )
    question = None
    if seated and game.phase not in (Phase.LOBBY, Phase.FINISHED):
        question = game_question(game=game, index=game.question_index)  # every phone's, loaded once
    taken: list[SeatTaken | PlatformError] = []
    for outcome in outcomes:
        if isinstance(outcome, PlatformError) or outcome.request is not None:
            taken.append(outcome if isinstance(outcome, PlatformError) else SeatTaken(outcome, game, None))
            continue
        player = outcome.player
        snapshot = player_snapshot(
            game=game, player=player, now=now, answered=player.id in answered, question=question
        )
        taken.append(SeatTaken(outcome, game, snapshot))
    return taken
