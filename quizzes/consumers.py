"""WebSocket consumers of the live game: thin. They check frames, call one service, shape the reply.

The protocol (every frame, both directions) is documented in docs/websocket-protocol.md.
A malformed or hostile frame gets an ``error`` frame and changes nothing.
"""

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone

from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from quizzes.game import Phase
from quizzes.generators import Variant, seed_for_player, variant_generate
from quizzes.models import Game, Player
from quizzes.scoring import AnswerRejected
from quizzes.selectors import (
    LiveQuestion,
    finished_ranks,
    game_by_pin,
    game_can_host,
    host_snapshot,
    json_cached,
    live_question,
    player_snapshot,
    variant_payload,
    variant_reveal,
)
from quizzes.services import (
    RecordedAnswer,
    answer_record,
    game_advance,
    game_end,
    game_group,
    game_tick,
    host_group,
    player_join,
    player_remove,
    player_resume,
    question_close,
    seat_digest,
    seat_group,
)

logger = logging.getLogger(__name__)
MAX_FRAME = 4096
HOST_TICK_S = 0.5
CLOSE_TAKEN_OVER = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_NOT_FOUND = 4004

# The open question of each game, as loaded by this process (one query per question per process).
_live_questions: dict[int, LiveQuestion] = {}


def _frame(kind: str, raw: dict[str, str] | None = None, **fields: Any) -> str:
    """A JSON frame; ``raw`` values are JSON texts from a broadcast, embedded without re-encoding."""
    text = json.dumps({"type": kind, **fields}, separators=(",", ":"))
    if raw:
        text = text[:-1] + "".join(f',"{key}":{value}' for key, value in raw.items()) + "}"
    return text


def _error(error: PlatformError, request: str | None = None, **fields: Any) -> str:
    return _frame("error", code=error.code, message=error.message, request=request, **fields)


class _GameSocket(AsyncWebsocketConsumer):
    """Frame checking and dispatch shared by the player's and the host's sockets."""

    handlers: dict[str, str] = {}

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message hop to the database thread.

        Channels calls close_old_connections in the (single) database thread before every handler;
        for a broadcast to 2,000 sockets that is 2,000 hops in a row. Every database call here goes
        through database_sync_to_async, which does the same housekeeping around the call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send(_error(PlatformError("Send JSON text frames.", code="bad_frame")))
            return
        if len(text_data) > MAX_FRAME:
            await self.send(_error(PlatformError("The frame is too large.", code="frame_too_large")))
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            await self.send(_error(PlatformError("The frame is not valid JSON.", code="bad_json")))
            return
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.send(
                _error(PlatformError('A frame is a JSON object with a "type".', code="bad_frame"))
            )
            return
        kind = message["type"]
        handler = self.handlers.get(kind)
        if handler is None:
            await self.send(_error(PlatformError(f"Unknown frame type “{kind[:40]}”.", code="unknown_type")))
            return
        try:
            await getattr(self, handler)(message)
        except PlatformError as error:
            await self.send(_error(error, request=kind))


