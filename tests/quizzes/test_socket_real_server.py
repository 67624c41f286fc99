"""The live quiz socket on the real ASGI server (its own process): a foreign Origin is refused at the
handshake with 403, hostile frames get error frames without a traceback or a dropped connection, and
frames go uncompressed unless the server is told to compress them."""

import json
import signal
import sys

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from quizzes.models import Game, Player
from tests.conftest import free_port, start_process, subprocess_env

pytestmark = [pytest.mark.integration, pytest.mark.services]


def receive(socket, kind: str, timeout: float = 10) -> dict:
    while True:
        frame = json.loads(socket.recv(timeout=timeout))
        if frame["type"] == kind:
            return frame


def test_a_foreign_origin_is_refused_with_403_before_any_frame(asgi_server, game):
    for origin in ("http://evil.example", None):  # another site's page, or no Origin header at all
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{asgi_server.ws_url}/ws/quizzes/play/{game.pin}/", origin=origin, open_timeout=10)
        assert refused.value.response.status_code == 403


def test_hostile_frames_on_the_real_server_get_error_frames_and_no_traceback(asgi_server, game, student):
    url = f"{asgi_server.ws_url}/ws/quizzes/play/{game.pin}/"
    with connect(url, origin=asgi_server.url, open_timeout=10, max_size=2**20) as phone:
        phone.send(json.dumps({"type": "join", "neptun": "ABC123"}))
        receive(phone, "lobby")
        for _ in range(3):  # one traceback per frame, before
            phone.send("[" * 2000 + "]" * 2000)
            error = receive(phone, "error")
            assert error["code"] == "frame_too_deep" and error["request"] is None
        phone.send(json.dumps({"type": "answer", "question": 0, "text": "x" * 100_000}))
        assert receive(phone, "error")["code"] == "frame_too_large"
        phone.send(json.dumps({"type": "ping"}))
        assert receive(phone, "pong")["type"] == "pong"
    log = asgi_server.process.log()
    assert "RecursionError" not in log and "Traceback" not in log, log[-2000:]
    assert Player.objects.get(game=game).neptun_code == "ABC123"
    assert Game.objects.get(id=game.id).phase == "lobby"


def test_a_hungarian_phone_on_the_real_server_gets_its_errors_in_hungarian(asgi_server, game, student):
    """Once English on every phone (play.js knew no translation for these): the server now makes them
    in the phone's language, from its Accept-Language."""
    hungarian = {"Accept-Language": "hu-HU,hu;q=0.9"}
    url = f"{asgi_server.ws_url}/ws/quizzes/play/000000/"
    with connect(url, origin=asgi_server.url, open_timeout=10, additional_headers=hungarian) as phone:
        error = receive(phone, "error")
    assert error["code"] == "pin_not_found" and error["params"] == {}
    assert error["message"] == "Nincs futó játék ezzel a PIN-kóddal. Nézd meg a PIN-t a kivetítőn."
    url = f"{asgi_server.ws_url}/ws/quizzes/play/{game.pin}/"
    with connect(url, origin=asgi_server.url, open_timeout=10, additional_headers=hungarian) as phone:
        phone.send(json.dumps({"type": "join", "neptun": "ABC123", "seat": "x"}))
        error = receive(phone, "error")
        assert error["code"] == "unknown_field" and error["params"] == {"field": "seat", "type": "join"}
        assert error["message"] == "Ismeretlen „seat” mező egy „join” keretben."
        phone.send(json.dumps({"type": "join", "neptun": "ABC123"}))
        receive(phone, "lobby")
        phone.send(json.dumps({"type": "answer", "question": 0, "text": "3,5"}))
        assert receive(phone, "error")["message"] == "Ez a kérdés most nincs nyitva."
    with connect(url, origin=asgi_server.url, open_timeout=10) as english:  # no Accept-Language: English
        english.send(json.dumps({"type": "ping", "extra": 1}))
        assert receive(english, "error")["message"] == "Unknown field “extra” in a “ping” frame."


def test_the_real_server_declines_the_offered_compression_unless_told_to_compress(
    asgi_server, game, tmp_path
):
    url = f"{asgi_server.ws_url}/ws/quizzes/play/{game.pin}/"
    with connect(url, origin=asgi_server.url, open_timeout=10) as phone:  # the client offers deflate
        offered = phone.request.headers.get("Sec-WebSocket-Extensions", "")
        agreed = phone.response.headers.get("Sec-WebSocket-Extensions", "")
    assert "permessage-deflate" in offered and "permessage-deflate" not in agreed

    # `serve --ws-deflate` agrees to it: the same check sees an agreement when there is one
    port = free_port()
    argv = [sys.executable, "manage.py", "serve", "--port", str(port), "--ws-deflate"]
    compressing = start_process(argv, log_path=tmp_path / "deflate.log", ready=port, env=subprocess_env())
    try:
        url = f"ws://127.0.0.1:{port}/ws/quizzes/play/{game.pin}/"
        with connect(url, origin=f"http://127.0.0.1:{port}", open_timeout=10) as phone:
            agreed = phone.response.headers.get("Sec-WebSocket-Extensions", "")
    finally:
        compressing.kill(signal.SIGTERM)
    assert "permessage-deflate" in agreed
