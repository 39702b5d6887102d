"""Every row the app owns, to prove a refusal wrote nothing and lost nothing."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from chatactions.models import Action, ActionClick, Conversation, ConversationValue, Message


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """The contents (not just the counts) of every chatactions table."""
    return {
        "conversations": list(
            Conversation.objects.order_by("pk").values_list("pk", "uuid", "user_id", "visitor")
        ),
        "messages": list(
            Message.objects.order_by("pk").values_list(
                "pk", "uuid", "content", "author", "removed_at"
            )
        ),
        "actions": list(
            Action.objects.order_by("pk").values_list(
                "pk", "uuid", "payload", "removed_at", "claimed_until"
            )
        ),
        "clicks": list(ActionClick.objects.order_by("pk").values_list("pk", "outcome", "error")),
        "values": list(ConversationValue.objects.order_by("pk").values_list("pk", "key", "value")),
    }


asnapshot = sync_to_async(snapshot)