class PlayerConsumer(_GameSocket):
    """A phone. It joins with a Neptun code (or resumes with its seat token), then answers."""

    handlers = {"join": "on_join", "resume": "on_resume", "answer": "on_answer", "ping": "on_ping"}

    game: Game | None = None
    player: Player | None = None
    seat: str = ""
    variant: Variant | None = None
    variant_index: int = -1
    last_result: dict[str, Any] | None = None

    async def connect(self) -> None:
        pin = str(self.scope["url_route"]["kwargs"]["pin"])
        await self.accept()
        self.game = await database_sync_to_async(game_by_pin)(pin=pin)
        if self.game is None:
            await self.send(
                _error(NotFoundError("No running game has this PIN. Check the PIN on the screen."))
            )
            await self.close(code=CLOSE_NOT_FOUND)

    async def disconnect(self, code: int) -> None:
        if self.player is not None and self.game is not None:
            await self.channel_layer.group_discard(game_group(self.game.id), self.channel_name)
            await self.channel_layer.group_discard(seat_group(self.player.id), self.channel_name)

    # --- from the phone ---

    async def on_ping(self, message: dict[str, Any]) -> None:
        await self.send(_frame("pong"))

    async def on_join(self, message: dict[str, Any]) -> None:
        game = self._game()
        if self.player is not None:
            raise PlatformError("You already have a seat in this game.", code="already_joined")
        seat = await database_sync_to_async(player_join)(
            game=game, neptun_code=message.get("neptun"), user=self.scope.get("user")
        )
        await self._sit(seat.player)

    async def on_resume(self, message: dict[str, Any]) -> None:
        game = self._game()
        if self.player is not None:
            raise PlatformError("You already have a seat in this game.", code="already_joined")
        player = await database_sync_to_async(player_resume)(game=game, seat_token=message.get("seat"))
        await self._sit(player)

    async def _sit(self, player: Player) -> None:
        game = self._game()
        self.player, self.seat = player, seat_digest(player.seat_token)
        await self.channel_layer.group_add(game_group(game.id), self.channel_name)
        await self.channel_layer.group_add(seat_group(player.id), self.channel_name)
        snapshot = await database_sync_to_async(self._snapshot)()
        await self.send(
            _frame(
                "welcome",
                seat=player.seat_token,
                player={"id": player.id, "neptun_code": player.neptun_code, "name": player.display_name},
                game={"pin": game.pin, "title": game.quiz.title, "count": game.question_count},
            )
        )
        await self.send(json.dumps(snapshot))

    def _snapshot(self) -> dict[str, Any]:
        assert self.game is not None and self.player is not None
        game = Game.objects.select_related("quiz", "course").get(id=self.game.id)
        player = Player.objects.get(id=self.player.id)
        now = timezone.now()
        if game.phase == Phase.QUESTION and game.deadline is not None and now >= game.deadline:
            game_tick(game_id=game.id, now=now)  # the time is up: close it now (lazily)
            game.refresh_from_db()
            player.refresh_from_db()
        self.game, self.player = game, player
        return player_snapshot(game=game, player=player, now=now)

    async def on_answer(self, message: dict[str, Any]) -> None:
        received_at = timezone.now()
        game = self._game()
        if self.player is None:
            raise PlatformError("Join the game first.", code="not_joined")
        index = message.get("question")
        if not isinstance(index, int) or isinstance(index, bool):
            raise AnswerRejected('Say which question you answer ("question": its index).', code="bad_frame")
        try:
            recorded = await self._answer(game, self.player, index, message, received_at)
        except AnswerRejected as error:
            await self.send(_error(error, request="answer", question=index))
            return
        await self.send(_frame("answer.accepted", question=index, response_ms=recorded.response_ms))

    async def _answer(
        self, game: Game, player: Player, index: int, message: dict[str, Any], received_at: datetime
    ) -> RecordedAnswer:
        live = _live_questions.get(game.id)
        if live is None or live.index != index or live.deadline < received_at:
            live = await database_sync_to_async(self._live_reload)()
        if live is None or live.index != index:
            raise AnswerRejected("That question is not open now.", code="wrong_question")
        if received_at > live.deadline:
            await database_sync_to_async(game_tick)(game_id=game.id)  # close it now (lazily)
        variant = await database_sync_to_async(self._variant)(live) if live.kind == "parametric" else None
        return await database_sync_to_async(answer_record)(
            live=live,
            player_id=player.id,
            joined_at=player.joined_at,
            variant=variant,
            picks=message.get("picks"),
            text=message.get("text"),
            received_at=received_at,
        )

    def _live_reload(self) -> LiveQuestion | None:
        game = Game.objects.get(id=self._game().id)
        live = live_question(game=game)
        if live is not None:
            _live_questions[game.id] = live
        return live

    def _variant(self, live: LiveQuestion) -> Variant:
        if self.variant is None or self.variant_index != live.index:
            assert self.player is not None
            seed = seed_for_player(
                game_key=live.game_key,
                question_key=str(live.question_id),
                neptun_code=self.player.neptun_code,
            )
            self.variant = variant_generate(generator=live.generator, seed=seed, notation=live.notation)
            self.variant_index = live.index
        return self.variant

    def _game(self) -> Game:
        if self.game is None:
            raise NotFoundError("No running game has this PIN.")
        return self.game

    # --- from the game (channel layer) ---

    async def game_question(self, event: dict[str, Any]) -> None:
        if self.player is None:
            return
        fields: dict[str, Any] = {"remaining_ms": max(int((event["deadline"] - time.time()) * 1000), 0)}
        fields["answered"] = False
        if event.get("parametric"):
            assert self.game is not None
            seed = seed_for_player(
                game_key=self.game.key,
                question_key=str(event["question_id"]),
                neptun_code=self.player.neptun_code,
            )
            self.variant = variant_generate(
                generator=event["generator"], seed=seed, notation=event["notation"]
            )
            self.variant_index = event["index"]
            fields["variant"] = variant_payload(self.variant)
        await self.send(_frame("question", {"question": event["question"]}, **fields))

    async def game_reveal(self, event: dict[str, Any]) -> None:
        if self.player is None:
            return
        self.last_result = json_cached(event["results"]).get(str(self.player.id))
        fields: dict[str, Any] = {"you": self.last_result}
        if self.variant is not None and self.variant_index == event["index"]:
            fields["variant"] = variant_reveal(self.variant)
        await self.send(_frame("reveal", {"reveal": event["reveal"]}, **fields))

    async def game_scoreboard(self, event: dict[str, Any]) -> None:
        if self.player is None:
            return
        await self.send(_frame("scoreboard", {"scoreboard": event["scoreboard"]}, you=self.last_result))

    async def game_finished(self, event: dict[str, Any]) -> None:
        if self.player is None:
            return
        finished = json_cached(event["finished"])
        you = finished_ranks(event["finished"]).get(self.player.id)
        await self.send(
            _frame(
                "finished", finished={"podium": finished["podium"], "players": finished["players"]}, you=you
            )
        )

    async def seat_taken(self, event: dict[str, Any]) -> None:
        if event["seat"] != self.seat:
            await self.send(
                _frame("taken_over", message="Your Neptun code joined this game on another device.")
            )
            await self.close(code=CLOSE_TAKEN_OVER)

    async def seat_removed(self, event: dict[str, Any]) -> None:
        await self.send(_frame("removed", message="The host removed you from this game."))
        await self.close(code=CLOSE_FORBIDDEN)


