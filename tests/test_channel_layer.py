"""The embedded in-process channel layer: group messages to every member, expired ones dropped, sends
handed over from other threads without waiting, queues kept while their socket listens, and
``dispatch_from`` (the sockets' dispatch loop)."""

import asyncio
import contextlib

import pytest
from asgiref.sync import async_to_sync
from channels.exceptions import StopConsumer

from core.channel_layers import LectureHallChannelLayer, Message, dispatch_from

IN_PROCESS = {"default": {"BACKEND": "core.channel_layers.LectureHallChannelLayer"}}


def test_group_broadcast_reaches_every_member():
    async def scenario():
        layer = LectureHallChannelLayer()
        channels = [await layer.new_channel() for _ in range(200)]
        for channel in channels:
            await layer.group_add("game-1", channel)
        await layer.group_send("game-1", {"type": "question.open", "index": 3})
        received = await asyncio.gather(*(layer.receive(channel) for channel in channels))
        return received

    received = asyncio.run(scenario())
    assert len(received) == 200 and all(message["index"] == 3 for message in received)


def test_expired_messages_are_still_dropped():
    async def scenario():
        layer = LectureHallChannelLayer(expiry=0)
        layer.sweep_interval = 0
        stale = await layer.new_channel()
        await layer.send(stale, {"type": "old"})
        await asyncio.sleep(0.01)
        layer.expiry = 60
        fresh = await layer.new_channel()
        await layer.send(fresh, {"type": "new"})
        message = await layer.receive(fresh)
        return message, stale in layer.channels

    message, stale_kept = asyncio.run(scenario())
    assert message["type"] == "new" and not stale_kept


@pytest.mark.parametrize("interval", [1.0])
def test_sweep_runs_at_most_once_per_interval(interval):
    layer = LectureHallChannelLayer()
    calls = []
    original = LectureHallChannelLayer.__mro__[1]._clean_expired

    def counting(self):
        calls.append(1)
        original(self)

    LectureHallChannelLayer.__mro__[1]._clean_expired = counting
    try:
        for _ in range(100):
            layer._clean_expired()
    finally:
        LectureHallChannelLayer.__mro__[1]._clean_expired = original
    assert len(calls) == 1


def test_group_broadcast_copies_are_independent_of_the_sender_and_each_other():
    async def scenario():
        layer = LectureHallChannelLayer()
        first, second = await layer.new_channel(), await layer.new_channel()
        for channel in (first, second):
            await layer.group_add("game-1", channel)
        flat = {"type": "game.reveal", "results": "{}"}
        nested = {"type": "game.finished", "ranks": [1, 2]}
        await layer.group_send("game-1", flat)
        await layer.group_send("game-1", nested)
        flat["results"] = "changed by the sender"
        nested["ranks"].append(3)
        got_first = [await layer.receive(first), await layer.receive(first)]
        got_first[0]["results"] = "changed by a receiver"
        got_first[1]["ranks"].append(99)
        got_second = [await layer.receive(second), await layer.receive(second)]
        return got_second

    flat, nested = asyncio.run(scenario())
    assert flat == {"type": "game.reveal", "results": "{}"}
    assert nested == {"type": "game.finished", "ranks": [1, 2]}


def test_group_broadcast_skips_a_full_channel_and_reaches_the_rest():
    async def scenario():
        layer = LectureHallChannelLayer(capacity=1)
        stuck, live = await layer.new_channel(), await layer.new_channel()
        for channel in (stuck, live):
            await layer.group_add("game-1", channel)
        await layer.group_send("game-1", {"type": "game.question", "index": 0})
        await layer.receive(live)  # the live phone reads; the stuck one does not
        await layer.group_send("game-1", {"type": "game.question", "index": 1})
        await layer.group_send("nobody-here", {"type": "game.question", "index": 2})
        stuck_message, live_message = await layer.receive(stuck), await layer.receive(live)
        return stuck_message, live_message, layer.channels[stuck].qsize()

    stuck_message, live_message, stuck_has_more = asyncio.run(scenario())
    # the stuck phone kept its first message and missed the one sent while it was full
    assert stuck_message["index"] == 0 and live_message["index"] == 1 and not stuck_has_more


def test_expired_group_messages_are_dropped():
    async def scenario():
        layer = LectureHallChannelLayer(expiry=0)
        layer.sweep_interval = 0
        channel = await layer.new_channel()
        await layer.group_add("game-1", channel)
        await layer.group_send("game-1", {"type": "old"})
        await asyncio.sleep(0.01)
        layer._clean_expired()
        return channel in layer.channels

    assert not asyncio.run(scenario())


def _loop_errors(loop: asyncio.AbstractEventLoop) -> list[dict]:
    """What the loop's exception handler is given from now on (a failing call_soon_threadsafe callback
    raises nowhere else)."""
    errors: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    return errors


def test_group_send_soon_from_another_thread_reaches_every_member_in_the_order_sent():
    async def scenario():
        layer = LectureHallChannelLayer()
        channels = [await layer.new_channel() for _ in range(3)]
        for channel in channels:
            await layer.group_add("game-1", channel)

        def from_the_database_thread() -> list[bool]:
            return [layer.group_send_soon("game-1", {"type": "game.tick", "n": n}) for n in range(5)]

        handed = await asyncio.to_thread(from_the_database_thread)
        received = [[(await layer.receive(c))["n"] for _ in range(5)] for c in channels]
        return handed, received

    handed, received = asyncio.run(scenario())
    assert handed == [True] * 5
    assert received == [[0, 1, 2, 3, 4]] * 3


