"""Rows for tests and benchmarks: a snapshot of every table, and a long conversation."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from chatactions.markdown import render_markdown
from chatactions.models import (
    Action,
    ActionClick,
    Approval,
    Conversation,
    ConversationValue,
    Message,
)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the app owns, contents and not just counts, to prove a refusal wrote
    nothing and lost nothing."""
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
                "pk", "uuid", "payload", "removed_at", "claimed_until", "submitted"
            )
        ),
        "clicks": list(
            ActionClick.objects.order_by("pk").values_list("pk", "outcome", "error", "fields")
        ),
        "approvals": list(
            Approval.objects.order_by("pk").values_list(
                "pk", "arguments", "outcome", "final_arguments", "reason", "callback_status"
            )
        ),
        "values": list(ConversationValue.objects.order_by("pk").values_list("pk", "key", "value")),
    }


asnapshot = sync_to_async(snapshot)


def grow(conversation: Conversation, messages: int, buttons_per_message: int) -> None:
    """Add ``messages`` bot messages with ``buttons_per_message`` buttons each, in two queries."""
    rows = Message.objects.bulk_create(
        Message(
            conversation=conversation,
            author="Assistant",
            content=f"Message {i}",
            content_html=render_markdown(f"Message {i}"),
        )
        for i in range(messages)
    )
    Action.objects.bulk_create(
        Action(message=m, name="pick", label=f"Option {j}", order=j)
        for m in rows
        for j in range(buttons_per_message)
    )