class HostConsumer(_GameSocket):
    """The projector screen: the logged-in host advances the game; a timer closes questions."""

    handlers = {"advance": "on_advance", "skip": "on_skip", "remove": "on_remove", "end": "on_end",
                "ping": "on_ping"}  # fmt: skip

    game_id: int = 0
    ticker: asyncio.Task | None = None

    async def connect(self) -> None:
        self.game_id = int(self.scope["url_route"]["kwargs"]["game_id"])
        await self.accept()
        allowed = await database_sync_to_async(self._allowed)()
        if allowed is None:
            await self.send(_error(NotFoundError("No such game.")))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not allowed:
            await self.send(_error(PermissionDeniedError("Only the game's host and instructors can run it.")))
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.channel_layer.group_add(game_group(self.game_id), self.channel_name)
        await self.channel_layer.group_add(host_group(self.game_id), self.channel_name)
        await self.send(json.dumps(await database_sync_to_async(self._snapshot)()))
        self.ticker = asyncio.create_task(self._tick_forever())

    def _allowed(self) -> bool | None:
        game = Game.objects.select_related("quiz", "course").filter(id=self.game_id).first()
        if game is None:
            return None
        user = self.scope.get("user")
        return user is not None and game_can_host(user=user, game=game)

    def _snapshot(self) -> dict[str, Any]:
        game_tick(game_id=self.game_id)
        game = Game.objects.select_related("quiz", "course").get(id=self.game_id)
        return host_snapshot(game=game, now=timezone.now())

    async def disconnect(self, code: int) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.ticker
        await self.channel_layer.group_discard(game_group(self.game_id), self.channel_name)
        await self.channel_layer.group_discard(host_group(self.game_id), self.channel_name)

    async def _tick_forever(self) -> None:
        """The server-side timer: close the question when time is up or all answered; show the count."""
        shown: tuple[int, int, int] | None = None
        while True:
            await asyncio.sleep(HOST_TICK_S)
            try:
                progress = await database_sync_to_async(game_tick)(game_id=self.game_id)
            except Exception:  # a database hiccup must not stop the timer; the next tick retries
                logger.exception("game %s: timer tick failed", self.game_id)
                continue
            if progress.phase == Phase.QUESTION and not progress.closed:
                now_shown = (progress.index, progress.answered, progress.players)
                if now_shown != shown:
                    shown = now_shown
                    await self.send(
                        _frame("answers", question=progress.index, answered=progress.answered,
                               players=progress.players)
                    )  # fmt: skip
            if progress.phase == Phase.FINISHED:
                return

    # --- from the host's screen ---

    async def on_ping(self, message: dict[str, Any]) -> None:
        await self.send(_frame("pong"))

    async def on_advance(self, message: dict[str, Any]) -> None:
        phase, index = message.get("phase"), message.get("index")
        if not isinstance(phase, str) or not isinstance(index, int):
            raise PlatformError('Send the phase and question index the screen shows ("phase", "index").')
        await database_sync_to_async(game_advance)(game_id=self.game_id, from_phase=phase, from_index=index)

    async def on_skip(self, message: dict[str, Any]) -> None:
        index = message.get("index")
        if not isinstance(index, int):
            raise PlatformError('Say which question to skip ("index").')
        if not await database_sync_to_async(question_close)(game_id=self.game_id, index=index):
            raise PlatformError("That question is not open.", code="stale")

    async def on_remove(self, message: dict[str, Any]) -> None:
        game = await database_sync_to_async(Game.objects.get)(id=self.game_id)
        await database_sync_to_async(player_remove)(
            game=game, player_id=message.get("player"), by=self.scope.get("user")
        )

    async def on_end(self, message: dict[str, Any]) -> None:
        await database_sync_to_async(game_end)(game_id=self.game_id)

    # --- from the game (channel layer) ---

    async def game_question(self, event: dict[str, Any]) -> None:
        remaining = max(int((event["deadline"] - time.time()) * 1000), 0)
        await self.send(
            _frame("question", {"question": event["question"]}, remaining_ms=remaining, answered=0)
        )

    async def game_reveal(self, event: dict[str, Any]) -> None:
        await self.send(_frame("reveal", {"reveal": event["reveal"]}))

    async def game_scoreboard(self, event: dict[str, Any]) -> None:
        await self.send(_frame("scoreboard", {"scoreboard": event["scoreboard"]}))

    async def game_finished(self, event: dict[str, Any]) -> None:
        await self.send(_frame("finished", {"finished": event["finished"]}))

    async def host_player(self, event: dict[str, Any]) -> None:
        await self.send(_frame("player", event=event["event"], player=event["player"]))
