"""Saving and changing messages and their buttons; then telling the tabs.

The rule of every function pair here (and in ``removal``, which takes messages
and buttons away): the sync one (``save_*``, ``mark_*``)
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

from datetime import datetime, timedelta

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
from .sql import inserts, sequence

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


def send_message_sync(chat: Chat, draft: MessageDraft) -> None:
    """``send_message`` for sync code: saved in the caller's thread (and transaction)."""
    _, text = save_message(chat, draft)
    fanout.broadcast_sync(chat, text)


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


def update_message_sync(chat: Chat, draft: MessageDraft) -> bool:
    """``update_message`` for sync code."""
    text = save_update(chat, draft)
    if text is not None:
        fanout.broadcast_sync(chat, text)
    return text is not None


# Streams: a message saved at its first token; its marks are in ``leases`` ----------


def stream_lease() -> datetime:
    """Until when a stream (or a task) counts as alive without news from its process."""
    return timezone.now() + timedelta(seconds=chat_settings.STREAM_LEASE)
