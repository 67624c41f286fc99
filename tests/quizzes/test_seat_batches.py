"""Seats taken in batches (quizzes/services/seat_batches.py), as plain Python: one outcome per call in
order, a refused call leaving the others seated, a batch's queries not growing with it, the "answered"
mark per player, a question whose time is up closed once, and a finished game refusing joins."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from accounts.services import enrollment_set
from core.errors import PlatformError
from quizzes.models import Answer, Game, Player
from quizzes.selectors import live_question
from quizzes.services import (
    SeatCall,
    SeatTaken,
    answer_record,
    game_advance,
    game_create,
    game_end,
    game_group,
    player_join,
    player_remove,
    seats_take,
)
from tests.factories import StudentFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def resume(player: Player) -> SeatCall:
    return SeatCall("resume", seat_token=player.seat_token)


def join(code: str) -> SeatCall:
    return SeatCall("join", neptun_code=code)


def seated(game: Game, *codes: str) -> list[Player]:
    return [player_join(game=game, neptun_code=code).player for code in codes]


def question_open(game: Game) -> None:
    game_advance(game_id=game.id, from_phase="lobby", from_index=-1)
    game.refresh_from_db()


@pytest.fixture
def open_game(quiz, instructor) -> Game:
    """A game with no course: any well-formed Neptun code may join."""
    return game_create(quiz=quiz, host=instructor)


def test_a_mixed_batch_gets_one_outcome_per_call_in_order_and_the_refusals_leave_the_rest_seated(
    game, course, instructor, student, other_student
):
    for code in ("DEF456", "GHI789"):
        enrollment_set(course=course, user=StudentFactory(neptun_code=code, username=code), role=Role.STUDENT)
    returning, removed = seated(game, "ABC123", "XYZ789")
    player_remove(game=game, player_id=removed.id, by=instructor)
    calls = [
        join("def456"),
        resume(returning),
        SeatCall("resume", seat_token="garbage-token-that-no-seat-has"),
        resume(removed),
        join("ab"),
        SeatCall("resume", seat_token="short"),
        join("GHI789"),
    ]

    outcomes = seats_take(game_id=game.id, calls=calls)

    assert len(outcomes) == len(calls)
    refused = {i: o.code for i, o in enumerate(outcomes) if isinstance(o, PlatformError)}
    assert refused == {2: "seat_lost", 3: "removed", 4: "invalid_neptun", 5: "seat_invalid"}
    taken = [o for o in outcomes if isinstance(o, SeatTaken)]
    assert [t.seat.player.neptun_code for t in taken] == ["DEF456", "ABC123", "GHI789"]
    assert taken[1].seat.player.id == returning.id and not taken[1].seat.taken_over
    assert all(t.snapshot is not None and t.snapshot["type"] == "lobby" for t in taken)
    assert all(t.game.id == game.id and t.seat.request is None for t in taken)
    assert set(
        Player.objects.filter(game=game, removed_at__isnull=True).values_list("neptun_code", flat=True)
    ) == {
        "ABC123",
        "DEF456",
        "GHI789",
    }


def _resume_queries(game: Game, players: list[Player]) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcomes = seats_take(game_id=game.id, calls=[resume(p) for p in players])
    assert all(isinstance(o, SeatTaken) and o.snapshot["type"] == "question" for o in outcomes)
    return len(queries)


def test_a_batch_of_fifty_resumes_takes_as_many_queries_as_a_batch_of_five(open_game):
    players = seated(open_game, *(f"P{i:05d}" for i in range(50)))
    question_open(open_game)

    assert _resume_queries(open_game, players[:5]) == _resume_queries(open_game, players)


def test_answered_is_true_exactly_for_the_players_who_answered(open_game):
    players = seated(open_game, "AAA111", "BBB222", "CCC333", "DDD444")
    question_open(open_game)
    live = live_question(game=open_game)
    assert live is not None
    for player in players[1:3]:
        answer_record(live=live, player_id=player.id, variant=None, picks=[0], received_at=timezone.now())

    outcomes = seats_take(game_id=open_game.id, calls=[resume(p) for p in players])

    answered = [o.snapshot["answered"] for o in outcomes if isinstance(o, SeatTaken) and o.snapshot]
    assert answered == [False, True, True, False]


def test_a_batch_after_the_deadline_closes_the_question_once_and_shows_the_reveal(
    open_game, django_capture_on_commit_callbacks, settings
):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "core.channel_layers.LectureHallChannelLayer"}}
    players = seated(open_game, "AAA111", "BBB222", "CCC333")
    question_open(open_game)
    Game.objects.filter(id=open_game.id).update(deadline=timezone.now() - timedelta(seconds=1))
    layer = get_channel_layer()

    async def listen() -> str:
        channel = await layer.new_channel()
        await layer.group_add(game_group(open_game.id), channel)
        return channel

    async def heard(channel: str) -> list[str]:
        queue = layer.channels.get(channel)
        return [(await layer.receive(channel))["type"] for _ in range(queue.qsize() if queue else 0)]

    channel = async_to_sync(listen)()
    with django_capture_on_commit_callbacks(execute=True):
        first = seats_take(game_id=open_game.id, calls=[resume(p) for p in players])
    with django_capture_on_commit_callbacks(execute=True):
        again = seats_take(game_id=open_game.id, calls=[resume(players[0])])

    assert async_to_sync(heard)(channel) == ["game.reveal"]
    assert Game.objects.get(id=open_game.id).phase == "reveal"
    for outcome in [*first, *again]:
        assert isinstance(outcome, SeatTaken) and outcome.snapshot is not None
        assert outcome.snapshot["type"] == "reveal" and outcome.snapshot["you"]["answered"] is False


def test_a_finished_game_refuses_joins_and_resumes_see_the_final_ranks(open_game):
    (player,) = seated(open_game, "AAA111")
    game_end(game_id=open_game.id)

    refused, resumed = seats_take(game_id=open_game.id, calls=[join("BBB222"), resume(player)])

    assert isinstance(refused, PlatformError) and refused.code == "game_over"
    assert isinstance(resumed, SeatTaken) and resumed.snapshot is not None
    assert resumed.snapshot["type"] == "finished"
    assert not Player.objects.filter(neptun_code="BBB222").exists()
    assert not Answer.objects.exists()
