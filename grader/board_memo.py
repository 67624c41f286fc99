"""Recently built leaderboards, shared by the readers of one process (plain Python, no Django).

During a deadline burst the board changes 8–15 times a second, so a cache cleared on every scored
submission would miss on nearly every read. This memo instead lets a board be at most ``max_age`` seconds
old: within that age every reader of the process gets the same built value, and while one reader rebuilds an
expired board the others arriving for it wait for that build and share it (one build per board at a time),
rather than running the same queries and ranking side by side on the same two cores.

Only what is the same for every viewer goes in here (the ranked entries, the baseline); the viewer's rights,
masks and own row are applied by the caller on every read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any


class _Build:
    """One build in flight: its followers wait on ``done``."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.failed = False


class BoardMemo:
    """Values by key, each reused while younger than ``max_age`` seconds, built by one caller at a time."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._built: dict[Hashable, tuple[float, Any]] = {}
        self._building: dict[Hashable, _Build] = {}

    def get(self, key: Hashable, build: Callable[[], Any], *, max_age: float) -> Any:
        """The value for ``key``: built at most ``max_age`` seconds before the call (measured from when its
        build started), or built now. Callers arriving while it is being built wait for that build and get its
        value; if it raises, the builder sees the error and each waiting caller tries again itself."""
        while True:
            with self._lock:
                found = self._built.get(key)
                if found is not None and self._clock() - found[0] <= max_age:
                    return found[1]
                flight = self._building.get(key)
                leader = flight is None
                if leader:
                    flight = self._building[key] = _Build()
            assert flight is not None
            if not leader:
                flight.done.wait()
                if not flight.failed:
                    return flight.value
                continue
            started = self._clock()
            try:
                value = build()
            except BaseException:
                with self._lock:
                    del self._building[key]
                flight.failed = True
                flight.done.set()
                raise
            with self._lock:
                # Expired boards of other assignments go too, so the memo holds only what is being read.
                now = self._clock()
                for old in [k for k, (at, _) in self._built.items() if now - at > max_age]:
                    del self._built[old]
                self._built[key] = (started, value)
                del self._building[key]
            flight.value = value
            flight.done.set()
            return value

    def clear(self) -> None:
        with self._lock:
            self._built.clear()
