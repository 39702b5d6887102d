"""The marks of a streamed message's row: streaming, its text saved, ended, lapsed.

``streams`` streams a message from this process; these are the sync writes it
makes on the way (each in one database thread hop), plus the one every reader
makes first: ``mark_lapsed_streams``, which ends the streams whose lease
(``messages.stream_lease``) lapsed because their worker died. Every mark but
``save_stream_text`` is a change like those of ``messages``: it takes a position
and returns the frame that tells the tabs.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..context import Chat
from ..markdown import render_markdown
from ..models import Message as MessageRow
from . import frames
from .messages import lock_conversation, stream_lease, take_positions


def mark_streaming(chat: Chat, message_id: uuid.UUID) -> tuple[str, str] | None:
    """A sent message starts streaming (``send()`` came first); its text and frame.

    A change like any other: it takes a position, so a ``sync`` resends the
    message as streaming. ``None`` if the message is gone.
    """
    with transaction.atomic():
        seq = take_positions(chat)
        row = MessageRow.objects.filter(
            uuid=message_id, conversation=chat.conversation, removed_at__isnull=True
        ).first()
        if row is None:  # nothing changed: give the position back
            transaction.set_rollback(True)
            return None
        row.stream, row.streaming_until, row.content_html = (
            MessageRow.Stream.STREAMING,
            stream_lease(),
            "",
        )
        row.seq = seq
        row.save(update_fields=["stream", "streaming_until", "content_html", "seq"])
    return row.content, _redraw(chat, row)


def save_stream_text(chat: Chat, message_id: uuid.UUID, content: str) -> bool:
    """Save the text streamed so far and renew the lease; false if the stream has ended.

    The one write here that takes no position: the tabs had this text already
    from ``message.stream`` frames (which carry none), and a ``sync`` resends
    the message by its start's position, with the text saved last.
    """
    count = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, stream=MessageRow.Stream.STREAMING
    ).update(content=content, streaming_until=stream_lease())
    return count > 0


def mark_stream_ended(chat: Chat, message_id: uuid.UUID, content: str, how: str) -> str | None:
    """End a stream with ``content`` as it is, ``stopped`` or ``interrupted``; its frame.

    ``None`` if it was no longer streaming (it ended another way first).
    """
    with transaction.atomic():
        seq = take_positions(chat)
        row = MessageRow.objects.filter(
            uuid=message_id, conversation=chat.conversation, stream=MessageRow.Stream.STREAMING
        ).first()
        if row is None or not _end(row, content, how, seq):
            transaction.set_rollback(True)  # its own process ended it meanwhile
            return None
    return _redraw(chat, row)


def _end(row: MessageRow, content: str, how: str, seq: int) -> bool:
    count = MessageRow.objects.filter(pk=row.pk, stream=MessageRow.Stream.STREAMING).update(
        content=content,
        content_html=render_markdown(content),
        stream=how,
        streaming_until=None,
        updated_at=timezone.now(),
        seq=seq,
    )
    if count:
        row.refresh_from_db()
    return count > 0


def mark_lapsed_streams(chat: Chat) -> list[str]:
    """Mark this chat's streams whose lease lapsed (their worker died) ``interrupted``.

    Whoever reads the conversation (the page, a ``sync`` or ``fetch``, the API)
    calls this first, so a dead worker's stream never looks alive; it keeps
    the text saved last. Each takes a position of its own. Returns the frames
    that tell the tabs.
    """

    def lapsed() -> Any:
        return MessageRow.objects.filter(
            conversation=chat.conversation,
            stream=MessageRow.Stream.STREAMING,
            streaming_until__lt=timezone.now(),
        )

    if not lapsed().exists():  # the common case: no lock for a reader
        return []
    with transaction.atomic():
        lock_conversation(chat)
        rows = list(lapsed())
        if not rows:
            transaction.set_rollback(True)
            return []
        first = take_positions(chat, len(rows)) - len(rows) + 1
        ended = [
            row
            for i, row in enumerate(rows)
            if _end(row, row.content, MessageRow.Stream.INTERRUPTED, first + i)
        ]
    return [_redraw(chat, row) for row in ended]


def _redraw(chat: Chat, row: MessageRow) -> str:
    row.conversation = chat.conversation
    live = list(row.actions.filter(removed_at__isnull=True).order_by("order", "id"))
    return frames.render_message(row, live, "message.update")
