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
