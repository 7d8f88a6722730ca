"""asyncio over ``wasi:io/poll``: the event loop async agents run on.

:class:`WasiEventLoop` is a full :class:`asyncio.BaseEventLoop` (tasks,
futures, ``call_soon``, timers, so ``asyncio.sleep``, ``gather`` and
``wait_for`` work) whose only source of I/O is ``wasi:io/poll``: awaiting a
host pollable (an HTTP response arriving, a body stream becoming readable)
registers it, and the loop blocks in one ``poll`` call on every registered
pollable plus a monotonic-clock timer for the next scheduled callback.

The entry point runs ``async def main()`` on it; :func:`run` does the same
for any coroutine. There are no threads, sockets or subprocesses in a
component, so the loop does not offer them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from . import _bindings as wit

__all__ = ["WasiEventLoop", "run", "wait_ready"]

_T = TypeVar("_T")


class _PollSelector:
    """What :class:`asyncio.BaseEventLoop` calls ``_selector``: waits on pollables."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Any, asyncio.Future[None]]] = []

    def select(self, timeout: float | None) -> list[int]:
        """Block until a registered pollable is ready or ``timeout`` seconds pass.

        Returns the indices (into ``waiting``) of the ready pollables.
        """
        pollables = [pollable for pollable, _ in self.waiting]
        if timeout is not None and timeout <= 0:
            return [i for i, pollable in enumerate(pollables) if pollable.ready()]
        if timeout is None and not pollables:
            raise RuntimeError(
                "the event loop has nothing to wait for: no host call pending and no timer"
            )
        timer = None
        if timeout is not None:
            timer = wit.monotonic_clock.subscribe_duration(max(1, int(timeout * 1e9)))
            pollables.append(timer)
        try:
            ready = wit.poll.poll(pollables)
        finally:
            if timer is not None:
                timer.__exit__(None, None, None)
        return [i for i in ready if i < len(self.waiting)]


class WasiEventLoop(asyncio.BaseEventLoop):
    """An asyncio event loop whose I/O is ``wasi:io/poll`` (see the module doc)."""

    def __init__(self) -> None:
        """A new loop with no pending pollables."""
        super().__init__()
        self._selector = _PollSelector()

    def _process_events(self, event_list: list[int]) -> None:
        selector: _PollSelector = self._selector
        ready = set(event_list)
        still: list[tuple[Any, asyncio.Future[None]]] = []
        for index, (pollable, waker) in enumerate(selector.waiting):
            if index in ready or waker.done():
                pollable.__exit__(None, None, None)
                if not waker.done():
                    waker.set_result(None)
            else:
                still.append((pollable, waker))
        selector.waiting = still

    def _write_to_self(self) -> None:
        # Single-threaded: nothing can be waiting on another thread.
        pass

    def register(self, pollable: Any) -> asyncio.Future[None]:
        """A future that completes when ``pollable`` is ready (the loop then drops it)."""
        waker: asyncio.Future[None] = self.create_future()
        self._selector.waiting.append((pollable, waker))
        return waker


async def wait_ready(pollable: Any) -> None:
    """Wait for a ``wasi:io/poll`` pollable without blocking other tasks.

    On a :class:`WasiEventLoop` the pollable is registered with the loop;
    on any other loop (or none) it is waited for with a blocking
    ``pollable.block()``. The pollable is dropped either way.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if isinstance(loop, WasiEventLoop):
        await loop.register(pollable)
        return
    try:
        pollable.block()
    finally:
        pollable.__exit__(None, None, None)


def run(main: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion on a new :class:`WasiEventLoop` and return its result."""
    with asyncio.Runner(loop_factory=WasiEventLoop) as runner:
        return runner.run(main)
