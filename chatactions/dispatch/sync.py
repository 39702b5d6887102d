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
from ..core import fanout, frames, leases, tasks
from ..models import Conversation
from ..models import Message as MessageRow
from . import approvals


async def missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    """Message frames saved after message ``after`` (``None``: the newest ones).

    ``None`` if ``after`` is not a message of this chat. Removed messages are
    left out, and only live buttons are drawn, exactly as a reload would.
    Approvals past their time are expired first (their callbacks run here).
    """
    await approvals.expire(chat.conversation)
    await notice_lapsed(chat)
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
    drawn = [frames.render_message(row, row.live_actions) for row in rows]  # type: ignore[attr-defined]
    return drawn + tasks.running_frames(chat)


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
    A dead worker's streams are marked interrupted first, and approvals past
    their time expired (their callbacks run here, on the socket's task); the
    last page ends with a ``task.start`` for each handler still running.
    """
    await approvals.expire(chat.conversation)
    await notice_lapsed(chat)
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
    if not has_more:
        texts += tasks.running_frames(chat)
    return Changes(texts, rows[-1].seq if has_more else now, has_more)


async def notice_lapsed(chat: Chat) -> None:
    """Mark streams whose worker died ``interrupted``, and tell every tab: readers call this.

    There is no sweeper process: whoever reads the conversation next (the page,
    a ``sync`` or ``fetch``, the API) notices the lapsed lease.
    """
    texts = await database_sync_to_async(leases.mark_lapsed_streams)(chat)
    await fanout.broadcast(chat, *texts)


async def fetch(chat: Chat, message_id: uuid.UUID) -> str | None:
    """One message of this chat drawn again, for a tab that saw a gap in its stream."""
    await notice_lapsed(chat)
    text: str | None = await database_sync_to_async(_fetch)(chat, message_id)
    return text


def _fetch(chat: Chat, message_id: uuid.UUID) -> str | None:
    row = MessageRow.objects.live(chat.conversation).filter(uuid=message_id).first()
    if row is None:
        return None
    row.conversation = chat.conversation
    return frames.render_message(row, row.live_actions, "message.update")  # type: ignore[attr-defined]


async def reply(channel: str, *texts: str) -> bool:
    """Send frames to one socket's channel (a door's answer); false if the layer failed.

    Through the layer, not straight down the socket, so an answer arrives
    behind the broadcasts the same click caused.
    """
    return await fanout.send_to(channel, *texts)
