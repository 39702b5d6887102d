"""What the HTTP API shows, field by field (what it reads is in ``inputs``).

The serializers name every field they show, so a field the database gains
later (an action's payload above all) never leaks through a response by
accident.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from .. import protocol
from ..history import display_title
from ..models import Action as ActionRow
from ..models import Conversation
from ..models import Message as MessageRow
from ..outcome import Status
from ..rendering import socket_path


class ActionSerializer(serializers.Serializer[ActionRow]):
    """A button as a client may know it: the same fields as a protocol frame, no payload."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(read_only=True)
    # DRF's metaclass takes declared fields off the class; only the stubs see a clash
    # with ``Field.label``.
    label = serializers.CharField(read_only=True)  # type: ignore[assignment]
    tooltip = serializers.CharField(read_only=True)
    icon = serializers.CharField(read_only=True, help_text="A Lucide icon name, or empty.")
    variant = serializers.ChoiceField(choices=ActionRow.Variant.choices, read_only=True)
    disabled = serializers.BooleanField(read_only=True, help_text="Drawn, but not clickable.")
    confirm = serializers.CharField(
        read_only=True, help_text="A question to ask before clicking, or empty."
    )
    expires_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="After this a click answers `gone`."
    )
    kind = serializers.ChoiceField(
        choices=ActionRow.Kind.choices,
        read_only=True,
        help_text="`form`: answered by `submit` with values, not clicked; its `label` is the "
        "submit button's text.",
    )


class MessageSerializer(serializers.Serializer[MessageRow]):
    """A message and its live buttons (the view prefetches them as ``live_actions``)."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    author = serializers.CharField(read_only=True)
    from_user = serializers.BooleanField(
        read_only=True, help_text="True for what the user wrote, false for the bot."
    )
    content = serializers.CharField(read_only=True, help_text="Markdown, as written.")
    content_html = serializers.CharField(
        read_only=True, help_text="The content drawn as sanitised HTML."
    )
    actions = ActionSerializer(source="live_actions", many=True, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When it was last edited, if ever."
    )
    stream = serializers.ChoiceField(
        choices=MessageRow.Stream.choices,
        read_only=True,
        help_text="`streaming` while streamed (its content is the text saved so far), "
        "`stopped` or `interrupted` if it ended early, empty otherwise.",
    )


class MessagePageSerializer(serializers.Serializer[Any]):
    """Messages oldest first, and where to read on from."""

    results = MessageSerializer(many=True, read_only=True)
    has_more = serializers.BooleanField(
        read_only=True,
        help_text="More messages follow right away: fetch `next` now rather than later.",
    )
    next = serializers.URLField(
        read_only=True,
        help_text="The messages after the last one returned; poll it to catch up later.",
    )


class ConversationSerializer(serializers.Serializer[Conversation]):
    """A conversation, with the addresses a client needs to follow it."""

    id = serializers.UUIDField(source="uuid", read_only=True)
    url = serializers.SerializerMethodField(help_text="This conversation in the API.")
    app = serializers.CharField(read_only=True, help_text="The chat app that answers it.")
    title = serializers.CharField(
        read_only=True, help_text="Set by the bot or by you; empty when neither did."
    )
    display_title = serializers.SerializerMethodField(
        help_text="What the history shows: `title`, else the start of your first message, "
        "else a dated default."
    )
    created_at = serializers.DateTimeField(read_only=True)
    last_activity_at = serializers.DateTimeField(
        read_only=True, help_text="When its newest message was saved: the list's order."
    )
    messages = serializers.SerializerMethodField(help_text="Its messages, oldest first.")
    socket = serializers.SerializerMethodField(
        help_text="The WebSocket path (wire protocol v1) for live updates."
    )

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, conversation: Conversation) -> str:
        """The conversation's own address, so a client follows links instead of building them."""
        return str(
            reverse(
                "chatactions_api:conversation",
                args=[str(conversation.uuid)],
                request=self.context["request"],
            )
        )

    def get_display_title(self, conversation: Conversation) -> str:
        return display_title(conversation)

    @extend_schema_field(OpenApiTypes.URI)
    def get_messages(self, conversation: Conversation) -> str:
        """Where the conversation's messages are read and written."""
        return messages_url(self.context["request"], conversation.uuid)

    def get_socket(self, conversation: Conversation) -> str:
        """The WebSocket path a live client opens, as ``chat.js`` does."""
        return socket_path(conversation)


class OutcomeSerializer(serializers.Serializer[Any]):
    """The answer to a click or a message: the socket's ``ack``, as a response body."""

    status = serializers.ChoiceField(
        choices=[
            protocol.OK,
            protocol.BUSY,
            protocol.GONE,
            protocol.NOT_FOUND,
            protocol.INVALID,
            protocol.ERROR,
            Status.CANCELLED,
        ],
        read_only=True,
    )
    detail = serializers.CharField(read_only=True, help_text="Why, when it is not `ok`.")
    notice = serializers.CharField(
        read_only=True, help_text="The string the callback returned, if any."
    )
    replies = serializers.URLField(
        read_only=True,
        allow_null=True,
        help_text="The messages written since just before this request: the replies.",
    )


class SubmitOutcomeSerializer(OutcomeSerializer):
    """The answer to a form submission: an outcome, with Django's errors when invalid."""

    # As for ``ActionSerializer.label``: DRF takes declared fields off the class,
    # so ``errors`` here does not hide ``Serializer.errors``; only the stubs see a clash.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        allow_null=True,
        help_text="Django's messages by field name, the form's own under `__all__`, when "
        "the values were not valid for the form; otherwise null.",
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """Django REST framework's error body."""

    detail = serializers.CharField(read_only=True)


def messages_url(request: Any, conversation_id: Any, after: Any = None) -> str:
    """The absolute address of a conversation's messages, after one message if given."""
    url = reverse("chatactions_api:messages", args=[str(conversation_id)], request=request)
    return url if after is None else f"{url}?after={after}"
