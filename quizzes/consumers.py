"""WebSocket consumers of the live game: thin. They check frames, call one service, shape the reply.

The protocol (every frame, both directions) is documented in docs/websocket-protocol.md.
A malformed or hostile frame gets an ``error`` frame and changes nothing. Every frame is made in the
socket's language (the user's choice, the language cookie or Accept-Language, as for the pages):
error frames and notices carry ``code``, ``params`` and the translated ``message``.
"""

import asyncio
import contextlib
import copy
import functools
import json
import logging
import time
import weakref
from datetime import datetime
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.utils import timezone, translation

from core.channel_layers import LectureHallChannelLayer, dispatch_from
from core.db_lanes import answer_lane
from core.errors import NotFoundError, PermissionDeniedError, PlatformError, error_fields
from core.i18n import language_from_scope
from core.socket_inbox import SocketInbox
from quizzes.frames import HOST_FRAMES, PLAYER_FRAMES, Frame, FrameError, Schema, frame_parse
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
    variant_payload,
    variant_reveal,
)
from quizzes.services import (
    RecordedAnswer,
    Seat,
    SeatCall,
    SeatTaken,
    answer_record,
    game_advance,
    game_end,
    game_group,
    game_tick,
    host_group,
    player_remove,
    question_close,
    seat_digest,
    seat_group,
    seat_request_cancel,
    seat_request_decide,
    seats_take,
)

logger = logging.getLogger(__name__)
HOST_TICK_S = 0.5
CLOSE_TAKEN_OVER = 4001
CLOSE_FORBIDDEN = 4003
CLOSE_NOT_FOUND = 4004

# The open question of each game, as loaded by this process (one query per question per process).
_live_questions: dict[int, LiveQuestion] = {}

# The game behind each PIN, as this process last found it: a lecture hall's phones connect within seconds
# of each other, and each lookup is a trip to the one database thread. Only the game's identity is read
# from it (id, PIN, key, quiz); joining and resuming load the game afresh, so a game finished meanwhile
# is refused there.
# Phones that connect at once share one lookup in flight.
PIN_LOOKUP_TTL_S = 5.0
_games_by_pin: dict[str, tuple[float, asyncio.Task[Game | None]]] = {}


async def _game_by_pin(pin: str) -> Game | None:
    now = time.monotonic()
    loop = asyncio.get_running_loop()
    entry = _games_by_pin.get(pin)
    if entry is None or entry[0] <= now or entry[1].get_loop() is not loop:
        if len(_games_by_pin) > 1000:  # PINs are typed by hand: keep a flood of guesses from piling up
            _games_by_pin.clear()
        lookup = loop.create_task(database_sync_to_async(game_by_pin)(pin=pin))
        entry = _games_by_pin[pin] = (now + PIN_LOOKUP_TTL_S, lookup)
    try:
        game = await asyncio.shield(entry[1])  # one socket giving up does not cancel the others' lookup
    except Exception:
        game = None
        raise
    finally:
        if game is None and _games_by_pin.get(pin) is entry:
            del _games_by_pin[pin]  # not found, or failed: the next phone asks again
    return copy.copy(game)


class _SeatBatcher:
    """The seat calls of this process's sockets (one event loop), taken to the database thread in
    batches: while one batch is in the database thread, the calls that arrive meanwhile gather for the
    next. An idle hall pays nothing (a lone call goes at once); a thousand phones coming back at once
    share a few trips instead of queueing a thousand (see quizzes/services/seat_batches.py)."""

    MAX_BATCH = 100

    def __init__(self) -> None:
        self.waiting: dict[int, list[tuple[SeatCall, asyncio.Future[SeatTaken]]]] = {}
        self.drain: asyncio.Task[None] | None = None

    async def take(self, game_id: int, call: SeatCall) -> SeatTaken:
        loop = asyncio.get_running_loop()
        taken: asyncio.Future[SeatTaken] = loop.create_future()
        self.waiting.setdefault(game_id, []).append((call, taken))
        if self.drain is None or self.drain.done():
            self.drain = loop.create_task(self._drain())
        return await taken

    async def _drain(self) -> None:
        while self.waiting:
            game_id, calls = next(iter(self.waiting.items()))
            batch, rest = calls[: self.MAX_BATCH], calls[self.MAX_BATCH :]
            if rest:
                self.waiting[game_id] = rest
            else:
                del self.waiting[game_id]
            try:
                calls_now = [call for call, _ in batch]
                outcomes = await database_sync_to_async(seats_take)(game_id=game_id, calls=calls_now)
            except Exception as error:  # the whole batch failed (the database): every caller hears it
                outcomes = [error] * len(batch)
            for (_, taken), outcome in zip(batch, outcomes, strict=True):
                if taken.done():  # the socket went away meanwhile
                    continue
                if isinstance(outcome, Exception):
                    taken.set_exception(outcome)
                else:
                    taken.set_result(outcome)


