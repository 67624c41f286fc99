"""The consumers through Channels' WebsocketCommunicator: joining, answering, takeovers, reconnects,
hostile frames, and the host's rights and moves."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from quizzes import consumers
from quizzes.frames import FRAME_ERROR_CODES as FRAME_CODES
from quizzes.models import Answer, Game, Player
from quizzes.routing import websocket_urlpatterns
from quizzes.selectors import player_variant

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

application = URLRouter(websocket_urlpatterns)


def run(scenario):
    consumers._live_questions.clear()
    async_to_sync(scenario)()


async def connect(path: str, user=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, path)
    communicator.scope["user"] = user or AnonymousUser()
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def receive(communicator: WebsocketCommunicator, kind: str | None = None, timeout: float = 3) -> dict:
    """The next frame (of ``kind``, skipping others such as the host's answer counts)."""
    while True:
        frame = json.loads(await communicator.receive_from(timeout=timeout))
        if kind is None or frame["type"] == kind:
            return frame


async def send(communicator: WebsocketCommunicator, **frame) -> None:
    await communicator.send_to(text_data=json.dumps(frame))


async def join(game: Game, neptun: str) -> tuple[WebsocketCommunicator, dict]:
    phone = await connect(f"/ws/quizzes/play/{game.pin}/")
    await send(phone, type="join", neptun=neptun)
    welcome = await receive(phone, "welcome")
    return phone, welcome


async def advance(host: WebsocketCommunicator, phase: str, index: int) -> None:
    await send(host, type="advance", phase=phase, index=index)


def test_unknown_pin_gets_an_error_and_is_closed(game):
    async def scenario():
        phone = await connect("/ws/quizzes/play/000000/")
        frame = await receive(phone)
        assert frame["code"] == "pin_not_found" and "PIN" in frame["message"]
        assert (await phone.receive_output())["type"] == "websocket.close"

    run(scenario)


def test_join_shows_in_the_lobby_and_bad_codes_are_refused(game, instructor, student):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        state = await receive(host, "state")
        assert state["game"]["pin"] == game.pin and state["players"] == []
        phone = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(phone, type="join", neptun="ab")
        error = await receive(phone)
        assert error["type"] == "error" and error["code"] == "invalid_neptun" and error["request"] == "join"
        await send(phone, type="join", neptun="QQQ999")
        assert (await receive(phone))["code"] == "not_enrolled"
        await send(phone, type="join", neptun="abc123")
        welcome = await receive(phone, "welcome")
        assert welcome["player"]["neptun_code"] == "ABC123" and len(welcome["seat"]) > 20
        assert (await receive(phone))["type"] == "lobby"
        joined = await receive(host, "player")
        assert joined["event"] == "joined" and joined["player"]["neptun_code"] == "ABC123"
        await phone.disconnect()
        await host.disconnect()

    run(scenario)


def test_a_question_is_answered_closed_when_all_answered_and_revealed(
    game, instructor, student, other_student
):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        a, _ = await join(game, "ABC123")
        b, _ = await join(game, "XYZ789")
        await advance(host, "lobby", -1)
        qa, qb = await receive(a, "question"), await receive(b, "question")
        assert qa["question"]["text_html"].startswith("Which layer")
        assert [c["symbol"] for c in qa["question"]["choices"]] == ["▲", "◆", "●", "■"]
        assert 18_000 < qa["remaining_ms"] <= 20_000 and qb["answered"] is False
        assert "correct" not in json.dumps(qa["question"]["choices"])  # the answer is not given away
        await receive(host, "question")
        await send(a, type="answer", question=0, picks=[0])
        accepted = await receive(a)
        assert accepted["type"] == "answer.accepted" and accepted["question"] == 0
        await send(a, type="answer", question=0, picks=[1])
        duplicate = await receive(a)
        assert duplicate["code"] == "duplicate" and "first answer" in duplicate["message"]
        await send(b, type="answer", question=1, picks=[0])
        assert (await receive(b))["code"] == "wrong_question"
        await send(b, type="answer", question=0, picks=[1])
        assert (await receive(b))["type"] == "answer.accepted"
        # every player answered: the host's timer closes the question
        reveal_host = await receive(host, "reveal")
        bars = reveal_host["reveal"]["bars"]
        assert [bar["count"] for bar in bars[:2]] == [1, 1] and bars[0]["correct"]
        ra, rb = await receive(a, "reveal"), await receive(b, "reveal")
        assert ra["you"]["correct"] is True and ra["you"]["rank"] == 1 and ra["you"]["points"] > 900
        assert rb["you"]["correct"] is False and rb["you"]["points"] == 0 and rb["you"]["rank"] == 2
        await advance(host, "reveal", 0)
        board = await receive(a, "scoreboard")
        assert board["scoreboard"]["top"][0]["label"] == "AB•••3" and board["you"]["rank"] == 1
        assert "ABC123" not in json.dumps(board)  # phones never get another player's Neptun code
        for communicator in (a, b, host):
            await communicator.disconnect()

    run(scenario)
    assert Answer.objects.filter(picks="0").count() == 1 and Answer.objects.count() == 2


def test_hostile_frames_get_errors_and_change_nothing(game, instructor, student):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        phone = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(phone, type="answer", question=0, picks=[0])
        assert (await receive(phone))["code"] == "not_joined"
        await send(phone, type="join", neptun="ABC123")
        await receive(phone, "lobby")
        await advance(host, "lobby", -1)
        await receive(phone, "question")
        hostile = [
            ("{not json", "bad_json"),
            ("[1, 2]", "frame_not_object"),
            ('{"type": 5}', "frame_not_object"),
            ('{"type": "hack"}', "unknown_type"),
            (json.dumps({"type": "answer", "question": 0, "picks": "x" * 5000}), "frame_too_large"),
            (json.dumps({"type": "answer", "question": "0", "picks": [0]}), "field_not_integer"),
            (json.dumps({"type": "answer", "question": 0, "picks": "0"}), "field_not_list"),
            (json.dumps({"type": "answer", "question": 0, "picks": [7]}), "choose_option"),
            (json.dumps({"type": "answer", "question": 0, "picks": [True]}), "field_not_integer"),
            (json.dumps({"type": "answer", "question": 0, "picks": [0, 1]}), "choose_one"),
            (json.dumps({"type": "join", "neptun": "XYZ789"}), "already_joined"),
            (json.dumps({"type": "resume", "seat": "someone-elses-seat-token"}), "already_joined"),
        ]
        for text, code in hostile:
            await phone.send_to(text_data=text)
            frame = await receive(phone)
            assert frame["type"] == "error" and frame["code"] == code, (text, frame)
        await phone.send_to(bytes_data=b"\x00\x01")
        assert (await receive(phone))["code"] == "frame_not_text"
        await send(host, type="advance", phase="lobby", index=-1)  # a stale host click
        assert (await receive(host, "error"))["code"] == "stale"
        await send(host, type="remove", player="1")
        assert (await receive(host, "error"))["code"] == "field_not_integer"
        await phone.disconnect()
        await host.disconnect()

    run(scenario)
    assert not Answer.objects.exists()
    assert Player.objects.count() == 1
    assert Game.objects.get(id=game.id).phase == "question"


def test_a_stranger_cannot_resume_someone_elses_seat(game, student):
    async def scenario():
        owner, welcome = await join(game, "ABC123")
        stranger = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(stranger, type="resume", seat="x" * 43)
        assert (await receive(stranger))["code"] == "seat_lost"
        await send(stranger, type="resume", seat=["not", "a", "token"])
        assert (await receive(stranger))["code"] == "field_not_text"
        await owner.disconnect()
        await stranger.disconnect()

    run(scenario)


def test_the_logged_in_owner_on_a_second_device_takes_the_seat_over_and_host_sees_it(
    game, instructor, student
):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        first, _ = await join(game, "ABC123")
        await receive(host, "player")
        second = await connect(f"/ws/quizzes/play/{game.pin}/", student)
        await send(second, type="join", neptun="abc123")
        await receive(second, "welcome")
        taken = await receive(first, "taken_over")
        assert "another device" in taken["message"]
        assert (await first.receive_output())["type"] == "websocket.close"
        takeover = await receive(host, "player")
        assert takeover["event"] == "takeover" and takeover["player"]["takeovers"] == 1
        assert (await receive(second))["type"] == "lobby"
        await second.disconnect()
        await host.disconnect()

    run(scenario)
    assert Player.objects.filter(game=game).count() == 1


def test_reload_mid_question_returns_to_the_seat_and_can_still_answer(game, instructor, student):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        phone, welcome = await join(game, "ABC123")
        await advance(host, "lobby", -1)
        await receive(phone, "question")
        await phone.disconnect()  # the phone reloads
        consumers._live_questions.clear()  # as if another (or a restarted) process serves it
        again = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(again, type="resume", seat=welcome["seat"])
        back = await receive(again, "welcome")
        assert back["player"]["id"] == welcome["player"]["id"]
        question = await receive(again)
        assert (
            question["type"] == "question" and question["answered"] is False and question["remaining_ms"] > 0
        )
        await send(again, type="answer", question=0, picks=[0])
        assert (await receive(again))["type"] == "answer.accepted"
        await again.disconnect()
        third = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(third, type="resume", seat=welcome["seat"])
        await receive(third, "welcome")
        assert (await receive(third))["answered"] is True
        # the host's screen reloads too and resumes where the game is
        await host.disconnect()
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        state = await receive(host, "state")
        assert (
            state["game"]["phase"] in ("question", "reveal")
            and state["players"][0]["neptun_code"] == "ABC123"
        )
        await third.disconnect()
        await host.disconnect()

    run(scenario)


def test_late_answer_is_rejected_and_closes_the_question(game, instructor, student):
    async def scenario():
        phone, _ = await join(game, "ABC123")
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        await advance(host, "lobby", -1)
        await receive(phone, "question")
        await host.disconnect()  # no host timer: the late answer closes the question itself
        await Game.objects.filter(id=game.id).aupdate(deadline=timezone.now() - timedelta(seconds=1))
        await send(phone, type="answer", question=0, picks=[0])
        late = await receive(phone, "error")
        assert late["code"] == "too_late" and "not counted" in late["message"]
        reveal = await receive(phone, "reveal")
        assert reveal["you"]["answered"] is False
        await phone.disconnect()

    run(scenario)
    assert not Answer.objects.exists() and Game.objects.get(id=game.id).phase == "reveal"


def test_parametric_question_shows_each_player_their_own_variant(game, instructor, student, other_student):
    game.question_ids = [game.question_ids[2]]  # only the parametric question
    game.save()

    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        a, _ = await join(game, "ABC123")
        b, _ = await join(game, "XYZ789")
        await advance(host, "lobby", -1)
        qa, qb = await receive(a, "question"), await receive(b, "question")
        assert (
            qa["question"]["input"] is True and qa["variant"]["prompt_html"] and qb["variant"]["prompt_html"]
        )
        variant = await _variant(game, "ABC123")
        await send(a, type="answer", question=0, text="what?")
        assert (await receive(a))["code"] == "shape_form"
        await send(a, type="answer", question=0, text=variant.answer)
        assert (await receive(a))["type"] == "answer.accepted"
        await send(host, type="skip", index=0)
        reveal = await receive(a, "reveal")
        assert reveal["you"]["correct"] is True and reveal["variant"]["answer"] == variant.answer
        assert (await receive(b, "reveal"))["you"]["answered"] is False
        await advance(host, "reveal", 0)
        await advance(host, "scoreboard", 0)
        finished = await receive(a, "finished")
        assert finished["you"]["rank"] == 1 and finished["finished"]["podium"][0]["label"] == "AB•••3"
        host_finished = await receive(host, "finished")
        assert [row["label"] for row in host_finished["finished"]["podium"]] == ["AB•••3", "XY•••9"]
        assert "ABC123" not in json.dumps(host_finished) and "XYZ789" not in json.dumps(finished)
        for communicator in (a, b, host):
            await communicator.disconnect()

    run(scenario)


async def _variant(game, code):
    from channels.db import database_sync_to_async

    def load():
        question = game.quiz.questions.get(id=game.question_ids[0])
        return player_variant(game=Game.objects.get(id=game.id), question=question, neptun_code=code)

    return await database_sync_to_async(load)()


def test_host_removes_a_player(game, instructor, student):
    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        phone, welcome = await join(game, "ABC123")
        await send(host, type="remove", player=welcome["player"]["id"])
        removed = await receive(phone, "removed")
        assert "removed" in removed["message"]
        assert (await receive(host, "player"))["event"] == "joined"
        assert (await receive(host, "player"))["event"] == "removed"
        again = await connect(f"/ws/quizzes/play/{game.pin}/")
        await send(again, type="join", neptun="ABC123")
        assert (await receive(again))["code"] == "neptun_removed"
        await again.disconnect()
        await host.disconnect()

    run(scenario)


def test_only_the_games_instructors_can_host(game, student, grader_user):
    async def scenario():
        for user in (AnonymousUser(), student, grader_user):
            host = await connect(f"/ws/quizzes/host/{game.id}/", user)
            frame = await receive(host)
            assert frame["code"] == "not_host"
            assert (await host.receive_output())["type"] == "websocket.close"
        host = await connect("/ws/quizzes/host/999999/", student)
        assert (await receive(host))["code"] == "game_not_found"

    run(scenario)
    assert Game.objects.get(id=game.id).phase == "lobby"


def test_every_wrong_frame_on_either_socket_gets_an_error_frame_and_the_socket_stays_open(
    game, instructor, student
):
    deep = "[" * 2000 + "]" * 2000  # 4,000 characters: RecursionError in json.loads, the socket dropped
    player_frames = [
        deep,
        '{"type": "answer", "question": 0, "picks": ' + "[" * 1900 + "0" + "]" * 1900 + "}",
        '{"type": "answer", "question": 0, "picks": [0], "extra": 1}',
        '{"type": "answer", "question": 0.0, "picks": [0]}',
        '{"type": "answer", "question": 0, "picks": [0.0]}',
        '{"type": "answer", "question": 1e999, "picks": [0]}',
        '{"type": "answer", "question": ' + "9" * 3000 + ', "picks": [0]}',
        '{"type": "answer", "question": 0, "picks": [0], "type": "ping"}',
        '{"type": "join", "neptun": {"code": "ABC123"}}',
        '{"type": "advance", "phase": "question", "index": 0}',  # a host frame from a phone
    ]
    host_frames = [
        deep,
        '{"type": "remove", "player": true}',
        '{"type": "skip", "index": true}',
        '{"type": "skip", "index": 0.0}',
        '{"type": "skip", "index": "0"}',
        '{"type": "advance", "phase": "question", "index": false}',
        '{"type": "advance", "phase": "question", "index": 0, "force": true}',
        '{"type": "end", "now": 1}',
        '{"type": "remove", "player": ' + "9" * 3000 + "}",
        '{"type": "answer", "question": 0, "picks": [0]}',  # a phone frame on the host's socket
    ]

    async def scenario():
        host = await connect(f"/ws/quizzes/host/{game.id}/", instructor)
        await receive(host, "state")
        phone, _ = await join(game, "ABC123")
        await advance(host, "lobby", -1)
        await receive(phone, "question")
        for communicator, frames in ((phone, player_frames), (host, host_frames)):
            for text in frames:
                await communicator.send_to(text_data=text)
                frame = await receive(communicator, "error")
                assert frame["code"] in FRAME_CODES, (text[:60], frame)
                assert set(frame) == {"type", "code", "params", "message", "request"} and frame["message"]
            await send(communicator, type="ping")
            assert (await receive(communicator, "pong"))["type"] == "pong"  # still connected
        for communicator in (phone, host):
            await communicator.disconnect()

    run(scenario)
    game.refresh_from_db()
    assert (game.phase, game.question_index) == ("question", 0)
    assert not Answer.objects.exists() and not Player.objects.filter(removed_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("headers", "saved"),
    [
        ([(b"accept-language", b"hu-HU,hu;q=0.9,en;q=0.5")], ""),  # the phone's browser is Hungarian
        (
            [(b"cookie", b"django_language=hu"), (b"accept-language", b"en-US")],
            "",
        ),  # the language menu's cookie
        ([(b"accept-language", b"en-US")], "hu"),  # the account's choice wins over the browser's
    ],
)
def test_a_hungarian_phone_gets_errors_and_notices_in_hungarian_with_code_and_params(
    game, student, other_student, headers, saved
):
    student.language = saved
    student.save(update_fields=["language"])

    async def scenario():
        phone = WebsocketCommunicator(application, f"/ws/quizzes/play/{game.pin}/", headers=headers)
        phone.scope["user"] = student if saved else AnonymousUser()
        assert (await phone.connect())[0]
        await send(phone, type="answer", question=0, picks=[0])
        assert await receive(phone) == {
            "type": "error",
            "code": "not_joined",
            "params": {},
            "message": "Előbb csatlakozz a játékhoz.",
            "request": "answer",
        }
        await send(phone, type="join", neptun="ab!")
        refused = await receive(phone)
        assert refused["code"] == "invalid_neptun" and refused["params"] == {"typed": "ab!"}
        assert refused["message"].startswith("„ab!” nem Neptun-kód.")
        await send(phone, type="join", neptun=["ABC123"])
        assert (await receive(phone))["message"] == "A(z) „neptun” legfeljebb 40 karakteres szöveg lehet."
        await phone.disconnect()
        english, _ = await join(game, "XYZ789")  # another phone, no language: English
        await send(english, type="join", neptun="XYZ789")
        assert (await receive(english, "error"))["message"] == "You already have a seat in this game."
        await english.disconnect()

    run(scenario)
