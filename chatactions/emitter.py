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
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext

from . import inserts, protocol, rendering
from .conf import chat_settings
from .context import Chat
from .markdown import render_markdown
from .models import Action as ActionRow
from .models import Message as MessageRow
from .signals import message_sent
from .storable import text_problem

if TYPE_CHECKING:
    from .action import Action
    from .message import Message

logger = logging.getLogger(__name__)


def render_message(row: MessageRow, actions: list[ActionRow], kind: str = "message") -> str:
    """The JSON text of a message frame, with the message drawn by the page's template."""
    row.live_actions = actions  # type: ignore[attr-defined]  # as MessageQuerySet.live() sets
    rendering.prepare([row], row.conversation)
    html = render_to_string(
        rendering.MESSAGE_TEMPLATE, {"message": row, "conversation": row.conversation}
    )
    return protocol.dumps(protocol.message_frame(row, actions, html, kind))


#: What ``Message.update()`` may change on a button it keeps (not name or payload).
DRAWN_FIELDS = ["label", "tooltip", "icon", "variant", "disabled", "confirm", "expires_at"]


def _action_row(row: MessageRow, action: Action, order: int) -> ActionRow:
    return ActionRow(
        uuid=action.id,
        message=row,
        name=action.name,
        payload=action.payload,
        order=order,
        **{field: getattr(action, field) for field in DRAWN_FIELDS},
    )


def _action_rows(row: MessageRow, actions: Iterable[Action]) -> list[ActionRow]:
    return ActionRow.objects.bulk_create(_action_row(row, a, i) for i, a in enumerate(actions))


def validate(message: Message) -> None:
    """Check a message and its buttons before anything of it is saved."""
    for action in message.actions:
        action.validate()
    if not isinstance(message.content, str):
        raise TypeError(f"Message content must be a string, not {type(message.content)}.")
    for field in ("content", "author"):
        value = getattr(message, field)
        if value and (problem := text_problem(value)) is not None:
            raise ValueError(f"Message {field} {problem}.")


def save_message(chat: Chat, message: Message) -> tuple[MessageRow, str]:
    """Validate, save and render ``message``; sync, for one database thread hop."""
    validate(message)
    default = gettext("You") if message.from_user else chat_settings.DEFAULT_AUTHOR
    author = message.author or str(default)
    row = MessageRow(
        uuid=message.id,
        conversation=chat.conversation,
        author=author[:100],
        from_user=message.from_user,
        content=message.content,
        content_html=render_markdown(message.content),
        exclusive=message.exclusive,
        awaiting=message.awaiting,
    )
    actions: list[ActionRow] = []
    if not message.actions:  # one INSERT is atomic on its own
        inserts.insert(row)
    else:
        with transaction.atomic():  # the message and its buttons, or nothing
            inserts.insert(row)
            actions = _action_rows(row, message.actions)
    message_sent.send(MessageRow, message=row, conversation=chat.conversation)
    return row, render_message(row, actions)


async def send_message(chat: Chat, message: Message) -> None:
    _, text = await database_sync_to_async(save_message)(chat, message)
    await broadcast(chat, text)


def save_update(chat: Chat, message: Message) -> str | None:
    """Save new content and exactly ``message.actions`` as its buttons; ``None`` if gone.

    A button kept from before keeps its id, name, payload and claim, and takes
    the new label, look, ``disabled`` and expiry; a button removed earlier stays
    removed even if listed again.
    """
    validate(message)
    row = MessageRow.objects.filter(
        uuid=message.id, conversation=chat.conversation, removed_at__isnull=True
    ).first()
    if row is None:
        return None
    wanted = {a.id for a in message.actions}
    with transaction.atomic():
        if message.author:
            row.author = message.author[:100]
        row.content = message.content
        row.content_html = render_markdown(message.content)
        row.updated_at = timezone.now()
        row.save(update_fields=["author", "content", "content_html", "updated_at"])
        row.actions.filter(removed_at__isnull=True).exclude(uuid__in=wanted).update(
            removed_at=row.updated_at
        )
        existing = {a.uuid: a for a in row.actions.filter(uuid__in=wanted)}
        kept, new = [], []
        for order, action in enumerate(message.actions):
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
    return render_message(row, live, "message.update")


async def update_message(chat: Chat, message: Message) -> bool:
    text = await database_sync_to_async(save_update)(chat, message)
    if text is not None:
        await broadcast(chat, text)
    return text is not None


def mark_message_removed(chat: Chat, message_id: uuid.UUID) -> bool:
    count = MessageRow.objects.filter(
        uuid=message_id, conversation=chat.conversation, removed_at__isnull=True
    ).update(removed_at=timezone.now())
    return count > 0


async def remove_message(chat: Chat, message_id: uuid.UUID) -> None:
    if await database_sync_to_async(mark_message_removed)(chat, message_id):
        await broadcast(chat, protocol.dumps({"type": "message.remove", "id": str(message_id)}))


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
    removed = await database_sync_to_async(mark_removed)(chat, action_ids)
    await announce_removed(chat, removed)


async def remove_message_actions(chat: Chat, message_id: uuid.UUID) -> None:
    removed = await database_sync_to_async(mark_message_actions_removed)(chat, message_id)
    await announce_removed(chat, removed)


async def announce_removed(chat: Chat, action_ids: Iterable[uuid.UUID]) -> None:
    await broadcast(chat, *(protocol.dumps(protocol.action_remove(i)) for i in action_ids))


async def broadcast(chat: Chat, *texts: str) -> None:
    """Send frames to every socket of the conversation; a layer failure loses no row."""
    await send_to(chat.group, *texts, group=True)


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
