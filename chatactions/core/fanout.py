"""Fan-out through the channel layer: how news reaches the open tabs.

The database is the source of truth; the channel layer only carries news, so
if it fails the rows are still saved and a reconnecting tab's ``sync`` picks
them up. Everything here is therefore called *after* the rows are written,
and a failure is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from .. import bridge
from ..context import Chat
from . import frames

logger = logging.getLogger(__name__)


class Leading:
    """A frame that must reach the tabs before anything else a task broadcasts: ``task.start``.

    It is held back to ride in the task's first broadcast to its conversation,
    one channel-layer event instead of two (each event costs every socket of
    the conversation a dispatch), or sent alone by :meth:`flush` if the task is
    still quiet after a moment. Either way it goes first.
    """

    def __init__(self, group: str, text: str) -> None:
        self.group = group
        self.text = text
        self.held = True  # not yet handed to the layer
        self.sending: asyncio.Future[None] | None = None
        self.alone: asyncio.Future[None] | None = None

    def hold_for(self, seconds: float) -> asyncio.TimerHandle:
        """Send the frame alone if nothing has taken it along within ``seconds``."""
        return asyncio.get_running_loop().call_later(seconds, self._quiet)

    def _quiet(self) -> None:
        if self.held:  # the task is quiet: the tabs must still see that it works
            self.alone = asyncio.ensure_future(self.flush())

    async def flush(self, *after: str) -> None:
        """Send the frame now if it is still held, with ``after`` behind it in the same event."""
        if not self.held:
            await self.sent()
            if after:
                await send_to(self.group, *after, group=True)
            return
        self.held = False
        self.sending = asyncio.get_running_loop().create_future()
        try:
            await send_to(self.group, self.text, *after, group=True)
        finally:
            self.sending.set_result(None)

    async def sent(self) -> None:
        """Wait until a send of the frame already under way has reached the layer."""
        if self.sending is not None and not self.sending.done():
            await asyncio.shield(self.sending)


#: The running task's held ``task.start``, for the broadcasts its handler makes.
leading: ContextVar[Leading | None] = ContextVar("chatactions_leading", default=None)


async def broadcast(chat: Chat, *texts: str) -> None:
    """Send frames to every socket of the conversation; a layer failure loses no row."""
    lead = leading.get()
    if lead is not None and lead.group == chat.group:
        await lead.flush(*texts)
        return
    await send_to(chat.group, *texts, group=True)


async def announce_removed(chat: Chat, removed: Iterable[frames.Removal]) -> None:
    """Tell every tab that these buttons are gone (their rows are already marked)."""
    await broadcast(chat, *frames.actions_removed(removed))


def broadcast_sync(chat: Chat, *texts: str) -> None:
    """``broadcast`` for sync code, once the caller's transaction commits (at once outside one).

    The caller's rows are news only when they are committed: a send inside a
    ``transaction.atomic`` that rolls back shows nothing. The send goes
    through ``bridge`` (one event loop, one layer connection per process).
    """
    if texts:
        transaction.on_commit(
            lambda: bridge.send(lambda: broadcast(chat, *texts), chat.group), robust=True
        )


def announce_removed_sync(chat: Chat, removed: Iterable[frames.Removal]) -> None:
    """``announce_removed`` for sync code."""
    broadcast_sync(chat, *frames.actions_removed(removed))


async def send_to(target: str, *texts: str, group: bool = False) -> bool:
    """Hand frames to the channel layer; false if it could not take them (Redis is down)."""
    layer = get_channel_layer()
    if layer is None:
        return False
    if not texts:
        return True
    event: dict[str, Any] = {"type": "chat.frames", "texts": list(texts)}
    try:
        if group:
            await layer.group_send(target, event)
        else:
            await layer.send(target, event)
    except Exception:
        logger.exception("chatactions: channel layer send to %s failed; rows are saved", target)
        return False
    return True
