"""Two ASGI server processes share a Redis channel layer: players on both take part in one game,
and a player whose process dies comes back through the other one to the same seat."""

import json
import signal
import uuid
from contextlib import ExitStack

import pytest
from django.test import Client
from websockets.sync.client import connect

from quizzes.models import Answer, Game
from tests.conftest import asgi_server_start

pytestmark = [pytest.mark.integration, pytest.mark.services]


def ws(stack: ExitStack, server, path: str, cookie: str = ""):
    headers = {"Cookie": cookie} if cookie else None
    socket = connect(server.ws_url + path, origin=server.url, additional_headers=headers, open_timeout=10)
    return stack.enter_context(socket)


def receive(socket, kind: str, timeout: float = 10) -> dict:
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame["type"] == kind:
            return frame
        assert frame["type"] != "error", frame


def test_players_on_two_processes_play_one_game(
    transactional_db, tmp_path, redis_url, game, instructor, student, other_student
):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    with ExitStack() as stack:
        first = asgi_server_start(tmp_path, REDIS_URL=redis_url, CHANNEL_PREFIX=prefix)
        stack.callback(first.process.kill, signal.SIGTERM)
        second = asgi_server_start(tmp_path, REDIS_URL=redis_url, CHANNEL_PREFIX=prefix)
        stack.callback(second.process.kill, signal.SIGTERM)
        client = Client()
        client.force_login(instructor)
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        host = ws(stack, first, f"/ws/quizzes/host/{game.id}/", cookie)
        assert receive(host, "state")["game"]["pin"] == game.pin
        a = ws(stack, first, f"/ws/quizzes/play/{game.pin}/")
        b = ws(stack, second, f"/ws/quizzes/play/{game.pin}/")
        a.send(json.dumps({"type": "join", "neptun": "ABC123"}))
        b.send(json.dumps({"type": "join", "neptun": "XYZ789"}))
        receive(a, "welcome")
        seat_b = receive(b, "welcome")["seat"]
        joined = {receive(host, "player")["player"]["neptun_code"] for _ in range(2)}
        assert joined == {"ABC123", "XYZ789"}  # the join on the second process reached the host on the first

        host.send(json.dumps({"type": "advance", "phase": "lobby", "index": -1}))
        assert receive(a, "question")["question"]["index"] == 0
        assert receive(b, "question")["question"]["index"] == 0
        a.send(json.dumps({"type": "answer", "question": 0, "picks": [0]}))
        b.send(json.dumps({"type": "answer", "question": 0, "picks": [0]}))
        receive(a, "answer.accepted")
        receive(b, "answer.accepted")
        # all answered: the host's timer on the first process closes it; both processes reveal
        assert receive(b, "reveal")["you"]["correct"] is True
        assert receive(a, "reveal")["you"]["correct"] is True

        second.process.kill(signal.SIGKILL)  # the second process dies; its player reconnects to the first
        b.close()
        b = ws(stack, first, f"/ws/quizzes/play/{game.pin}/")
        b.send(json.dumps({"type": "resume", "seat": seat_b}))
        receive(b, "welcome")
        back = json.loads(b.recv(timeout=10))
        assert back["type"] == "reveal" and back["you"]["correct"] is True and back["you"]["total"] > 0

        host.send(json.dumps({"type": "advance", "phase": "reveal", "index": 0}))
        receive(b, "scoreboard")
        host.send(json.dumps({"type": "advance", "phase": "scoreboard", "index": 0}))
        receive(b, "question")
        b.send(json.dumps({"type": "answer", "question": 1, "text": "28"}))
        receive(b, "answer.accepted")
    assert Answer.objects.filter(game=game).count() == 3
    assert Game.objects.get(id=game.id).question_index == 1
