"""Catching a tab up (``sync``) and answering one socket.

A tab that (re)connects is sent what it missed, one page at a time, drawn as a
reload would draw it; the door's own answer goes through the channel layer
(``reply``) so it arrives behind the frames the request caused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async

from ..conf import chat_settings
from ..context import Chat
from ..core import fanout, frames
from ..models import Conversation
from ..models import Message as MessageRow


async def missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    """Message frames saved after message ``after`` (``None``: the newest ones).

    ``None`` if ``after`` is not a message of this chat. Removed messages are
    left out, and only live buttons are drawn, exactly as a reload would.
    """
    texts: list[str] | None = await database_sync_to_async(_missed)(chat, after)
    return texts


def _missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    try:
        live = MessageRow.objects.live(chat.conversation, after)
    except MessageRow.DoesNotExist:
        return None
    rows = list(live.order_by("-pk")[: chat_settings.SYNC_LIMIT])[::-1]
    for row in rows:
        row.conversation = chat.conversation
    return [frames.render_message(row, row.live_actions) for row in rows]  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Changes:
    """One page of a ``sync``: the frames, the position they bring a tab to, and if more wait."""

    texts: list[str]
    seq: int
    has_more: bool


async def changes(chat: Chat, since: int) -> Changes:
    """Every change after position ``since``, as each message is now, a page at a time.

    A live message comes as its ``message`` frame with its live buttons, a
    removed one as ``message.remove``; ``SYNC_LIMIT`` of them per page, in the
    order of their positions, so the next page starts where this one stopped.
    """
    page: Changes = await database_sync_to_async(_changes)(chat, since)
    return page


def _changes(chat: Chat, since: int) -> Changes:
    # The conversation's position first, then the rows up to it: a change
    # committed in between is left for the next sync (or its live frame),
    # rather than counted as sent. Every lower position has committed already.
    now = Conversation.objects.values_list("seq", flat=True).get(pk=chat.conversation.pk)
    limit = chat_settings.SYNC_LIMIT
    rows = list(MessageRow.objects.changed(chat.conversation, since, now)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    texts = []
    for row in rows:
        row.conversation = chat.conversation
        if row.removed_at is None:
            texts.append(frames.render_message(row, row.live_actions))  # type: ignore[attr-defined]
        else:
            texts.append(frames.message_removed(row.uuid, row.seq))
    return Changes(texts, rows[-1].seq if has_more else now, has_more)


async def reply(channel: str, *texts: str) -> bool:
    """Send frames to one socket's channel (a door's answer); false if the layer failed.

    Through the layer, not straight down the socket, so an answer arrives
    behind the broadcasts the same click caused.
    """
    return await fanout.send_to(channel, *texts)
