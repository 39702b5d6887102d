"""Stop, heard once per event loop: one channel in the stop groups of its conversations.

A running task must be stoppable from any process (a tab on another daphne
presses Stop). Each task used to take a channel of its own, join its
conversation's stop group, wait on it beside the handler and leave again:
four channel-layer calls and two futures per click, most of a busy process's
cost of a task. Here each event loop has one channel and one reader. The
channel joins a conversation's stop group the first time the loop runs a
task there and stays (a stop for a conversation with nothing running here is
ignored), so a click costs a dictionary entry, not a round trip to Redis.

The memberships are renewed before the layer's ``group_expiry`` lets them
lapse, bounded to :data:`MAX_GROUPS` per loop (the oldest idle ones leave),
joined again after the layer failed, and left when the loop ends
(``async_to_sync`` makes a loop per call).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections import OrderedDict
from typing import Any

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)

#: The stop groups one event loop's channel stays in at most.
MAX_GROUPS = 10_000

#: Seconds between attempts to hear Stop again after the layer failed.
RETRY_SECONDS = 1.0


class Watch:
    """One running handler, registered under its conversation's stop group."""

    def __init__(self, handler: asyncio.Future[Any]) -> None:
        self.handler = handler
        self.stopped = False  # set when a stop cancelled the handler, not anything else


class _Listener:
    """One event loop's channel, the stop groups it is in, and what runs under each."""

    def __init__(self, layer: Any, channel: str) -> None:
        self.layer = layer
        self.channel = channel
        self.joined: OrderedDict[str, float] = OrderedDict()  # group → when it (re)joined
        self.running: dict[str, set[Watch]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.renew_after = float(getattr(layer, "group_expiry", 86400)) / 2

    async def join(self, group: str) -> None:
        """Be in ``group``; join again when half its membership's lifetime is gone."""
        joined = self.joined.get(group)
        if joined is not None and time.monotonic() - joined < self.renew_after:
            self.joined.move_to_end(group)
            return
        await self.layer.group_add(group, self.channel)
        self.joined[group] = time.monotonic()
        self.joined.move_to_end(group)
        while len(self.joined) > MAX_GROUPS:
            oldest = next((g for g in self.joined if not self.running.get(g)), None)
            if oldest is None:  # every one has a task running: none may leave
                return
            del self.joined[oldest]
            await self.layer.group_discard(oldest, self.channel)

    async def read(self) -> None:
        """Cancel the handlers of each conversation a stop names, until the loop ends.

        If the layer fails (Redis restarts), it says so once, waits, joins its
        groups again (a restarted Redis forgot them) and reads on: the tasks
        that were running are stoppable again once Redis is back.
        """
        lost = False
        try:
            while True:
                try:
                    if lost:
                        for group in list(self.joined):
                            await self.layer.group_add(group, self.channel)
                        logger.warning("chatactions: the channel that hears Stop is back")
                        lost = False
                    message = await self.layer.receive(self.channel)
                except Exception:
                    if not lost:
                        logger.exception("chatactions: lost the channel that hears Stop")
                    lost = True
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                self.stop(message)
        except asyncio.CancelledError:  # the loop ends: leave its groups
            for group in self.joined:
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group, self.channel)
            raise
        finally:
            if _listeners.get(asyncio.get_running_loop()) is self:
                del _listeners[asyncio.get_running_loop()]

    def stop(self, message: dict[str, Any]) -> None:
        group = message.get("group")
        if message.get("type") != "chat.stop" or not isinstance(group, str):
            logger.warning("chatactions: a stop message without its group: ignored")
            return
        for watch in self.running.get(group, ()):
            watch.stopped = True
            watch.handler.cancel()


_listeners: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Listener]
_listeners = weakref.WeakKeyDictionary()


async def watch(group: str, handler: asyncio.Future[Any]) -> Watch | None:
    """Make ``handler`` stoppable by a stop sent to ``group``; ``None`` if the layer fails.

    Without a layer, or with a failing one (Redis is down), the handler still
    runs, only unstoppable from other processes.
    """
    layer = get_channel_layer()
    if layer is None:
        return None
    loop = asyncio.get_running_loop()
    listener = _listeners.get(loop)
    try:
        if listener is None or listener.layer is not layer:
            listener = _listeners[loop] = _Listener(layer, await layer.new_channel())
        if listener.reader is None:
            listener.reader = asyncio.ensure_future(listener.read())
        await listener.join(group)
    except Exception:
        logger.exception("chatactions: no stop channel for a task in %s", group)
        return None
    entry = Watch(handler)
    listener.running.setdefault(group, set()).add(entry)
    return entry


def unwatch(group: str, entry: Watch | None) -> None:
    """The handler ended: a stop sent now finds nothing of it to cancel."""
    if entry is None:
        return
    listener = _listeners.get(asyncio.get_running_loop())
    if listener is None:
        return
    running = listener.running.get(group)
    if running is not None:
        running.discard(entry)
        if not running:
            del listener.running[group]


async def send(group: str) -> None:
    """Cancel every handler running under ``group``, on whichever process runs it."""
    layer = get_channel_layer()
    if layer is None:
        return
    await layer.group_send(group, {"type": "chat.stop", "group": group})
