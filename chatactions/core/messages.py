"""Saving and changing messages and their buttons; then telling the tabs.

The rule of every function pair here: the sync one (``save_*``, ``mark_*``)
writes rows, in one transaction and one database thread hop, and returns what
the tabs must be told; its async twin (``send_*``, ``update_*``, ``remove_*``)
runs it and broadcasts that, after the commit. A draft reaching here was
validated by the public API, so nothing is checked twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..conf import chat_settings
from ..context import Chat
from ..markdown import render_markdown
from ..models import Action as ActionRow
from ..models import Message as MessageRow
from ..signals import message_sent
from . import fanout, frames
from .drafts import ActionDraft, MessageDraft
from .sql import inserts

#: What ``Message.update()`` may change on a button it keeps (not name or payload).
DRAWN_FIELDS = ["label", "tooltip", "icon", "variant", "disabled", "confirm", "expires_at"]


def _action_row(row: MessageRow, action: ActionDraft, order: int) -> ActionRow:
    return ActionRow(
        uuid=action.id,
        message=row,
        name=action.name,
        payload=action.payload,
        order=order,
        **{field: getattr(action, field) for field in DRAWN_FIELDS},
    )


def save_message(chat: Chat, draft: MessageDraft) -> tuple[MessageRow, str]:
    """Save and render a new message with its buttons; sync, for one database thread hop."""
    default = gettext("You") if draft.from_user else chat_settings.DEFAULT_AUTHOR
    author = draft.author or str(default)
    streaming = draft.stream == MessageRow.Stream.STREAMING
    row = MessageRow(
        uuid=draft.id,
        conversation=chat.conversation,
        author=author,
        from_user=draft.from_user,
        content=draft.content,
        # A streamed message is drawn escaped until its end draws the Markdown.
        content_html="" if streaming else render_markdown(draft.content),
        exclusive=draft.exclusive,
        awaiting=draft.awaiting,
        stream=draft.stream,
        streaming_until=stream_lease() if streaming else None,
    )
    actions: list[ActionRow] = []
    if not draft.actions:  # one INSERT is atomic on its own
        inserts.insert(row)
    else:
        with transaction.atomic():  # the message and its buttons, or nothing
            inserts.insert(row)
            actions = ActionRow.objects.bulk_create(
                _action_row(row, a, i) for i, a in enumerate(draft.actions)
            )
    message_sent.send(MessageRow, message=row, conversation=chat.conversation)
    return row, frames.render_message(row, actions)


async def send_message(chat: Chat, draft: MessageDraft) -> None:
    """Save a message, then show it in every open tab."""
    _, text = await database_sync_to_async(save_message)(chat, draft)
    await fanout.broadcast(chat, text)


def save_update(chat: Chat, draft: MessageDraft) -> str | None:
    """Save new content and exactly ``draft.actions`` as its buttons; ``None`` if gone.

    A button kept from before keeps its id, name, payload and claim, and takes
    the new label, look, ``disabled`` and expiry; a button removed earlier stays
    removed even if listed again.
    """
    row = MessageRow.objects.filter(
        uuid=draft.id, conversation=chat.conversation, removed_at__isnull=True
    ).first()
    if row is None:
        return None
    wanted = {a.id for a in draft.actions}
    with transaction.atomic():
        if draft.author:
            row.author = draft.author
        row.content = draft.content
        row.content_html = render_markdown(draft.content)
        row.updated_at = timezone.now()
        row.stream, row.streaming_until = draft.stream, None  # an update ends a stream
        row.save(
            update_fields=[
                "author",
                "content",
                "content_html",
                "updated_at",
                "stream",
                "streaming_until",
            ]
        )
        row.actions.filter(removed_at__isnull=True).exclude(uuid__in=wanted).update(
            removed_at=row.updated_at
        )
        existing = {a.uuid: a for a in row.actions.filter(uuid__in=wanted)}
        kept, new = [], []
        for order, action in enumerate(draft.actions):
            old = existing.get(action.id)
            if old is None:
                new.append(_action_row(row, action, order))
            elif old.removed_at is None:
                kept.append(_action_row(row, action, order))
                kept[-1].pk = old.pk
        ActionRow.objects.bulk_update(kept, [*DRAWN_FIELDS, "order"])
        ActionRow.objects.bulk_create(new)
        live = list(row.actions.filter(removed_at__isnull=True).order_by("order", "id"))
    row.conversation = chat.conversation
    return frames.render_message(row, live, "message.update")


async def update_message(chat: Chat, draft: MessageDraft) -> bool:
    """Save an update and redraw the message in every tab; false if it was removed."""
    text = await database_sync_to_async(save_update)(chat, draft)
    if text is not None:
        await fanout.broadcast(chat, text)
    return text is not None


def mark_message_removed(chat: Chat, message_id: uuid.UUID) -> bool:
    """Mark a live message of this chat removed; false if there was none."""
    count = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, removed_at__isnull=True
    ).update(removed_at=timezone.now())
    return count > 0


async def remove_message(chat: Chat, message_id: uuid.UUID) -> None:
    """Remove a message from every tab and every later page load."""
    if await database_sync_to_async(mark_message_removed)(chat, message_id):
        await fanout.broadcast(chat, frames.message_removed(message_id))


def _mark_live_removed(chat: Chat, **lookup: Any) -> list[uuid.UUID]:
    """Mark this chat's live buttons matching ``lookup`` removed; returns their ids."""
    live = ActionRow.objects.filter(
        message__conversation=chat.conversation, removed_at__isnull=True, **lookup
    )
    ids = list(live.values_list("uuid", flat=True))
    ActionRow.objects.filter(uuid__in=ids, removed_at__isnull=True).update(
        removed_at=timezone.now()
    )
    return ids


