"""The live quiz's sockets made for a lecture hall, through the real ASGI application (its origin check,
session and auth middleware): the shared PIN lookup never lets a phone into a finished game and never
remembers a PIN that was not found; answers are acknowledged while Channels' database thread is busy;
and on the real server, 30 phones dropped at once all come back to their seats and answer."""

import asyncio
import json
import threading
import time
from dataclasses import replace

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as ws_connect

from config.asgi import application
from quizzes import consumers
from quizzes.models import Answer, Game, Player
from quizzes.services import game_create, game_end
from tests.quizzes.conftest import SINGLE

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://testserver")


def run(scenario):
    consumers._live_questions.clear()
    consumers._games_by_pin.clear()
    return async_to_sync(scenario)()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


async def connect(path: str, cookie: str = "") -> WebsocketCommunicator:
    headers = [ORIGIN, (b"cookie", cookie.encode())] if cookie else [ORIGIN]
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, kind: str | None = None, timeout: float = 10) -> dict:
    """The next frame (of ``kind``, skipping others such as the host's answer counts)."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if kind is None or frame["type"] in (kind, "error"):
            return frame


async def send(communicator: WebsocketCommunicator, **frame) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


def test_a_phone_let_in_by_the_cached_pin_of_a_game_finished_meanwhile_is_refused_at_join(
    game, student, monkeypatch
):
    monkeypatch.setattr(consumers, "PIN_LOOKUP_TTL_S", 300.0)  # the cache certainly still holds the game

    async def scenario():
        early = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(early, type="ping")  # answered once its connect (the PIN lookup, now remembered) is done
        assert (await receive(early))["type"] == "pong"
        await database_sync_to_async(game_end)(game_id=game.id)
        late = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(late, type="join", neptun="ABC123")
        refused = await receive(late)
        await early.disconnect()
        await late.disconnect()
        return refused

    refused = run(scenario)
    assert refused["type"] == "error" and refused["code"] == "game_over"
    assert not Player.objects.filter(game=game).exists()


def test_a_pin_that_was_not_found_is_looked_up_again_by_the_next_phone(game, student, monkeypatch):
    monkeypatch.setattr(consumers, "PIN_LOOKUP_TTL_S", 300.0)
    pin = "424242" if game.pin != "424242" else "434343"

    async def scenario():
        typed_early = await connect(f"/ws/quizzes/play/{pin}/")
        assert (await receive(typed_early))["code"] == "pin_not_found"
        assert (await typed_early.receive_output())["type"] == "websocket.close"
        await Game.objects.filter(id=game.id).aupdate(pin=pin)  # the game with that PIN starts now
        phone = await connect(f"/ws/quizzes/play/{pin}/")
        await send(phone, type="join", neptun="ABC123")
        welcome = await receive(phone)
        await phone.disconnect()
        return welcome

    welcome = run(scenario)
    assert welcome["type"] == "welcome"
    assert welcome["player"]["neptun_code"] == "ABC123"


def test_an_answer_is_acknowledged_while_the_database_thread_is_busy(game, instructor, student):
    cookie = session_cookie(instructor)
    order: list[str] = []

    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", cookie)
        assert (await receive(host))["type"] == "state"
        phone = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(phone, type="join", neptun="ABC123")
        await receive(phone, "lobby")
        await send(host, type="advance", phase="lobby", index=-1)
        await receive(phone, "question")

        started = threading.Event()

        def hold_the_database_thread() -> None:
            started.set()
            time.sleep(5)
            order.append("database thread free")

        busy = asyncio.ensure_future(database_sync_to_async(hold_the_database_thread)())
        while not started.is_set():
            await asyncio.sleep(0.01)
        await send(phone, type="answer", question=0, picks=[0])
        acknowledged = await receive(phone, "answer.accepted", timeout=30)
        order.append(acknowledged["type"])
        await busy
        for communicator in (phone, host):
            await communicator.disconnect()

    run(scenario)
    assert order == ["answer.accepted", "database thread free"]
    assert Answer.objects.filter(player__neptun_code="ABC123", question_index=0).count() == 1


async def _frame(socket: ClientConnection, kind: str) -> dict:
    """The next frame of ``kind`` (or an error, which the test then shows)."""
    while True:
        frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
        if frame["type"] in (kind, "error"):
            return frame


def test_thirty_phones_dropped_at_once_come_back_to_their_seats_and_answer(
    asgi_server, quiz_factory, instructor
):
    quiz = quiz_factory(replace(SINGLE, time_limit=240))  # time enough on a loaded machine
    game = game_create(quiz=quiz, host=instructor)  # no course: any Neptun code joins
    cookie = session_cookie(instructor)
    play = f"{asgi_server.ws_url}/ws/quizzes/play/{game.pin}/"
    codes = [f"R{i:05d}" for i in range(30)]

    async def phone_join(code: str) -> tuple[ClientConnection, dict]:
        phone = await ws_connect(play, origin=asgi_server.url, open_timeout=60)
        await phone.send(json.dumps({"type": "join", "neptun": code}))
        return phone, await _frame(phone, "welcome")

    async def phone_resume(seat: str) -> tuple[dict, dict, dict]:
        async with ws_connect(play, origin=asgi_server.url, open_timeout=60) as phone:
            await phone.send(json.dumps({"type": "resume", "seat": seat}))
            welcome = await _frame(phone, "welcome")
            snapshot = json.loads(await asyncio.wait_for(phone.recv(), 60))  # sent right after welcome
            await phone.send(json.dumps({"type": "answer", "question": 0, "picks": [0]}))
            return welcome, snapshot, await _frame(phone, "answer.accepted")

    async def scenario():
        host_url = f"{asgi_server.ws_url}/ws/quizzes/host/{game.id}/"
        async with ws_connect(
            host_url, origin=asgi_server.url, additional_headers={"Cookie": cookie}
        ) as host:
            assert (await _frame(host, "state"))["type"] == "state"
            joined = await asyncio.gather(*(phone_join(code) for code in codes))
            await host.send(json.dumps({"type": "advance", "phase": "lobby", "index": -1}))
            await asyncio.gather(*(_frame(phone, "question") for phone, _ in joined))
            for phone, _ in joined:  # the hall's Wi-Fi drops: no close frame, the TCP connection is gone
                phone.transport.abort()
            back = await asyncio.gather(*(phone_resume(welcome["seat"]) for _, welcome in joined))
        return [welcome for _, welcome in joined], back

    first, back = asyncio.run(scenario())
    for before, (welcome, snapshot, accepted) in zip(first, back, strict=True):
        assert welcome["type"] == "welcome", welcome
        assert welcome["player"]["id"] == before["player"]["id"]
        assert snapshot["type"] == "question" and snapshot["answered"] is False, snapshot
        assert accepted["type"] == "answer.accepted" and accepted["question"] == 0, accepted
    players = Player.objects.filter(game=game)
    assert players.count() == 30 and sum(p.takeovers for p in players) == 0
    assert Answer.objects.filter(game=game, question_index=0).count() == 30
