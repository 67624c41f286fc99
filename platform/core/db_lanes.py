"""A second database thread for the live quiz's answers, beside Channels' one database thread.

``database_sync_to_async`` runs every call of the process in one thread, first come first served: when
1,000 phones reconnect at once (a Wi-Fi hiccup) or 2,000 join, an answer waits behind seconds of
seat and snapshot work before it is recorded and acknowledged. Answers take their own lane, so they
wait only for each other. It is safe because every move of a game is a conditional statement the
database orders (as between two server processes): a question closed by the other thread cannot take
an answer, and an answer recorded first is scored.

On SQLite the lane is one thread (writes take turns anyway); on PostgreSQL it is ``ANSWER_LANE_THREADS``
threads (default 4), each answer a few network round trips that can overlap. Each thread holds at most one
connection (from the pool where there is one: size the pool for it, docs/deploy.md).
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync
from django.conf import settings

_P = ParamSpec("_P")
_R = TypeVar("_R")

_answer_threads: ThreadPoolExecutor | None = None


def _answer_executor() -> ThreadPoolExecutor:
    global _answer_threads
    if _answer_threads is None:
        _answer_threads = ThreadPoolExecutor(
            max_workers=settings.ANSWER_LANE_THREADS, thread_name_prefix="answer-lane"
        )
    return _answer_threads


def answer_lane(func: Callable[_P, _R]) -> DatabaseSyncToAsync:
    """``database_sync_to_async(func)``, run in the answers' own database thread(s)."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_answer_executor())
