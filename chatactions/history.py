"""Conversations to come back to: the newest one, the list, a title, rename and delete.

Every door that lists or changes conversations (the pages, the no-JavaScript
forms, the HTTP API) goes through here, so they order, title and hide
conversations the same way. Ownership comes from ``Requester.conversations_q``,
which already leaves deleted conversations out.

``last_activity_at`` is kept on the conversation row (one indexed column)
rather than computed from its messages, so the history of someone with many
conversations is one indexed query, whatever their messages number.
"""

from __future__ import annotations

import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Left
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import formats, timezone
from django.utils.translation import gettext

from .context import group_name
from .models import Conversation
from .models import Message as MessageRow
from .owners import Requester
from .titles import set_title

#: How much of the first user message stands for a conversation without a title.
PREVIEW_LENGTH = 80
#: What the sockets of a deleted conversation get, on every process: close with 4404.
DELETED = {"type": "chat.deleted"}


def owned(requester: Requester, app: str | None = None) -> QuerySet[Conversation]:
    """The requester's live conversations (of ``app`` if given), newest activity first."""
    rows = Conversation.objects.filter(requester.conversations_q())
    if app is not None:
        rows = rows.filter(app=app)
    return rows.order_by("-last_activity_at", "-pk")


def latest(requester: Requester, app: str) -> Conversation | None:
    """The conversation ``GET /chat/`` opens: the one the requester used last."""
    return owned(requester, app).first()


def with_preview(rows: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Each row with ``first_message``: the start of what its user wrote first.

    One correlated subquery in the same SELECT, so a page of conversations costs
    one query, not one per row.
    """
    first = MessageRow.objects.filter(
        conversation=OuterRef("pk"), from_user=True, removed_at__isnull=True
    ).order_by("pk")
    start = first.annotate(start=Left("content", PREVIEW_LENGTH + 1)).values("start")[:1]
    return rows.annotate(first_message=Subquery(start))


def display_title(conversation: Conversation) -> str:
    """What the history shows: the title, else the first user message, else a dated name."""
    if conversation.title:
        return conversation.title
    first: str | None = getattr(conversation, "first_message", None)
    if first and first.strip():
        text = " ".join(first.split())
        return text if len(first) <= PREVIEW_LENGTH else text[:PREVIEW_LENGTH].rstrip() + "…"
    when = timezone.localtime(conversation.created_at)
    return gettext("Chat of %(date)s") % {"date": formats.date_format(when, "DATETIME_FORMAT")}


def rename(requester: Requester, conversation_id: uuid.UUID, title: str) -> Conversation | None:
    """The owner's rename; ``None`` (and nothing written) for a missing or foreign id."""
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        return None
    set_title(conversation, title)
    return conversation


def delete(requester: Requester, conversation_id: uuid.UUID) -> bool:
    """Hide a conversation from its owner for good; its rows stay for the audit trail.

    Open sockets of it, on every process, close with 4404, as if it never
    existed. False (and nothing written) for a missing or foreign id.
    """
    updated = Conversation.objects.filter(requester.conversations_q(), uuid=conversation_id)
    if not updated.update(deleted_at=timezone.now()):
        return False
    layer = get_channel_layer()
    if layer is not None:
        group = group_name(Conversation(uuid=conversation_id))
        async_to_sync(layer.group_send)(group, DELETED)
    return True


@receiver(post_save, sender=MessageRow, dispatch_uid="chatactions.history.activity")
def record_activity(sender: Any, instance: MessageRow, created: bool, **kwargs: Any) -> None:
    """A saved message is activity: its conversation moves to the top of the history.

    Conditional, so an older message saved late never moves the time backwards.
    """
    if not created or getattr(instance, "activity_recorded", False):
        return  # core.messages.save_message wrote it with the message's position
    Conversation.objects.filter(
        pk=instance.conversation_id, last_activity_at__lt=instance.created_at
    ).update(last_activity_at=instance.created_at)
    conversation = instance._state.fields_cache.get("conversation")
    if conversation is not None and conversation.last_activity_at < instance.created_at:
        conversation.last_activity_at = instance.created_at
