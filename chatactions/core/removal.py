"""Removing messages and buttons; then telling the tabs.

The same rule as ``messages``: a sync ``mark_*`` writes the rows in one
transaction, taking the conversation's next position for each message it
changes, and returns what the tabs must be told; its async ``remove_*`` twin
runs it in one hop and broadcasts that after the commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from ..context import Chat
from ..models import Action as ActionRow
from ..models import Message as MessageRow
from . import fanout, frames
from .frames import Removal
from .messages import take_positions
from .sql import removals


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


def remove_message_sync(chat: Chat, message_id: uuid.UUID) -> None:
    """``remove_message`` for sync code: marked in the caller's thread (and transaction)."""
    seq = mark_message_removed(chat, message_id)
    if seq is not None:
        fanout.broadcast_sync(chat, frames.message_removed(message_id, seq))


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


def remove_actions_sync(chat: Chat, action_ids: Iterable[uuid.UUID]) -> None:
    """``remove_actions`` for sync code."""
    fanout.announce_removed_sync(chat, mark_removed(chat, action_ids))


async def remove_message_actions(chat: Chat, message_id: uuid.UUID) -> None:
    """Remove all of a message's buttons at once, in every tab."""
    removed = await database_sync_to_async(mark_message_actions_removed)(chat, message_id)
    await fanout.announce_removed(chat, removed)


def remove_message_actions_sync(chat: Chat, message_id: uuid.UUID) -> None:
    """``remove_message_actions`` for sync code."""
    fanout.announce_removed_sync(chat, mark_message_actions_removed(chat, message_id))
