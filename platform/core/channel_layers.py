"""The channel layers, fit for a lecture hall: the embedded mode's in-process one and production's Redis
one; the sends made from synchronous code (services run in the database thread, management commands,
the Celery worker); and the sockets' dispatch loop (``dispatch_from``, over core.socket_inbox)."""

import asyncio
import collections
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from copy import deepcopy
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer

from core.socket_inbox import SocketInbox

# Values a copy may share: a dict holding only these is copied whole by dict(), as deepcopy would.
_IMMUTABLE_SCALARS = (str, int, float, bool, bytes, type(None))
Message = dict[str, Any]


def _receiver_copy(message: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``message`` that no receiver's change can reach, made cheaply for flat messages."""
    if all(isinstance(value, _IMMUTABLE_SCALARS) for value in message.values()):
        return dict(message)
    return deepcopy(message)


class LectureHallChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer, made for one broadcast to 2,000 phones.

    - The expiry sweep runs at most once a second: the stock layer sweeps every channel and group on
      each receive, so one broadcast to N connected phones costs N² work (seconds at 2,000 players).
      Expired messages are still dropped, just in batches.
    - ``group_send`` puts the message in every member's queue in one pass: the stock one creates an
      asyncio task, an ``asyncio.Queue`` and a deep copy per member (about 70-100 ms of event-loop time
      per broadcast at 2,000 members, while answers wait).
    - Sends from the database thread (``send_soon``/``group_send_soon``) are handed to the event loop
      without waiting for it: ``async_to_sync`` would hold the one database thread until the busy loop
      got round to the send, and every join and answer queued behind it (2 s of a 2,000-phone join).
    - A socket can ``attach`` its inbox (core.socket_inbox) to its channel: its messages are then handed
      to it as they are sent (an idle socket handles them there and then) instead of waking its task.
    """

    sweep_interval = 1.0
    DELIVERY_SLICE = 200  # messages handed out per turn of the event loop: answers are read in between

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._inboxes: dict[str, Callable[[Message], bool]] = {}
        # Messages being handed out, oldest first, each with the channels still to get it and its expiry.
        self._deliveries: collections.deque[tuple[Message, Iterator[str], float]] = collections.deque()
        self._delivering_on: asyncio.AbstractEventLoop | None = None

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()

    def _remember_loop(self) -> None:
        """The loop the sockets run on: the one the last ``group_add`` or ``receive`` ran on."""
        self._loop = asyncio.get_running_loop()

    def attach(self, channel: str, deliver: Callable[[Message], bool]) -> None:
        """Hand ``channel``'s messages to ``deliver`` (a socket's inbox, core.socket_inbox) as they are
        sent, instead of queueing them for ``receive``. ``deliver`` returns False when it is full."""
        self._remember_loop()
        self.require_valid_channel_name(channel)
        queue = self.channels.pop(channel, None)
        self._inboxes[channel] = deliver
        while queue is not None and not queue.empty():  # sent before it was attached: first
            _, message = queue.get_nowait()
            deliver(message)

    def detach(self, channel: str) -> None:
        self._inboxes.pop(channel, None)
        self.channels.pop(channel, None)

    async def group_add(self, group: str, channel: str) -> None:
        self._remember_loop()
        await super().group_add(group, channel)

    async def receive(self, channel: str) -> dict[str, Any]:
        """The next message on ``channel``. Its queue stays while its socket listens: the stock layer
        drops an emptied queue at once, so every broadcast built 2,000 new queues; a queue is dropped
        here when its listener goes away (or by the expiry sweep)."""
        self._remember_loop()
        self.require_valid_channel_name(channel)
        self._clean_expired()
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        try:
            _, message = await queue.get()
        except asyncio.CancelledError:
            if queue.empty():
                self.channels.pop(channel, None)
            raise
        return message

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        """Send ``message`` to ``channel``; a full channel misses it (as a group member does)."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_channel_name(channel)
        self._channel_put(channel, deepcopy(message))

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        """Deliver ``message`` to every channel of ``group``; a full channel misses it (as in Channels)."""
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._group_put(group, deepcopy(message))  # detached from the sender, once

    async def flush(self) -> None:
        await super().flush()
        self._inboxes.clear()
        self._deliveries.clear()

    def _group_put(self, group: str, message: dict[str, Any]) -> None:
        self._clean_expired()
        members = self.groups.get(group)
        if members:
            self._hand_out(message, list(members))

    def _channel_put(self, channel: str, message: dict[str, Any]) -> None:
        self._hand_out(message, [channel])

    def _hand_out(self, message: Message, channels: list[str]) -> None:
        """Give ``message`` to ``channels`` after every message before it (so each channel gets them in
        the order they were sent), ``DELIVERY_SLICE`` channels per turn of the loop.

        An attached socket that is idle handles its message right here (core.socket_inbox): a broadcast
        writes its frames without waking a task per socket. The slices keep a broadcast to 2,000 sockets
        from holding the loop while answers wait to be read.
        """
        self._deliveries.append((message, iter(channels), time.time() + self.expiry))
        loop = asyncio.get_running_loop()
        if self._delivering_on is loop:
            return  # a slice is due on this loop; it takes this message in turn
        self._delivering_on = loop  # (a loop that ended with a slice due is replaced)
        self._hand_out_slice()

    def _hand_out_slice(self) -> None:
        budget = self.DELIVERY_SLICE
        try:
            while self._deliveries and budget:
                message, channels, expires = self._deliveries[0]
                for channel in channels:
                    self._put(channel, message, expires)
                    budget -= 1
                    if not budget:
                        break
                else:
                    self._deliveries.popleft()
        finally:
            if self._deliveries:
                asyncio.get_running_loop().call_soon(self._hand_out_slice)
            else:
                self._delivering_on = None

    def _put(self, channel: str, message: Message, expires: float) -> None:
        deliver = self._inboxes.get(channel)
        if deliver is not None:
            deliver(_receiver_copy(message))  # a socket this far behind misses it, as a full queue
            return
        queue = self.channels.get(channel)
        if queue is None:
            queue = self.channels[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        with contextlib.suppress(asyncio.QueueFull):  # the stock layer raises ChannelFull; group_send drops
            queue.put_nowait((expires, _receiver_copy(message)))

    def _loop_elsewhere(self) -> asyncio.AbstractEventLoop | None:
        """The sockets' loop when it runs in another thread than the caller's, else None."""
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return None
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return loop
        return None  # called on a loop: the caller awaits group_send itself

    def group_send_soon(self, group: str, message: dict[str, Any]) -> bool:
        """Queue ``message`` for ``group`` on the sockets' loop without waiting; False when there is no
        such loop (then the caller sends the usual way). Sends keep their order: the loop runs them FIFO."""
        loop = self._loop_elsewhere()
        if loop is None:
            return False
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        loop.call_soon_threadsafe(self._group_put, group, deepcopy(message))
        return True

    def send_soon(self, channel: str, message: dict[str, Any]) -> bool:
        """``group_send_soon`` for one channel."""
        loop = self._loop_elsewhere()
        if loop is None:
            return False
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_channel_name(channel)
        loop.call_soon_threadsafe(self._channel_put, channel, deepcopy(message))
        return True


class LectureHallRedisChannelLayer(RedisPubSubChannelLayer):
    """Channels' Redis pub/sub layer, decoding a group message once per process.

    A group message reaches each process once and is put, as the same bytes, into the queue of every
    member there; the stock layer then decodes it once per member. A reveal carries every player's
    result (300 KB at 5,000 players), so each process decoded and copied it 1,667 times. Here the last few
    messages' decoding is kept by identity of their bytes; each receiver still gets a dict of its own.
    """

    DECODED_KEPT = 4

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._decoded: collections.OrderedDict[int, tuple[bytes, Message]] = collections.OrderedDict()

    def deserialize(self, message: bytes) -> Message:
        kept = self._decoded.get(id(message))
        if kept is None or kept[0] is not message:
            kept = (message, super().deserialize(message))
            self._decoded[id(message)] = kept  # the bytes are held, so their id is not reused meanwhile
            while len(self._decoded) > self.DECODED_KEPT:
                self._decoded.popitem(last=False)
        return _receiver_copy(kept[1])


async def dispatch_from(
    sources: list[Callable[[], Awaitable[Message]]], dispatch: Callable[[Message], Coroutine[Any, Any, None]]
) -> None:
    """Channels' ``await_many_dispatch``: hand every message of ``sources`` to ``dispatch``, one at a time.

    Channels makes a new task per message and waits on all sources with ``asyncio.wait``; for a broadcast
    to 2,000 sockets that bookkeeping was a large part of the event loop's work. Here one reader per
    source runs for the socket's life and reads no further ahead than the message being handled
    (core.socket_inbox). A source's or a handler's error reaches the caller, as in Channels.
    """
    await SocketInbox(dispatch).run(sources)


def group_send_from_sync(group: str, message: dict[str, Any]) -> None:
    """Send ``message`` to ``group`` from synchronous code: handed over at once when the layer can
    (the in-process one, called from the database thread), else sent and waited for."""
    layer = get_channel_layer()
    if layer is None:
        return
    # isinstance, not getattr: the Redis layer proxies every attribute to its per-loop layer
    if not (isinstance(layer, LectureHallChannelLayer) and layer.group_send_soon(group, message)):
        async_to_sync(layer.group_send)(group, message)


def send_from_sync(channel: str, message: dict[str, Any]) -> None:
    """``group_send_from_sync`` for one channel."""
    layer = get_channel_layer()
    if layer is None:
        return
    if not (isinstance(layer, LectureHallChannelLayer) and layer.send_soon(channel, message)):
        async_to_sync(layer.send)(channel, message)
