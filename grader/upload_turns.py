"""Uploads take turns in one web process: at most UPLOAD_CONCURRENCY are parsed, checked and stored at once.

Each request's sync code runs in a thread of its own, and the threads share one GIL: eight uploads at once
left a leaderboard read about a ninth of the interpreter, 100-200 ms behind them on a 2-core host during a
deadline burst (benchmarks/bench_grader.py). Past the bound an upload waits for a turn, blocked without the
GIL; none is refused or dropped because of it (the client's own timeout is the only limit).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings

_lock = threading.Lock()
_turns: tuple[int, threading.BoundedSemaphore] | None = None


def _turns_for(size: int) -> threading.BoundedSemaphore:
    global _turns
    with _lock:
        # Made again when the setting changes (tests); never while uploads hold turns of the old one.
        if _turns is None or _turns[0] != size:
            _turns = (size, threading.BoundedSemaphore(size))
        return _turns[1]


@contextmanager
def upload_turn(*, when: bool = True) -> Iterator[None]:
    """Hold one of the process's upload turns for the block (waiting for one if all are taken).

    ``when=False`` (a GET of the same view) or UPLOAD_CONCURRENCY 0 takes no turn.
    """
    size = settings.UPLOAD_CONCURRENCY
    if not when or size <= 0:
        yield
        return
    turns = _turns_for(size)
    turns.acquire()
    try:
        yield
    finally:
        turns.release()
