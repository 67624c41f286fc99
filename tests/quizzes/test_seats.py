"""Seats that cannot be stolen, through real WebSockets (Channels' WebsocketCommunicator): a typed Neptun
code alone never moves a seat another device holds; the seat token's device, the logged-in owner, or the
host's approval does. Runs on SQLite and, with DATABASE_URL, on PostgreSQL."""

import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from core.errors import PlatformError
from quizzes.frames import FIELD_ERROR_CODES as FIELD_CODES
from quizzes.models import Answer, Player, SeatRequest
from quizzes.services import player_join, seat_request_decide
from tests.quizzes.test_consumers import advance, connect, join, receive, run, send

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


async def host_of(game, instructor):
    host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
    await receive(host, "state")
    return host


def test_a_typed_code_asks_the_host_and_the_seat_stays_with_its_device_until_approved(
    game, instructor, student
):
    async def scenario():
        host = await host_of(game, instructor)
        owner, welcome = await join(game, "ABC123")
        await receive(host, "player")  # joined
        thief = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(thief, type="join", neptun="abc123")
        asked = await receive(thief)
        assert asked["type"] == "seat_request" and asked["neptun_code"] == "ABC123"
        assert "host" in asked["message"]
        shown = await receive(host, "seat_request")
        assert shown["event"] == "asked" and shown["request"]["player"]["neptun_code"] == "ABC123"
        assert shown["request"]["id"] == asked["request"] and shown["request"]["logged_in_as"] is None
        await send(thief, type="join", neptun="ABC123")  # asking again while waiting
        assert (await receive(thief))["code"] == "already_requested"

        # The host says no: the thief is told, the owner never noticed and keeps playing.
        await send(host, type="deny", request=asked["request"])
        assert (await receive(thief))["type"] == "seat_denied"
        assert (await receive(host, "seat_request"))["event"] == "denied"
        await advance(host, "lobby", -1)
        await receive(owner, "question")
        await send(owner, type="answer", question=0, picks=[0])
        assert (await receive(owner, "answer.accepted"))["question"] == 0
        await send(thief, type="answer", question=0, picks=[1])
        assert (await receive(thief))["code"] == "not_joined"
        await send(host, type="approve", request=asked["request"])  # too late: already decided
        stale = await receive(host, "error")
        assert stale["code"] == "request_not_waiting" and stale["request"] == "approve"
        for communicator in (owner, thief, host):
            await communicator.disconnect()

    run(scenario)
    player = Player.objects.get(game=game)
    assert player.takeovers == 0 and Answer.objects.get().picks == "0"
    assert SeatRequest.objects.get().status == "denied"


def test_the_host_approves_a_request_and_the_seat_moves_to_the_asking_device(game, instructor, student):
    async def scenario():
        host = await host_of(game, instructor)
        old, welcome = await join(game, "ABC123")  # a phone whose battery is about to die
        await receive(host, "player")
        new = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(new, type="join", neptun="ABC123")
        request = (await receive(new, "seat_request"))["request"]
        await receive(host, "seat_request")
        await send(host, type="approve", request=request)
        moved = await receive(new, "welcome")
        assert moved["player"]["id"] == welcome["player"]["id"] and moved["seat"] != welcome["seat"]
        assert (await receive(new))["type"] == "lobby"
        assert (await receive(old, "taken_over"))["message"]
        assert (await old.receive_output())["type"] == "websocket.close"
        takeover = await receive(host, "player")
        assert takeover["event"] == "takeover" and takeover["player"]["takeovers"] == 1
        assert (await receive(host, "seat_request"))["event"] == "approved"
        # the old device's token is dead: a reload there is told and does not get the seat back
        again = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(again, type="resume", seat=welcome["seat"])
        lost = await receive(again)
        assert lost["code"] == "seat_lost" and lost["request"] == "resume"
        for communicator in (new, again, host):
            await communicator.disconnect()

    run(scenario)
    assert Player.objects.get(game=game).takeovers == 1


def test_the_logged_in_owner_takes_the_seat_back_at_once_from_whoever_typed_the_code(
    game, instructor, student, other_student
):
    async def scenario():
        host = await host_of(game, instructor)
        friend, _ = await join(game, "ABC123")  # a friend seated first with the owner's code
        await receive(host, "player")
        # logged in as somebody else: still only a request
        other = await connect(f"/ws/quizzes/play/{game.pin}/", other_student)
        await send(other, type="join", neptun="ABC123")
        assert (await receive(other))["type"] == "seat_request"
        assert (await receive(host, "seat_request"))["request"]["logged_in_as"] == "XYZ789"
        owner = await connect(f"/ws/quizzes/play/{game.pin}/", student)
        await send(owner, type="join", neptun="ABC123")
        welcome = await receive(owner, "welcome")
        assert welcome["player"]["neptun_code"] == "ABC123"
        assert (await receive(friend, "taken_over"))["type"] == "taken_over"
        for communicator in (owner, other, host):
            await communicator.disconnect()

    run(scenario)


