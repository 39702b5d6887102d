"""One sweeper per event loop checks all of its open sockets, instead of one task each.

An idle socket used to keep a task of its own asleep between its checks (its
coroutine's frame, the task, a timer and a future: about 1.2 KiB of the 42 an
idle socket cost, ``docs/benchmarks.md``). Now each open socket is one entry
here, its next check's time, and one task per event loop wakes when the
earliest is due (at most 20 times an interval, each time for all that are
due). The timing is the watcher task's: a socket's first check comes after a
random 0.5 to 1 of ``SOCKET_CHECK_INTERVAL`` (so sockets opened together do
not all check at once), each next one an interval after the last ended.
Each due check runs as a task of its own while it runs (a slow database
delays only its socket, as before), and a check that fails closes nothing:
the next one comes an interval later. The sweeper ends when its last socket closes,
so an event loop closed with no socket open leaves no task behind.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import math
import random
import weakref
from collections.abc import Awaitable
from typing import Protocol

from . import caps

# The name the socket's check's log lines always had, so a site's logging config still finds them.
logger = logging.getLogger("chatactions.consumers")


class Checked(Protocol):
    """What the sweeper needs of a socket: one check (renew its places, check its session)."""

    def check(self) -> Awaitable[None]: ...


class Sweeper:
    """The open sockets of one event loop, each with the loop time of its next check."""

    # No reference to the loop itself: ``_sweepers`` is keyed by it, weakly, and a value
    # that held its key would keep every closed loop (one per test) alive for good.
    def __init__(self) -> None:
        self.due: dict[Checked, float] = {}
        self.running: set[asyncio.Task[None]] = set()
        self.task: asyncio.Task[None] | None = None
        self.wake: asyncio.Future[None] | None = None
        self.wake_at = math.inf

    def add(self, socket: Checked) -> None:
        """Check ``socket`` from now on; its first check after a random part of the interval."""
        self.schedule(socket, caps.check_interval() * random.uniform(0.5, 1.0))
        if self.task is None:
            # A context of its own: not the first socket's (its language, say).
            loop = asyncio.get_running_loop()
            self.task = loop.create_task(self.sweep(), context=contextvars.Context())

    def discard(self, socket: Checked) -> None:
        """``socket`` closed: no more checks (one already running finishes)."""
        self.due.pop(socket, None)
        if not self.due and self.wake is not None and not self.wake.done():
            self.wake.set_result(None)  # the last one: the sweeper ends

    def schedule(self, socket: Checked, delay: float) -> None:
        when = asyncio.get_running_loop().time() + delay
        self.due[socket] = when
        if when < self.wake_at and self.wake is not None and not self.wake.done():
            self.wake.set_result(None)  # sooner than the sweeper meant to wake

    async def sweep(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self.due:
                now = loop.time()
                for socket in [s for s, when in self.due.items() if when <= now]:
                    self.due[socket] = math.inf  # not due again while its check runs
                    task = loop.create_task(self.check(socket))
                    self.running.add(task)
                    task.add_done_callback(self.running.discard)
                # Wake for the earliest, but at most 20 times an interval: each wake
                # reads every entry, and 10,000 sockets' own times would be 10,000 wakes.
                soonest = min(self.due.values(), default=math.inf)
                tick = caps.check_interval() / 20
                self.wake_at = soonest if soonest == math.inf else max(soonest, now + tick)
                self.wake = loop.create_future()
                timer = None
                if self.wake_at != math.inf:
                    timer = loop.call_at(self.wake_at, _resolve, self.wake)
                try:
                    await self.wake
                finally:
                    if timer is not None:
                        timer.cancel()
                    self.wake, self.wake_at = None, math.inf
        finally:
            self.task = None

    async def check(self, socket: Checked) -> None:
        """One socket's check; the next comes an interval after it ends, if still open."""
        try:
            await socket.check()
        except Exception:
            logger.exception("chatactions: could not check a socket's session")
        if socket in self.due:
            self.schedule(socket, caps.check_interval())


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_sweepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sweeper] = (
    weakref.WeakKeyDictionary()
)


def sweeper() -> Sweeper:
    """The running event loop's sweeper."""
    loop = asyncio.get_running_loop()
    found = _sweepers.get(loop)
    if found is None:
        found = _sweepers[loop] = Sweeper()
    return found
