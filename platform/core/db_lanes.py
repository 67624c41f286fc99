"""A second database thread for the live quiz's answers, beside Channels' one database thread.

``database_sync_to_async`` runs every call of the process in one thread, first come first served: when
1,000 phones reconnect at once (a Wi-Fi hiccup) or 2,000 join, an answer waits behind seconds of
seat and snapshot work before it is recorded and acknowledged. Answers take their own lane, so they
wait only for each other. It is safe because every move of a game is a conditional statement the
database orders (as between two server processes): a question closed by the other thread cannot take
an answer, and an answer recorded first is scored.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync

_P = ParamSpec("_P")
_R = TypeVar("_R")

_ANSWER_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answer-lane")


def answer_lane(func: Callable[_P, _R]) -> DatabaseSyncToAsync:
    """``database_sync_to_async(func)``, run in the answers' own database thread."""
    return DatabaseSyncToAsync(func, thread_sensitive=False, executor=_ANSWER_THREAD)
