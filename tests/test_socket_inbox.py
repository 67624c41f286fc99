"""A socket's inbox (core.socket_inbox) fed by the in-process layer: idle sockets handle a broadcast at once,
on the layer's stack; a broadcast is handed out in slices; every socket gets its messages in order, one at
a time, even when a handler has to wait; a slow socket holds up no other; errors end the socket."""

import asyncio
import contextlib
import contextvars

import pytest
from channels.exceptions import StopConsumer

from core.channel_layers import LectureHallChannelLayer, Message
from core.socket_inbox import SocketInbox

language: contextvars.ContextVar[str] = contextvars.ContextVar("language", default="site")


def _other_tasks() -> set[asyncio.Task]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


class Socket:
    """A socket's handlers as the consumers have them: records what it handled, in which task, and
    checks that it never handles two messages at once. ``gate`` (when set) makes the handler of a
    message with ``wait`` in it wait until the gate opens."""

    def __init__(self) -> None:
        self.handled: list[Message] = []
        self.tasks: list[asyncio.Task | None] = []
        self.languages: list[str] = []
        self.busy = False
        self.gate = asyncio.Event()

    async def dispatch(self, message: Message) -> None:
        assert not self.busy, "two messages handled at once"
        self.busy = True
        try:
            self.tasks.append(asyncio.current_task())
            self.languages.append(language.get())
            if message.get("wait"):
                await self.gate.wait()
            if message.get("fail"):
                raise ValueError("handler failed")
            if message.get("stop"):
                raise StopConsumer
            self.handled.append(message)
        finally:
            self.busy = False


async def _attached(layer: LectureHallChannelLayer, group: str, sockets: int, capacity: int = 100):
    attached = []
    for _ in range(sockets):
        socket = Socket()
        inbox = SocketInbox(socket.dispatch, capacity=capacity)
        channel = await layer.new_channel()
        layer.attach(channel, inbox.deliver)
        await layer.group_add(group, channel)
        attached.append((socket, inbox, channel))
    return attached


def test_idle_sockets_handle_a_broadcast_at_once_in_the_senders_turn_without_a_task_each():
    async def scenario():
        layer = LectureHallChannelLayer()
        attached = await _attached(layer, "game-1", 300)
        await layer.group_send("game-1", {"type": "game.question", "index": 0})
        at_once = sum(len(socket.handled) for socket, _, _ in attached)  # nothing awaited since the send
        await asyncio.sleep(0)
        after_one_turn = sum(len(socket.handled) for socket, _, _ in attached)
        tasks = {task for socket, _, _ in attached for task in socket.tasks}
        return at_once, after_one_turn, tasks, asyncio.current_task(), _other_tasks()

    at_once, after_one_turn, tasks, sender, others = asyncio.run(scenario())
    assert at_once == LectureHallChannelLayer.DELIVERY_SLICE  # the first slice, in the sender's own turn
    assert after_one_turn == 300
    assert tasks <= {sender, None}  # the sender's task, or a plain callback of the loop: no task per socket
    assert others == set()


def test_a_broadcast_is_handed_out_in_slices_and_other_work_runs_between_them():
    async def scenario():
        layer = LectureHallChannelLayer()
        layer.DELIVERY_SLICE = 2
        attached = await _attached(layer, "game-1", 5)
        order: list[str] = []
        for number, (socket, _, _) in enumerate(attached):
            socket.handled = _Recorder(order, f"socket {number}")
        asyncio.get_running_loop().call_soon(order.append, "an answer read meanwhile")
        await layer.group_send("game-1", {"type": "game.question"})
        for _ in range(3):
            await asyncio.sleep(0)
        return order

    assert asyncio.run(scenario()) == [
        "socket 0", "socket 1", "an answer read meanwhile", "socket 2", "socket 3", "socket 4"
    ]  # fmt: skip


class _Recorder(list):
    def __init__(self, order: list[str], name: str) -> None:
        super().__init__()
        self.order, self.name = order, name

    def append(self, message: Message) -> None:
        super().append(message)
        self.order.append(self.name)


def test_each_socket_gets_its_messages_in_order_one_at_a_time_even_when_a_handler_waits():
    async def scenario():
        layer = LectureHallChannelLayer()
        layer.DELIVERY_SLICE = 1  # a broadcast still being handed out when the next message is sent
        (socket, inbox, channel), (other, _, _) = await _attached(layer, "game-1", 2)
        run = asyncio.create_task(inbox.run([]))
        await layer.group_send("game-1", {"type": "m", "n": 0, "wait": True})  # its handler waits
        await layer.group_send("game-1", {"type": "m", "n": 1})
        await layer.send(channel, {"type": "m", "n": 2})
        await layer.group_send("game-1", {"type": "m", "n": 3})
        for _ in range(5):
            await asyncio.sleep(0)
        waiting = [m["n"] for m in socket.handled]
        socket.gate.set()
        other.gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        return waiting, [m["n"] for m in socket.handled], [m["n"] for m in other.handled], _other_tasks()

    waiting, handled, other_handled, left = asyncio.run(scenario())
    assert waiting == []  # nothing overtook the message whose handler waits
    assert handled == [0, 1, 2, 3]
    assert other_handled == [0, 1, 3]
    assert left == set()


