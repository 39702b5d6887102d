"""Saving and changing messages and their buttons; then telling the tabs.

The rule of every function pair here: the sync one (``save_*``, ``mark_*``)
writes rows, in one transaction and one database thread hop, and returns what
the tabs must be told; its async twin (``send_*``, ``update_*``, ``remove_*``)
runs it and broadcasts that, after the commit. A draft reaching here was
validated by the public API, so nothing is checked twice.

Every change here takes the next position of the conversation's sequence
(``take_positions``) first in its transaction and stamps it on the message it
changed, and every frame it returns carries that position: that is what makes
``sync`` "every change after position N" (docs/protocol.md). A new kind of
change (a stream's end, a form's state) is a function here that does the same.
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
from .frames import Removal
from .sql import inserts, removals, sequence

#: What ``Message.update()`` may change on a button it keeps (not name or payload).
DRAWN_FIELDS = ["label", "tooltip", "icon", "variant", "disabled", "confirm", "expires_at"]


def _action_row(row: MessageRow, action: ActionDraft, order: int) -> ActionRow:
    return ActionRow(
        uuid=action.id,
        message=row,
        name=action.name,
        payload=action.payload,
        order=order,
        kind=action.kind,
        form_class=action.form_class,
        initial=action.initial,
        **{field: getattr(action, field) for field in DRAWN_FIELDS},
    )


def take_positions(chat: Chat, count: int = 1) -> int:
    """Take the conversation's next ``count`` positions; returns the last one.

    First in the change's transaction: it locks the conversation's row, so
    changes of one conversation commit in the order of their positions.
    """
    return sequence.take(chat.conversation.pk, count)


def lock_conversation(chat: Chat) -> None:
    """Lock the conversation's row for this transaction, as a change's first step does.

    For a transaction that writes a message or button row *before* it knows
    whether it changes anything (a claim, an answer): taking the conversation
    first keeps every change's locks in one order, so none can deadlock.
    """
    take_positions(chat, 0)


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
        awaits_reply=draft.awaits_reply,
        stream=draft.stream,
        streaming_until=stream_lease() if streaming else None,
    )
    actions: list[ActionRow] = []
    with transaction.atomic():  # its position, the message and its buttons, or nothing
        # The position and the conversation's activity in one statement; the flag
        # tells history's receiver it is written (docs/benchmarks.md).
        row.seq = sequence.take(chat.conversation.pk, 1, touch=row.created_at)
        row.activity_recorded = True  # type: ignore[attr-defined]
        if chat.conversation.last_activity_at < row.created_at:
            chat.conversation.last_activity_at = row.created_at
        inserts.insert(row)
        if draft.actions:
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
        row.seq = take_positions(chat)
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
                "seq",
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


def mark_message_removed(chat: Chat, message_id: uuid.UUID) -> int | None:
    """Mark a live message of this chat removed: its position, or ``None`` if there was none."""
    with transaction.atomic():
        seq = take_positions(chat)
        count = MessageRow.objects.filter(
            uuid=message_id, conversation=chat.conversation, removed_at__isnull=True
        ).update(removed_at=timezone.now(), seq=seq)
        if not count:  # nothing changed: give the position back, so no tab waits for it
            transaction.set_rollback(True)
    return seq if count else None


async def remove_message(chat: Chat, message_id: uuid.UUID) -> None:
    """Remove a message from every tab and every later page load."""
    seq = await database_sync_to_async(mark_message_removed)(chat, message_id)
    if seq is not None:
        await fanout.broadcast(chat, frames.message_removed(message_id, seq))


def _mark_live_removed(chat: Chat, **lookup: Any) -> list[Removal]:
    """Mark this chat's live buttons matching ``lookup`` removed; returns what went.

    Each message that loses buttons takes a position of its own, so a ``sync``
    resends it without them. Nothing live, nothing taken.
    """
    live = list(
        ActionRow.objects.filter(
            message__conversation=chat.conversation, removed_at__isnull=True, **lookup
        ).values_list("uuid", "message_id")
    )
    if not live:
        return []
    owners = sorted({message for _, message in live})
    # No savepoint: inside a click's transaction this is part of the click, and
    # every id read above is announced even if a concurrent removal won some.
    with transaction.atomic(savepoint=False):
        first = take_positions(chat, len(owners)) - len(owners) + 1
        seqs = {message: first + i for i, message in enumerate(owners)}
        for message, seq in seqs.items():
            MessageRow.objects.filter(pk=message).update(seq=seq)
        ActionRow.objects.filter(uuid__in=[i for i, _ in live], removed_at__isnull=True).update(
            removed_at=timezone.now()
        )
    return [Removal(action, seqs[message]) for action, message in live]


def mark_removed(chat: Chat, action_ids: Iterable[uuid.UUID]) -> list[Removal]:
    """Mark buttons removed; returns those that were live in this chat until now."""
    ids = list(action_ids)
    if len(ids) == 1:
        return _mark_one_removed(chat, ids[0])
    return _mark_live_removed(chat, uuid__in=ids)


def _mark_one_removed(chat: Chat, action_id: uuid.UUID) -> list[Removal]:
    """``_mark_live_removed`` of one button, in compiled statements (``sql.removals``).

    The common case, a callback removing the button just clicked: the same
    reads and writes in the same order, without compiling three querysets.
    """
    message = removals.live_message(chat.conversation.pk, action_id)
    if message is None:
        return []
    with transaction.atomic(savepoint=False):
        seq = take_positions(chat)
        removals.mark(message, seq, action_id, timezone.now())
    return [Removal(action_id, seq)]


def mark_message_actions_removed(chat: Chat, message_id: uuid.UUID) -> list[Removal]:
    """Mark all of a message's live buttons removed; returns what went."""
    return _mark_live_removed(chat, message__uuid=message_id)


async def remove_actions(chat: Chat, action_ids: Iterable[uuid.UUID]) -> None:
    """Remove some buttons, in every tab."""
    removed = await database_sync_to_async(mark_removed)(chat, action_ids)
    await fanout.announce_removed(chat, removed)


async def remove_message_actions(chat: Chat, message_id: uuid.UUID) -> None:
    """Remove all of a message's buttons at once, in every tab."""
    removed = await database_sync_to_async(mark_message_actions_removed)(chat, message_id)
    await fanout.announce_removed(chat, removed)


# Streams: a message saved at its first token; its marks are in ``leases`` ----------


def stream_lease() -> datetime:
    """Until when a stream (or a task) counts as alive without news from its process."""
    return timezone.now() + timedelta(seconds=chat_settings.STREAM_LEASE)
