"""Answering asks: the question an ``Ask*Message`` sends, its wait and its answer.

The wait goes through the channel layer, not an in-process future, so the
click may arrive on any server process. The database settles the race between
a click and the timeout: whichever flips ``Message.awaiting`` first wins, and
the loser reads the outcome from the row. A lost channel-layer notice therefore
costs at most one poll interval, never the answer.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from ..context import Chat
from ..formclass import Values
from ..models import Action as ActionRow
from ..models import Message as MessageRow
from . import fanout, messages, removal
from .drafts import MessageDraft
from .frames import Removal

logger = logging.getLogger(__name__)

#: Seconds between looks at the database while waiting, in case a notice was lost.
POLL_INTERVAL = 5.0


def ask_group(message_id: uuid.UUID) -> str:
    """The channel-layer group the asker of one question listens on."""
    return f"chatactions.ask.{message_id.hex}"


async def ask(chat: Chat, draft: MessageDraft, patience: float) -> MessageRow | None:
    """Send the question and wait ``patience`` seconds: the answered question, or ``None``.

    The answer is the question row's ``answer`` (the clicked button, or the
    form with its ``submitted`` values) or ``reply`` (the user's message).
    Either way the buttons are removed in every tab when this returns.
    """
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = ask_group(draft.id)
    await layer.group_add(group, channel)
    try:
        await messages.send_message(chat, draft)
        await _wait(layer, channel, draft.id, patience)
    finally:
        await layer.group_discard(group, channel)
    answered: MessageRow | None
    removed: list[Removal]
    answered, removed = await database_sync_to_async(settle)(chat, draft.id)
    await fanout.announce_removed(chat, removed)
    return answered


async def _wait(layer: Any, channel: str, message_id: uuid.UUID, patience: float) -> None:
    """Until the layer brings the notice, the database shows an answer, or time is up.

    One ``receive`` spans the whole wait and is cancelled at its end, answered
    or not: cancelling a receive is how a pub/sub layer lets go of a channel's
    Redis subscription, and each question has a channel of its own. If the
    layer fails, the database is still asked every ``POLL_INTERVAL``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    notice = asyncio.ensure_future(layer.receive(channel))
    try:
        while (remaining := deadline - loop.time()) > 0:
            if notice.done():  # the layer failed: only the database is left
                await asyncio.sleep(min(remaining, POLL_INTERVAL))
            else:
                await asyncio.wait({notice}, timeout=min(remaining, POLL_INTERVAL))
                if notice.done() and _arrived(notice, message_id):
                    return
            if await database_sync_to_async(answered)(message_id):
                return
    finally:
        await _let_go(layer, channel, notice)


def _arrived(notice: asyncio.Future[Any], message_id: uuid.UUID) -> bool:
    if notice.exception() is None:
        return True
    logger.warning(
        "chatactions: the channel layer failed while asking %s; polling the database",
        message_id,
        exc_info=notice.exception(),
    )
    return False


async def _let_go(layer: Any, channel: str, notice: asyncio.Future[Any]) -> None:
    """End a wait with a cancelled receive, so the layer forgets the channel."""
    if notice.done():
        notice = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(0)  # let it start: a receive cancelled before it ran cleans nothing
    notice.cancel()
    try:
        await notice
    except asyncio.CancelledError:
        pass
    except Exception:  # the layer is down; it holds nothing of ours
        logger.debug("chatactions: the channel layer failed while letting go of %s", channel)


def answered(message_id: uuid.UUID) -> bool:
    """Has a click answered the question (the poll between notices)?"""
    return MessageRow.objects.filter(uuid=message_id, awaiting=False).exists()


def settle(chat: Chat, message_id: uuid.UUID) -> tuple[MessageRow | None, list[Removal]]:
    """Close the question: the answered row if an answer won, else remove the buttons (timeout).

    A form's submitted values are read once here and cleared from its row:
    they were kept only for this asker.
    """
    with transaction.atomic():
        messages.lock_conversation(chat)
        timed_out = MessageRow.objects.filter(uuid=message_id, awaiting=True).update(
            awaiting=False
        )
        if timed_out:
            return None, removal.mark_message_actions_removed(chat, message_id)
    row = MessageRow.objects.select_related("answer__message", "reply").get(uuid=message_id)
    if row.answer is not None and row.answer.submitted is not None:
        ActionRow.objects.filter(pk=row.answer.pk).update(submitted=None)
    return row, []


def reply(chat: Chat, message: MessageRow) -> uuid.UUID | None:
    """Make the user's message the answer of the conversation's ``AskUserMessage``, if any.

    Returns the question's id (its asker is to be woken), or ``None`` when no
    question waits for a reply: then the message goes to ``on_message``.
    """
    waiting = (
        MessageRow.objects.filter(conversation=chat.conversation, awaiting=True, awaits_reply=True)
        .order_by("-pk")
        .values_list("pk", "uuid")
        .first()
    )
    if waiting is None:
        return None
    won = MessageRow.objects.filter(pk=waiting[0], awaiting=True).update(
        awaiting=False, reply=message
    )
    return waiting[1] if won else None


def answer(
    row: ActionRow,
    chat: Chat,
    values: Values | None = None,
    files: dict[str, str] | None = None,
) -> list[Removal] | None:
    """Record a click (or a form's valid ``values``) as the answer; ``None`` if too late.

    Called by the dispatcher in its database hop; returns the buttons to remove.
    A form's values, and the names its uploads were stored under, wait on its
    row (``submitted``) for the asker, who may be on another process.
    """
    won = MessageRow.objects.filter(pk=row.message_id, awaiting=True).update(
        awaiting=False, answer=row
    )
    if not won:
        return None
    if values is not None:
        submitted = {"values": values, "files": files or {}}
        ActionRow.objects.filter(pk=row.pk).update(submitted=submitted)
    return removal.mark_message_actions_removed(chat, row.message.uuid)


async def notify(message_id: uuid.UUID, action_id: uuid.UUID) -> None:
    """Wake the waiting ``ask()``, on whichever process it runs.

    The answer is already in the database; if the layer is down the asker finds
    it there at its next poll, so a failure here is only logged.
    """
    layer = get_channel_layer()
    try:
        await layer.group_send(
            ask_group(message_id), {"type": "chat.answer", "id": str(action_id)}
        )
    except Exception:
        logger.exception("chatactions: could not wake the asker of %s; it will poll", message_id)