def test_a_slow_socket_holds_up_no_other_and_misses_what_is_beyond_its_capacity():
    async def scenario():
        layer = LectureHallChannelLayer()
        (slow, slow_inbox, _), (fast, _, _) = await _attached(layer, "game-1", 2, capacity=2)
        await layer.group_send("game-1", {"type": "m", "n": 0, "wait": True})
        fast.gate.set()
        await asyncio.sleep(0)
        for n in range(1, 5):
            await layer.group_send("game-1", {"type": "m", "n": n})
        fast_handled = [m["n"] for m in fast.handled]
        refused = slow_inbox.deliver({"type": "m", "n": 5})
        slow.gate.set()
        for _ in range(10):
            await asyncio.sleep(0)
        return fast_handled, [m["n"] for m in slow.handled], refused

    fast_handled, slow_handled, refused = asyncio.run(scenario())
    assert fast_handled == [0, 1, 2, 3, 4]
    assert slow_handled == [0, 1, 2] and refused is False  # two waited their turn; the rest were missed


@pytest.mark.parametrize("eager", [True, False], ids=["handled at once", "after a wait"])
def test_a_handlers_error_ends_the_socket_with_that_error_and_leaves_no_task(eager):
    async def scenario():
        socket = Socket()
        inbox = SocketInbox(socket.dispatch)
        run = asyncio.create_task(inbox.run([]))
        await asyncio.sleep(0)
        if not eager:
            inbox.deliver({"type": "m", "wait": True})
            inbox.deliver({"type": "m", "fail": True})
            socket.gate.set()
        else:
            inbox.deliver({"type": "m", "fail": True})
        with pytest.raises(ValueError, match="handler failed"):
            await run
        after = inbox.deliver({"type": "m", "n": "after the end"})
        return socket.handled, after, _other_tasks()

    handled, after, left = asyncio.run(scenario())
    assert after is False and left == set()
    assert handled == ([] if eager else [{"type": "m", "wait": True}])


def test_a_frame_that_stops_the_consumer_ends_run_and_messages_meanwhile_wait_their_turn():
    async def scenario():
        socket = Socket()
        frames: asyncio.Queue[Message] = asyncio.Queue()
        inbox = SocketInbox(socket.dispatch)
        run = asyncio.create_task(inbox.run([frames.get]))
        frames.put_nowait({"type": "websocket.receive", "n": 0, "wait": True})
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        inbox.deliver({"type": "game.question", "n": 1})  # while the frame's handler waits
        frames.put_nowait({"type": "websocket.disconnect", "stop": True})
        socket.gate.set()
        with pytest.raises(StopConsumer):
            await run
        return [m["n"] for m in socket.handled], _other_tasks()

    handled, left = asyncio.run(scenario())
    assert handled == [0, 1] and left == set()


def test_handlers_run_in_the_sockets_own_context_whoever_sends():
    async def scenario():
        language.set("fr")  # the socket's task: its language
        socket = Socket()
        inbox = SocketInbox(socket.dispatch)
        run = asyncio.create_task(inbox.run([]))

        async def sender() -> str:
            language.set("hu")  # another socket's handler, sending from its own context
            inbox.deliver({"type": "m", "wait": True})  # starts here, goes on in a task
            return language.get()

        sender_after = await asyncio.create_task(sender())
        socket.gate.set()
        await asyncio.sleep(0)
        inbox.deliver({"type": "m"})
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        return socket.languages, sender_after

    languages, sender_after = asyncio.run(scenario())
    assert languages == ["fr", "fr"] and sender_after == "hu"


def test_cancelling_the_socket_reaches_a_waiting_handler_as_in_a_task():
    async def scenario():
        cleaned_up = asyncio.Event()

        async def dispatch(message: Message) -> None:
            try:
                await asyncio.Event().wait()
            finally:
                cleaned_up.set()

        inbox = SocketInbox(dispatch)
        run = asyncio.create_task(inbox.run([]))
        await asyncio.sleep(0)
        inbox.deliver({"type": "m"})
        await asyncio.sleep(0)
        run.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await run
        return cleaned_up.is_set(), _other_tasks()

    cleaned_up, left = asyncio.run(scenario())
    assert cleaned_up and left == set()


def test_messages_sent_before_a_channel_is_attached_come_first():
    async def scenario():
        layer = LectureHallChannelLayer()
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "m", "n": 0})
        socket = Socket()
        layer.attach(channel, SocketInbox(socket.dispatch).deliver)
        await layer.send(channel, {"type": "m", "n": 1})
        layer.detach(channel)
        await layer.send(channel, {"type": "m", "n": 2})  # detached: queued for receive, as any channel
        return [m["n"] for m in socket.handled], (await layer.receive(channel))["n"]

    handled, queued = asyncio.run(scenario())
    assert handled == [0, 1] and queued == 2
