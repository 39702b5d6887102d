"""Fan-out through the channel layer: how news reaches the open tabs.

The database is the source of truth; the channel layer only carries news, so
if it fails the rows are still saved and a reconnecting tab's ``sync`` picks
them up. Everything here is therefore called *after* the rows are written,
and a failure is logged, never raised.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from .. import bridge
from ..context import Chat
from . import frames

logger = logging.getLogger(__name__)


async def broadcast(chat: Chat, *texts: str) -> None:
    """Send frames to every socket of the conversation; a layer failure loses no row."""
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