def test_send_soon_from_another_thread_reaches_its_channel_only():
    async def scenario():
        layer = LectureHallChannelLayer()
        target, bystander = await layer.new_channel(), await layer.new_channel()
        for channel in (target, bystander):
            await layer.group_add("game-1", channel)
        message = {"type": "seat.granted", "request": 7}
        handed = await asyncio.to_thread(layer.send_soon, target, message)
        message["request"] = 8  # the sender's later change does not reach the receiver
        got = await asyncio.wait_for(layer.receive(target), 5)
        return handed, got, bystander in layer.channels and not layer.channels[bystander].empty()

    handed, got, bystander_got_one = asyncio.run(scenario())
    assert handed is True and got == {"type": "seat.granted", "request": 7} and not bystander_got_one


def test_without_a_running_loop_elsewhere_the_soon_sends_decline_and_the_sync_sends_still_deliver(settings):
    from channels.layers import get_channel_layer

    from core.channel_layers import group_send_from_sync, send_from_sync

    fresh = LectureHallChannelLayer()  # no socket has used it: no loop known
    assert fresh.group_send_soon("game-1", {"type": "x"}) is False
    assert fresh.send_soon("specific.abc!def", {"type": "x"}) is False

    settings.CHANNEL_LAYERS = IN_PROCESS  # the embedded mode's layer, also in the pass with Redis
    layer = get_channel_layer()  # as the services find it
    assert isinstance(layer, LectureHallChannelLayer)

    async def listen() -> str:
        channel = await layer.new_channel()
        await layer.group_add("fallback-group", channel)
        return channel

    channel = async_to_sync(listen)()  # the loop it ran on has stopped since
    assert layer.group_send_soon("fallback-group", {"type": "x"}) is False
    assert layer.send_soon(channel, {"type": "x"}) is False

    group_send_from_sync("fallback-group", {"type": "game.reveal", "n": 1})
    send_from_sync(channel, {"type": "seat.denied", "n": 2})

    async def read() -> list[int]:
        return [(await asyncio.wait_for(layer.receive(channel), 5))["n"] for _ in range(2)]

    assert async_to_sync(read)() == [1, 2]


def test_a_full_channel_misses_a_soon_send_without_an_error():
    async def scenario():
        layer = LectureHallChannelLayer(capacity=1)
        channel = await layer.new_channel()
        await layer.group_add("game-1", channel)
        errors = _loop_errors(asyncio.get_running_loop())

        def from_the_database_thread() -> list[bool]:
            return [
                layer.send_soon(channel, {"type": "m", "n": 0}),
                layer.send_soon(channel, {"type": "m", "n": 1}),
                layer.group_send_soon("game-1", {"type": "m", "n": 2}),
            ]

        handed = await asyncio.to_thread(from_the_database_thread)
        await asyncio.sleep(0)  # the handed-over puts have run (they were queued before the thread ended)
        first = await layer.receive(channel)
        return handed, first, layer.channels[channel].qsize(), errors

    handed, first, left, errors = asyncio.run(scenario())
    assert handed == [True, True, True]
    assert first["n"] == 0 and left == 0 and errors == []


def test_a_listening_channel_keeps_its_queue_and_a_cancelled_listener_on_an_empty_one_drops_it():
    async def scenario():
        layer = LectureHallChannelLayer()
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "first"})
        await layer.receive(channel)
        queue = layer.channels.get(channel)
        await layer.send(channel, {"type": "second"})
        same_queue = layer.channels.get(channel) is queue
        await layer.receive(channel)
        listener = asyncio.create_task(layer.receive(channel))
        await asyncio.sleep(0)  # the listener waits on the empty queue
        kept_while_listening = layer.channels.get(channel) is queue
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listener
        return queue is not None, same_queue, kept_while_listening, channel in layer.channels

    kept_after_a_message, same_queue, kept_while_listening, still_there = asyncio.run(scenario())
    assert kept_after_a_message and same_queue and kept_while_listening
    assert not still_there


def _source(messages: list[Message], *, then: BaseException | None = None):
    """A socket's receive: the messages, then ``then`` raised, or waiting for ever."""
    pending = list(messages)

    async def receive() -> Message:
        await asyncio.sleep(0)
        if pending:
            return pending.pop(0)
        if then is not None:
            raise then
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive


def _other_tasks() -> set[asyncio.Task]:
    return {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}


def test_dispatch_from_hands_every_message_of_both_sources_one_at_a_time_and_stops_its_readers():
    socket = [{"type": "websocket.receive", "n": n} for n in range(3)]
    layer = [{"type": "game.question", "n": n} for n in range(3)]

    async def scenario():
        dispatched: list[Message] = []
        busy = False

        async def dispatch(message: Message) -> None:
            nonlocal busy
            assert not busy, "dispatch entered while another message was being handled"
            busy = True
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            busy = False
            dispatched.append(message)
            if len(dispatched) == 6:
                raise StopConsumer

        with pytest.raises(StopConsumer):
            await dispatch_from([_source(socket), _source(layer)], dispatch)
        return dispatched, _other_tasks()

    dispatched, left_running = asyncio.run(scenario())
    assert [m for m in dispatched if m["type"] == "websocket.receive"] == socket
    assert [m for m in dispatched if m["type"] == "game.question"] == layer
    assert left_running == set()


def test_dispatch_from_raises_a_sources_error_in_the_caller_and_stops_the_other_reader():
    class Disconnected(Exception):
        pass

    async def scenario():
        dispatched: list[Message] = []

        async def dispatch(message: Message) -> None:
            dispatched.append(message)

        with pytest.raises(Disconnected):
            await dispatch_from(
                [_source([{"type": "websocket.receive"}], then=Disconnected()), _source([])], dispatch
            )
        return dispatched, _other_tasks()

    dispatched, left_running = asyncio.run(scenario())
    assert dispatched == [{"type": "websocket.receive"}]
    assert left_running == set()
