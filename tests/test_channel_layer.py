"""The embedded in-process channel layer delivers group messages and still drops expired ones."""

import asyncio

import pytest

from core.channel_layers import LectureHallChannelLayer


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
        # (the queue stays while its socket listens: "more" is a message left in it)
        return stuck_message, live_message, stuck in layer.channels and not layer.channels[stuck].empty()

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
