"""Persist first, then broadcast: how anything reaches the open tabs.

A message and its buttons are saved in one transaction, rendered once with the
same template the page uses (so a live message and a reloaded page are the same
HTML), and sent to the conversation's channel-layer group. The database is the
source of truth; the channel layer only carries news, so if it fails the
message is still saved and a reconnecting tab's ``sync`` picks it up.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import protocol
from .conf import chat_settings
from .context import Chat
from .models import Action as ActionRow
from .models import Message as MessageRow

if TYPE_CHECKING:
    from .message import Message

logger = logging.getLogger(__name__)

MESSAGE_TEMPLATE = "chatactions/message.html"


def render_message(row: MessageRow, actions: list[ActionRow], kind: str = "message") -> str:
    """The JSON text of a message frame, with the message drawn by the page's template."""
    row.live_actions = actions  # type: ignore[attr-defined]
    html = render_to_string(MESSAGE_TEMPLATE, {"message": row, "conversation": row.conversation})
    return protocol.dumps(protocol.message_frame(row, actions, html, kind))


def save_message(chat: Chat, message: Message) -> tuple[MessageRow, str]:
    """Validate, save and render ``message``; sync, for one database thread hop."""
    for action in message.actions:
        action.validate()
    if not isinstance(message.content, str):
        raise TypeError(f"Message content must be a string, not {type(message.content)}.")
    author = message.author or ("You" if message.from_user else chat_settings.DEFAULT_AUTHOR)
    with transaction.atomic():
        row = MessageRow.objects.create(
            uuid=message.id,
            conversation=chat.conversation,
            author=author[:100],
            from_user=message.from_user,
            content=message.content,
            exclusive=message.exclusive,
        )
        actions = ActionRow.objects.bulk_create(
            ActionRow(
                uuid=a.id,
                message=row,
                name=a.name,
                label=a.label,
                payload=a.payload,
                tooltip=a.tooltip,
                icon=a.icon,
                variant=a.variant,
                disabled=a.disabled,
                confirm=a.confirm,
                expires_at=a.expires_at,
                order=i,
            )
            for i, a in enumerate(message.actions)
        )
    return row, render_message(row, actions)


async def send_message(chat: Chat, message: Message) -> None:
    _, text = await database_sync_to_async(save_message)(chat, message)
    await broadcast(chat, text)


def mark_removed(chat: Chat, action_id: uuid.UUID) -> bool:
    """Mark a button removed; false if it is not in this chat or already gone."""
    count = ActionRow.objects.filter(
        uuid=action_id, message__conversation=chat.conversation, removed_at__isnull=True
    ).update(removed_at=timezone.now())
    return count > 0


async def remove_action(chat: Chat, action_id: uuid.UUID) -> None:
    if await database_sync_to_async(mark_removed)(chat, action_id):
        await broadcast(chat, protocol.dumps(protocol.action_remove(action_id)))


async def broadcast(chat: Chat, *texts: str) -> None:
    """Send frames to every socket of the conversation; a layer failure loses no row."""
    await send_to(chat.group, *texts, group=True)


async def send_to(target: str, *texts: str, group: bool = False) -> None:
    layer = get_channel_layer()
    if layer is None or not texts:
        return
    event: dict[str, Any] = {"type": "chat.frames", "texts": list(texts)}
    try:
        if group:
            await layer.group_send(target, event)
        else:
            await layer.send(target, event)
    except Exception:
        logger.exception("chatactions: channel layer send to %s failed; rows are saved", target)
