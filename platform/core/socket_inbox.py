"""A socket's inbox: its messages (frames from the phone, messages from the channel layer) handled one at a
time, in the order they came, and at once when the socket is idle.

Channels gives every socket a task that waits on its channel's queue; a broadcast to 2,000 phones then
wakes 2,000 tasks (two steps each, through the queue and the dispatch loop) before a byte is written.
Here the in-process channel layer hands a message to the inbox (``deliver``), and an idle socket handles it
there and then, on the layer's stack, as a task's first step would: a question frame is built and written
to the socket's transport without a single task switch. Only a handler that has to wait (a slow phone's
full send buffer, a database call) goes on in a task of its own; messages that come meanwhile wait their
turn behind it, so each socket still sees its messages in order and never two at once.
"""

import asyncio
import collections
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

Message = dict[str, Any]
Dispatch = Callable[[Message], Coroutine[Any, Any, None]]


class SocketInbox:
    """The messages of one socket, handed to ``dispatch`` one at a time.

    ``deliver`` (synchronous, for the channel layer) and the readers of ``run``'s pull sources feed it.
    Every handler runs in the socket's own context (language, database-thread affinity), whichever stack
    started it. The first error a handler or a source raises ends ``run`` with that error (Channels'
    ``StopConsumer`` included), as an error in Channels' dispatch loop ends the consumer.
    """

    def __init__(self, dispatch: Dispatch, *, capacity: int = 100) -> None:
        self._loop = asyncio.get_running_loop()
        self._context = contextvars.copy_context()
        self._dispatch = dispatch
        self._capacity = capacity
        self._waiting: collections.deque[tuple[Message, asyncio.Future[None] | None]] = collections.deque()
        self._busy = False  # a message is being handled; the others wait in _waiting
        self._resumed: asyncio.Task[None] | None = None  # a handler that had to wait goes on here
        self._ended: asyncio.Future[None] = self._loop.create_future()

    # --- feeding it ---

    def deliver(self, message: Message) -> bool:
        """Take ``message`` from the channel layer; False when the socket is this far behind (the layer's
        capacity, as a full channel in Channels) or has ended. Call it from outside the socket's own
        handlers and tasks (the layer does: it runs on the loop's stack, or a sender's)."""
        if self._ended.done():
            return False
        if self._busy:
            if len(self._waiting) >= self._capacity:
                return False
            self._waiting.append((message, None))
            return True
        self._busy = True
        handler = self._dispatch(message)
        try:
            waits_on = self._context.run(handler.send, None)
        except StopIteration:
            if self._waiting:  # it sent itself something: handled next, in a task
                self._resumed = self._loop.create_task(self._handle_waiting(), context=self._context)
            else:
                self._busy = False
            return True
        except BaseException as error:  # noqa: BLE001 (the socket's error, raised by run)
            self._end(error)
            return True
        if waits_on is not None:  # taken on, as a task's step takes on the future its coroutine awaits
            waits_on._asyncio_future_blocking = False
        self._resumed = self._loop.create_task(self._resume(handler, waits_on), context=self._context)
        return True

    async def _handle(self, message: Message) -> None:
        """Handle a pulled message in the calling reader's task, after those already waiting; return when
        it has been handled (a reader reads no further ahead than that)."""
        if self._busy:
            handled = self._loop.create_future()
            self._waiting.append((message, handled))
            await handled
            return
        self._busy = True
        try:
            await self._dispatch(message)
        except BaseException as error:  # noqa: BLE001 (raised by run)
            self._end(error)
            return
        await self._handle_waiting()

    # --- handling what waits ---

    async def _resume(self, handler: Coroutine[Any, Any, None], waits_on: Any) -> None:
        """Go on with a handler started eagerly that had to wait on ``waits_on``, as its task would have:
        wait for that future, then step the handler again (it reads the future's outcome itself, and a
        cancellation of this task reaches it through the future, as in a task)."""
        try:
            while True:
                with contextlib.suppress(BaseException):  # the handler hears the outcome when stepped
                    if waits_on is None:  # a bare yield (asyncio.sleep(0))
                        await asyncio.sleep(0)
                    else:
                        await waits_on
                waits_on = handler.send(None)
                if waits_on is not None:
                    waits_on._asyncio_future_blocking = False
        except StopIteration:
            pass
        except BaseException as error:  # noqa: BLE001
            self._end(error)
            return
        await self._handle_waiting()

    async def _handle_waiting(self) -> None:
        """Handle what came meanwhile, in order, in the current task; then the socket is idle again."""
        while self._waiting and not self._ended.done():
            message, handled = self._waiting.popleft()
            try:
                await self._dispatch(message)
            except BaseException as error:  # noqa: BLE001
                self._end(error)
                if handled is not None and not handled.done():
                    handled.set_result(None)
                return
            if handled is not None and not handled.done():
                handled.set_result(None)
        if not self._ended.done():
            self._busy = False

    def _end(self, error: BaseException | None) -> None:
        """Handle nothing more; ``run`` raises ``error`` (None: it was cancelled)."""
        if not self._ended.done():
            if error is None:
                self._ended.cancel()
            else:
                self._ended.set_exception(error)
        self._busy = True
        while self._waiting:
            _, handled = self._waiting.popleft()
            if handled is not None and not handled.done():
                handled.cancel()

    # --- running it ---

    async def run(self, sources: list[Callable[[], Awaitable[Message]]]) -> None:
        """Read every one of ``sources`` (one reader each, for the socket's life) into the inbox until a
        handler or a source fails; raise that error. Leaves no task behind."""

        async def read(source: Callable[[], Awaitable[Message]]) -> None:
            try:
                while not self._ended.done():
                    await self._handle(await source())
            except asyncio.CancelledError:
                if not self._ended.done():  # cancelled from outside, not by run's ending
                    raise
            except BaseException as error:  # noqa: BLE001 (raised by run)
                self._end(error)

        readers = [self._loop.create_task(read(source), context=self._context) for source in sources]
        try:
            await self._ended
        finally:
            self._end(None)
            tasks = [*readers, *([self._resumed] if self._resumed is not None else [])]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