def mark_removed(chat: Chat, action_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Mark buttons removed; returns those that were live in this chat until now."""
    return _mark_live_removed(chat, uuid__in=list(action_ids))


def mark_message_actions_removed(chat: Chat, message_id: uuid.UUID) -> list[uuid.UUID]:
    """Mark all of a message's live buttons removed; returns their ids."""
    return _mark_live_removed(chat, message__uuid=message_id)


async def remove_actions(chat: Chat, action_ids: Iterable[uuid.UUID]) -> None:
    """Remove some buttons, in every tab."""
    removed = await database_sync_to_async(mark_removed)(chat, action_ids)
    await fanout.announce_removed(chat, removed)


async def remove_message_actions(chat: Chat, message_id: uuid.UUID) -> None:
    """Remove all of a message's buttons at once, in every tab."""
    removed = await database_sync_to_async(mark_message_actions_removed)(chat, message_id)
    await fanout.announce_removed(chat, removed)


# Streams: a message saved at its first token, its text saved as it grows ----------


def stream_lease() -> datetime:
    """Until when a stream (or a task) counts as alive without news from its process."""
    return timezone.now() + timedelta(seconds=chat_settings.STREAM_LEASE)


def mark_streaming(chat: Chat, message_id: uuid.UUID) -> tuple[str, str] | None:
    """A sent message starts streaming (``send()`` came first); its text and frame.

    ``None`` if the message is gone.
    """
    row = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, removed_at__isnull=True
    ).first()
    if row is None:
        return None
    row.stream, row.streaming_until, row.content_html = (
        MessageRow.Stream.STREAMING,
        stream_lease(),
        "",
    )
    row.save(update_fields=["stream", "streaming_until", "content_html"])
    return row.content, _redraw(chat, row)


def save_stream_text(chat: Chat, message_id: uuid.UUID, content: str) -> bool:
    """Save the text streamed so far and renew the lease; false if the stream has ended."""
    count = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, stream=MessageRow.Stream.STREAMING
    ).update(content=content, streaming_until=stream_lease())
    return count > 0


def mark_stream_ended(chat: Chat, message_id: uuid.UUID, content: str, how: str) -> str | None:
    """End a stream with ``content`` as it is, ``stopped`` or ``interrupted``; its frame.

    ``None`` if it was no longer streaming (it ended another way first).
    """
    row = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, stream=MessageRow.Stream.STREAMING
    ).first()
    if row is None:
        return None
    return _end(chat, row, content, how)


def _end(chat: Chat, row: MessageRow, content: str, how: str) -> str | None:
    count = MessageRow.objects.filter(pk=row.pk, stream=MessageRow.Stream.STREAMING).update(
        content=content,
        content_html=render_markdown(content),
        stream=how,
        streaming_until=None,
        updated_at=timezone.now(),
    )
    if not count:
        return None  # its own process ended it meanwhile
    row.refresh_from_db()
    return _redraw(chat, row)


def mark_lapsed_streams(chat: Chat) -> list[str]:
    """Mark this chat's streams whose lease lapsed (their worker died) ``interrupted``.

    Whoever reads the conversation (the page, a ``sync`` or ``fetch``, the API)
    calls this first, so a dead worker's stream never looks alive; it keeps
    the text saved last. Returns the frames that tell the tabs.
    """
    lapsed = MessageRow.objects.filter(
        conversation=chat.conversation,
        stream=MessageRow.Stream.STREAMING,
        streaming_until__lt=timezone.now(),
    )
    texts = [_end(chat, row, row.content, MessageRow.Stream.INTERRUPTED) for row in lapsed]
    return [text for text in texts if text is not None]


def _redraw(chat: Chat, row: MessageRow) -> str:
    row.conversation = chat.conversation
    live = list(row.actions.filter(removed_at__isnull=True).order_by("order", "id"))
    return frames.render_message(row, live, "message.update")