def test_a_request_whose_phone_left_cannot_be_approved_and_a_reloaded_host_sees_the_waiting_ones(
    game, instructor, student, other_student
):
    async def scenario():
        host = await host_of(game, instructor)
        owner, welcome = await join(game, "ABC123")
        await join(game, "XYZ789")
        leaving = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(leaving, type="join", neptun="ABC123")
        gone = (await receive(leaving, "seat_request"))["request"]
        waiting = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(waiting, type="join", neptun="XYZ789")
        kept = (await receive(waiting, "seat_request"))["request"]
        await leaving.disconnect()
        await host.disconnect()
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        state = await receive(host, "state")
        assert [r["id"] for r in state["seat_requests"]] == [kept]
        assert state["seat_requests"][0]["player"]["neptun_code"] == "XYZ789"
        await send(host, type="approve", request=gone)
        assert (await receive(host, "error"))["code"] == "request_not_waiting"
        await send(host, type="approve", request=True)  # a bool is not a request id
        assert (await receive(host, "error"))["code"] == "field_not_integer"
        await send(host, type="approve", request=kept)
        assert (await receive(waiting, "welcome"))["player"]["neptun_code"] == "XYZ789"
        await send(owner, type="ping")
        assert (await receive(owner, "pong"))["type"] == "pong"  # the other seat never moved
        for communicator in (owner, waiting, host):
            await communicator.disconnect()

    run(scenario)
    assert dict(SeatRequest.objects.values_list("player__neptun_code", "status")) == {
        "ABC123": "cancelled",
        "XYZ789": "approved",
    }


def test_only_a_host_of_the_game_decides_a_request_and_a_removed_seat_is_never_granted(
    game, instructor, student, other_student, grader_user
):
    held = player_join(game=game, neptun_code="ABC123").player
    request = player_join(game=game, neptun_code="ABC123", channel_name="specific.fake!chan").request
    assert request is not None
    for user in (student, other_student, grader_user):
        with pytest.raises(PlatformError) as refused:
            seat_request_decide(game=game, request_id=request.id, approve=True, by=user)
        assert refused.value.code == "not_host"
    from quizzes.services import player_remove

    player_remove(game=game, player_id=held.id, by=instructor, reason="")
    decided = seat_request_decide(game=game, request_id=request.id, approve=True, by=instructor)
    assert decided.status == "denied" and decided.decided_by == instructor
    assert Player.objects.get(id=held.id).seat_token == held.seat_token


def test_the_host_socket_refuses_true_for_a_player_id_and_removes_nobody(game, instructor, student):
    async def scenario():
        host = await host_of(game, instructor)
        phone, welcome = await join(game, "ABC123")
        await database_sync_to_async(Player.objects.filter(id=welcome["player"]["id"]).update)(id=1)
        for frame in ({"type": "remove", "player": True}, {"type": "remove", "player": 1.0},
                      {"type": "remove", "player": "1"}, {"type": "remove", "player": [1]}):  # fmt: skip
            await host.send_to(text_data=json.dumps(frame))
            error = await receive(host, "error")
            assert error["code"] in FIELD_CODES and error["request"] == "remove", frame
        for communicator in (phone, host):
            await communicator.disconnect()

    run(scenario)
    assert Player.objects.get(id=1).removed_at is None


def test_a_verified_game_seats_only_logged_in_students_and_their_own_code(quiz, instructor, course, student):
    from quizzes.services import game_create

    game = game_create(quiz=quiz, host=instructor, course=course, graded=True)
    assert game.verified  # graded games identify players by login unless the host says otherwise

    async def scenario():
        anonymous = await connect(f"/ws/quizzes/play/{game.pin}/", AnonymousUser())
        await send(anonymous, type="join", neptun="ABC123")
        assert (await receive(anonymous))["code"] == "login_required"
        phone = await connect(f"/ws/quizzes/play/{game.pin}/", student)
        await send(phone, type="join", neptun="XYZ789")  # the typed code is ignored
        assert (await receive(phone, "welcome"))["player"]["neptun_code"] == "ABC123"
        for communicator in (anonymous, phone):
            await communicator.disconnect()

    run(scenario)


def test_at_most_30_seat_requests_wait_per_game_and_none_changes_a_seat(quiz, instructor):
    from quizzes.services import MAX_PENDING_SEAT_REQUESTS, game_create

    game = game_create(quiz=quiz, host=instructor)  # no course: any valid code may ask
    seats = {code: player_join(game=game, neptun_code=code).player for code in ("AAA111", "BBB222")}
    for n in range(MAX_PENDING_SEAT_REQUESTS):
        player_join(game=game, neptun_code="AAA111", channel_name=f"chan.{n}")
    with pytest.raises(PlatformError) as flood:
        player_join(game=game, neptun_code="BBB222", channel_name="chan.last")
    assert flood.value.code == "too_many_requests"
    assert SeatRequest.objects.filter(game=game).count() == MAX_PENDING_SEAT_REQUESTS == 30
    for code, player in seats.items():
        assert Player.objects.get(id=player.id).seat_token == player.seat_token, code
