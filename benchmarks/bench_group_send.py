"""One broadcast to a lecture hall through the embedded channel layer: event-loop time of group_send.

    python benchmarks/bench_group_send.py [players] [repeats]

Compares Channels' own group_send (a task, a queue and a deep copy per member) with the
LectureHallChannelLayer's one-pass delivery, on the same layer (same sweep), in one process.
"""

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "platform"))

from channels.layers import InMemoryChannelLayer  # noqa: E402

from core.channel_layers import LectureHallChannelLayer  # noqa: E402


class StockGroupSend(LectureHallChannelLayer):
    """The lecture-hall layer with Channels' own group_send, for comparison."""

    group_send = InMemoryChannelLayer.group_send  # type: ignore[assignment]


async def measure(layer_class: type[InMemoryChannelLayer], players: int, repeats: int) -> list[float]:
    layer = layer_class()
    channels = [await layer.new_channel() for _ in range(players)]
    for channel in channels:
        await layer.group_add("game-1", channel)
    results = {str(player): {"points": player, "correct": True, "rank": player} for player in range(players)}
    event = {"type": "game.reveal", "index": 1, "reveal": json.dumps({"counts": [1, 2, 3, 4]}),
             "results": json.dumps(results)}  # fmt: skip
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await layer.group_send("game-1", event)
        timings.append((time.perf_counter() - started) * 1000)
        received = await asyncio.gather(*(layer.receive(channel) for channel in channels))
        assert len(received) == players and all(message["index"] == 1 for message in received)
    return timings


def main() -> None:
    players = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 9
    for name, layer_class in (
        ("channels group_send", StockGroupSend),
        ("lecture-hall group_send", LectureHallChannelLayer),
    ):
        timings = asyncio.run(measure(layer_class, players, repeats))
        print(
            f"{name:24} {players} members: min {min(timings):6.1f} ms"
            f"  median {statistics.median(timings):6.1f} ms  max {max(timings):6.1f} ms"
            f"  (load {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    main()