_seat_batchers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SeatBatcher]
_seat_batchers = weakref.WeakKeyDictionary()


def _seat_batcher() -> _SeatBatcher:
    loop = asyncio.get_running_loop()
    batcher = _seat_batchers.get(loop)
    if batcher is None:
        batcher = _seat_batchers[loop] = _SeatBatcher()
    return batcher


def _frame(kind: str, raw: dict[str, str] | None = None, **fields: Any) -> str:
    """A JSON frame; ``raw`` values are JSON texts from a broadcast, embedded without re-encoding."""
    text = json.dumps({"type": kind, **fields}, separators=(",", ":"))
    if raw:
        text = text[:-1] + "".join(f',"{key}":{value}' for key, value in raw.items()) + "}"
    return text


def _error(error: PlatformError, request: str | None = None, **fields: Any) -> str:
    """An error frame: ``code``, ``params``, the ``message`` in the active language, and ``request``,
    always there: the type of the frame that caused it, or null when the frame had no readable type
    or the error is the socket's own (on connect)."""
    return _frame("error", **error.fields(), request=request, **fields)


def _notice(kind: str, **fields: Any) -> str:
    """A frame that tells the phone something in words: its code (the frame's type) and message."""
    return _frame(kind, **fields, **error_fields(kind))


class _GameSocket(AsyncWebsocketConsumer):
    """Frame checking and dispatch shared by the player's and the host's sockets."""

    handlers: dict[str, str] = {}
    schemas: dict[str, Schema] = {}
    language: str = ""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Channels' AsyncConsumer.__call__, with the leaner dispatch loop of core.socket_inbox."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.base_send = send
        layer = self.channel_layer
        if layer is None:
            with contextlib.suppress(StopConsumer):
                await dispatch_from([receive], self.dispatch)
            return
        self.channel_name = await layer.new_channel()
        if not isinstance(layer, LectureHallChannelLayer):  # Redis: its messages are read like frames
            self.channel_receive = functools.partial(layer.receive, self.channel_name)
            with contextlib.suppress(StopConsumer):
                await dispatch_from([receive, self.channel_receive], self.dispatch)
            return
        # In process: the layer hands this socket its messages (handled at once when it is idle).
        inbox = SocketInbox(self.dispatch, capacity=layer.get_capacity(self.channel_name))
        layer.attach(self.channel_name, inbox.deliver)
        try:
            with contextlib.suppress(StopConsumer):
                await inbox.run([receive])
        finally:
            layer.detach(self.channel_name)

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its per-message hop to the database thread.

        Channels calls close_old_connections in the (single) database thread before every handler;
        for a broadcast to 2,000 sockets that is 2,000 hops in a row. Every database call here goes
        through database_sync_to_async, which does the same housekeeping around the call itself.
        Every handler runs in the socket's language, so every message it sends is in that language.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        if not self.language:
            self.language = language_from_scope(self.scope)
        if translation.get_language() == self.language:  # most phones: the site's language, no switch
            await handler(message)
            return
        with translation.override(self.language):
            await handler(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Every frame is checked against its type's schema before anything runs; a wrong one gets an
        error frame and changes nothing."""
        try:
            frame = frame_parse(text_data=text_data, schemas=self.schemas)
        except FrameError as error:
            await self.send(_error(error, request=error.request))
            return
        try:
            await getattr(self, self.handlers[frame.type])(frame)
        except PlatformError as error:
            await self.send(_error(error, request=frame.type))


class PlayerConsumer(_GameSocket):
    """A phone. It joins with a Neptun code (or resumes with its seat token), then answers."""

    handlers = {"join": "on_join", "resume": "on_resume", "answer": "on_answer", "ping": "on_ping"}
    schemas = PLAYER_FRAMES

    game: Game | None = None
    player: Player | None = None
    seat: str = ""
    variant: Variant | None = None
    variant_index: int = -1
    last_result: dict[str, Any] | None = None
    pending_request: int | None = None  # the seat request this socket waits on (the host decides)

    async def connect(self) -> None:
        pin = str(self.scope["url_route"]["kwargs"]["pin"])
        await self.accept()
        self.game = await _game_by_pin(pin)
        if self.game is None:
            await self.send(_error(NotFoundError("pin_not_found")))
            await self.close(code=CLOSE_NOT_FOUND)

    async def disconnect(self, code: int) -> None:
        if self.pending_request is not None:
            await database_sync_to_async(seat_request_cancel)(request_id=self.pending_request)
            self.pending_request = None
        if self.player is not None and self.game is not None:
            await self.channel_layer.group_discard(game_group(self.game.id), self.channel_name)
            await self.channel_layer.group_discard(seat_group(self.player.id), self.channel_name)

    # --- from the phone ---

    async def on_ping(self, message: Frame) -> None:
        await self.send(_frame("pong"))

    def _seatless(self) -> Game:
        game = self._game()
        if self.player is not None:
            raise PlatformError("already_joined")
        if self.pending_request is not None:
            raise PlatformError("already_requested")
        return game

    async def on_join(self, message: Frame) -> None:
        self._seatless()
        neptun, user = message.get("neptun"), self.scope.get("user")
        call = SeatCall("join", neptun_code=neptun, user=user, channel_name=self.channel_name)
        seat = await self._seat_take(call)
        if seat.request is not None:
            self.pending_request = seat.request.id
            await self.send(
                _frame(
                    "seat_request",
                    request=seat.request.id,
                    neptun_code=seat.player.neptun_code,
                    **error_fields("seat_requested"),
                )
            )

    async def on_resume(self, message: Frame) -> None:
        self._seatless()
        await self._seat_take(SeatCall("resume", seat_token=message.get("seat")))

    async def _seat_take(self, call: SeatCall) -> Seat:
        """Take the seat ``call`` asks for (or file its seat request) with the snapshot, in the database
        thread's next batch of seats, then sit down.

        The socket is in the game's group before the snapshot is taken, so no broadcast can fall between
        the two: one that arrives meanwhile waits in this socket's queue and is handled once seated.
        """
        group = game_group(self._game().id)
        await self.channel_layer.group_add(group, self.channel_name)
        try:
            taken = await _seat_batcher().take(self._game().id, call)
        except BaseException:
            await self.channel_layer.group_discard(group, self.channel_name)
            raise
        if taken.snapshot is None:  # waiting for the host's decision
            await self.channel_layer.group_discard(group, self.channel_name)
            return taken.seat
        self.game = taken.game
        await self._sit(taken.seat.player, taken.snapshot)
        return taken.seat

    async def _sit(self, player: Player, snapshot: dict[str, Any]) -> None:
        game = self._game()
        self.player, self.seat = player, seat_digest(player.seat_token)
        await self.channel_layer.group_add(seat_group(player.id), self.channel_name)
        await self.send(
            _frame(
                "welcome",
                seat=player.seat_token,
                player={"id": player.id, "neptun_code": player.neptun_code, "name": player.display_name},
                game={"pin": game.pin, "title": game.quiz.title, "count": game.question_count},
            )
        )
        await self.send(json.dumps(snapshot))

    async def on_answer(self, message: Frame) -> None:
        received_at = timezone.now()
        game = self._game()
        if self.player is None:
            raise PlatformError("not_joined")
        index: int = message.get("question")
        try:
            recorded = await self._answer(game, self.player, index, message, received_at)
        except AnswerRejected as error:
            await self.send(_error(error, request="answer", question=index))
            return
        await self.send(_frame("answer.accepted", question=index, response_ms=recorded.response_ms))

    async def _answer(
        self, game: Game, player: Player, index: int, message: Frame, received_at: datetime
    ) -> RecordedAnswer:
        live = _live_questions.get(game.id)
        if live is None or live.index != index or live.deadline < received_at:
            live = await answer_lane(self._live_reload)()
        if live is None or live.index != index:
            raise AnswerRejected("wrong_question")
        if received_at > live.deadline:
            await answer_lane(game_tick)(game_id=game.id)  # close it now (lazily)
        variant = await answer_lane(self._variant)(live) if live.kind == "parametric" else None
        return await answer_lane(answer_record)(
            live=live,
            player_id=player.id,
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
            self.variant = variant_generate(
                generator=live.generator, seed=seed, notation=live.notation, scope=live.scope
            )
            self.variant_index = live.index
        return self.variant

    def _game(self) -> Game:
        if self.game is None:
            raise NotFoundError("pin_not_found")
        return self.game

    # --- from the game (channel layer) ---

    async def game_question(self, event: dict[str, Any]) -> None:
        if self.player is None:
            return
        now = time.time()
        fields: dict[str, Any] = {"remaining_ms": max(int((event["deadline"] - now) * 1000), 0)}
        fields["ready_ms"] = max(int((event["opened"] - now) * 1000), 0)
        fields["answered"] = False
        if event.get("parametric"):
            assert self.game is not None
            seed = seed_for_player(
                game_key=self.game.key,
                question_key=str(event["question_id"]),
                neptun_code=self.player.neptun_code,
            )
            self.variant = variant_generate(
                generator=event["generator"],
                seed=seed,
                notation=event["notation"],
                scope=event.get("scope", "advanced"),
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
            await self.send(_notice("taken_over"))
            await self.close(code=CLOSE_TAKEN_OVER)

    async def seat_granted(self, event: dict[str, Any]) -> None:
        """The host approved this socket's request: sit down with the new seat token."""
        if event["request"] != self.pending_request or self.player is not None:
            return
        self.pending_request = None

        try:
            seat = await self._seat_take(SeatCall("resume", seat_token=event["seat"]))
        except PlatformError:
            seat = None
        if seat is None or seat.player.id != event["player"]:  # the seat moved on again meanwhile
            await self.send(_error(PlatformError("seat_moved_again"), request="join"))

    async def seat_denied(self, event: dict[str, Any]) -> None:
        if event["request"] != self.pending_request:
            return
        self.pending_request = None
        await self.send(_notice("seat_denied", request=event["request"]))

    async def seat_removed(self, event: dict[str, Any]) -> None:
        await self.send(_notice("removed"))
        await self.close(code=CLOSE_FORBIDDEN)


class HostConsumer(_GameSocket):
    """The projector screen: the logged-in host advances the game; a timer closes questions."""

    handlers = {"advance": "on_advance", "skip": "on_skip", "remove": "on_remove", "end": "on_end",
                "approve": "on_approve", "deny": "on_deny", "ping": "on_ping"}  # fmt: skip
    schemas = HOST_FRAMES

    game_id: int = 0
    ticker: asyncio.Task | None = None

    async def connect(self) -> None:
        self.game_id = int(self.scope["url_route"]["kwargs"]["game_id"])
        await self.accept()
        allowed = await database_sync_to_async(self._allowed)()
        if allowed is None:
            await self.send(_error(NotFoundError("game_not_found")))
            await self.close(code=CLOSE_NOT_FOUND)
            return
        if not allowed:
            await self.send(_error(PermissionDeniedError("not_host")))
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

    async def on_ping(self, message: Frame) -> None:
        await self.send(_frame("pong"))

    async def on_advance(self, message: Frame) -> None:
        await database_sync_to_async(game_advance)(
            game_id=self.game_id, from_phase=message.get("phase"), from_index=message.get("index")
        )

    async def on_skip(self, message: Frame) -> None:
        if not await database_sync_to_async(question_close)(game_id=self.game_id, index=message.get("index")):
            raise PlatformError("question_not_open")

    async def on_remove(self, message: Frame) -> None:
        def remove() -> None:
            game = Game.objects.get(id=self.game_id)
            player_remove(game=game, player_id=message.get("player"), by=self.scope["user"],
                          reason=message.get("reason", ""))  # fmt: skip

        await database_sync_to_async(remove)()

    async def on_approve(self, message: Frame) -> None:
        await self._decide(message.get("request"), approve=True)

    async def on_deny(self, message: Frame) -> None:
        await self._decide(message.get("request"), approve=False)

    async def _decide(self, request_id: int, *, approve: bool) -> None:
        def decide() -> None:
            game = Game.objects.select_related("quiz", "course").get(id=self.game_id)
            seat_request_decide(game=game, request_id=request_id, approve=approve, by=self.scope["user"])

        await database_sync_to_async(decide)()

    async def on_end(self, message: Frame) -> None:
        await database_sync_to_async(game_end)(game_id=self.game_id)

    # --- from the game (channel layer) ---

    async def game_question(self, event: dict[str, Any]) -> None:
        now = time.time()
        remaining = max(int((event["deadline"] - now) * 1000), 0)
        ready = max(int((event["opened"] - now) * 1000), 0)
        await self.send(
            _frame("question", {"question": event["question"]}, remaining_ms=remaining, ready_ms=ready,
                   answered=0)
        )  # fmt: skip

    async def game_reveal(self, event: dict[str, Any]) -> None:
        await self.send(_frame("reveal", {"reveal": event["reveal"]}))

    async def game_scoreboard(self, event: dict[str, Any]) -> None:
        await self.send(_frame("scoreboard", {"scoreboard": event["scoreboard"]}))

    async def game_finished(self, event: dict[str, Any]) -> None:
        await self.send(_frame("finished", {"finished": event["finished"]}))

    async def host_player(self, event: dict[str, Any]) -> None:
        await self.send(_frame("player", event=event["event"], player=event["player"]))

    async def host_seat_request(self, event: dict[str, Any]) -> None:
        await self.send(_frame("seat_request", event=event["event"], request=event["request"]))
