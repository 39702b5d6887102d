"""What the HTTP API reads and writes, field by field.

The serializers name every field they show, so a field the database gains
later (an action's payload above all) never leaks through a response by
accident. Inputs are checked as strictly as the socket checks a frame.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.reverse import reverse

from .. import protocol
from ..conf import chat_settings
from ..exceptions import FrameError
from ..history import display_title
from ..models import Action as ActionRow
from ..models import Conversation
from ..models import Message as MessageRow
from ..outcome import Status
from ..rendering import socket_path
from ..titles import TITLE_LENGTH, TitleError, clean_title


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


class TextField(serializers.CharField):
    """A JSON string and nothing else, storable as it is.

    DRF's ``CharField`` turns ``5`` into ``"5"``; the socket refuses a number, so
    this does too. A lone surrogate (``"\\ud800"`` in JSON) parses but cannot be
    stored as UTF-8: it is refused here instead of failing in the database.
    """

    def to_internal_value(self, data: Any) -> str:
        """DRF's hook: refuse text no database can store before it reaches one."""
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode()
        except UnicodeEncodeError:
            self.fail("invalid")
        return str(super().to_internal_value(data))


# A character that str.strip() keeps, spelt out: Python's \s and the \s of
# JSON Schema (ECMAScript) differ, and the schema must promise what the check does.
NOT_SPACE = r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"

# What the user writes: a character that is not a space, and no NUL anywhere, which
# no database stores (``chatactions.storable``; DRF refuses it too). The schema
# says so, so a client (or a fuzzer) is never surprised by the 400.
STORABLE_TEXT = (
    r"^[^\x00]*"
    r"[^\x00\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
    r"[^\x00]*$"
)


class NewMessageSerializer(serializers.Serializer[Any]):
    """What the user writes: the same rules as a ``message`` frame on the socket."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # Built per use, so the schema and the check follow MAX_MESSAGE_LENGTH as it is now.
        """The limits are settings, read when a request is checked, not at import."""
        return {
            "content": TextField(
                max_length=int(chat_settings.MAX_MESSAGE_LENGTH),
                trim_whitespace=False,
                validators=[RegexValidator(STORABLE_TEXT, "This field may not be blank.")],
                help_text="What the user writes; at least one character that is not a space.",
            )
        }


class RenameSerializer(serializers.Serializer[Any]):
    """A new title: the same rules as the history page's rename form."""

    title = TextField(
        required=False,  # a PATCH without it changes nothing, as PATCH does
        max_length=TITLE_LENGTH,
        allow_blank=True,
        validators=[RegexValidator(r"^[^\x00]*$", "This field may not contain NUL.")],
        help_text="The new title; spaces are trimmed, and an empty one gives the default back.",
    )

    def validate_title(self, value: str) -> str:
        try:
            return clean_title(value)
        except TitleError as exc:
            raise serializers.ValidationError(str(exc)) from None


class QueryUUIDField(serializers.UUIDField):
    """A UUID from the query string, where an empty ``?after=`` is malformed, not missing.

    DRF reads an empty optional query value as absent, which would turn a
    client's lost cursor into "the whole conversation" without a word.
    """

    def get_value(self, dictionary: Any) -> Any:
        """DRF's hook: an empty ``after`` is an error, not a missing cursor."""
        return dictionary.get(self.field_name, empty)


class MessageQuerySerializer(serializers.Serializer[Any]):
    """The query of a message list: the cursor."""

    after = QueryUUIDField(
        required=False,
        help_text="A message id: list only what came after it.",
    )


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

    # As for ``label`` above: DRF takes declared fields off the class, so ``errors`` here
    # does not hide ``Serializer.errors``; only the stubs see a clash.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        read_only=True,
        allow_null=True,
        help_text="Django's messages by field name, the form's own under `__all__`, when "
        "the values were not valid for the form; otherwise null.",
    )


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {
            "oneOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}},
                {"type": "boolean"},
            ]
        },
    }
)
class ValuesField(serializers.DictField):
    """A form's values: what the schema says a ``submit``'s ``data`` may hold."""


class SubmitSerializer(serializers.Serializer[Any]):
    """A form's values: the ``data`` of the socket's ``submit`` frame, as a JSON body."""

    data = ValuesField(  # type: ignore[assignment]  # as ``errors`` above
        help_text="Field name to value: a string, a list of strings (a multiple choice) or "
        "a boolean (a checkbox). At most `MAX_FORM_BYTES` bytes of JSON."
    )

    def validate_data(self, data: Any) -> Any:
        """The socket's own check, so both doors refuse the same values the same way."""
        try:
            return protocol.submitted(data)
        except FrameError as exc:
            raise serializers.ValidationError(exc.detail) from None


class ErrorSerializer(serializers.Serializer[Any]):
    """Django REST framework's error body."""

    detail = serializers.CharField(read_only=True)


def messages_url(request: Any, conversation_id: Any, after: Any = None) -> str:
    """The absolute address of a conversation's messages, after one message if given."""
    url = reverse("chatactions_api:messages", args=[str(conversation_id)], request=request)
    return url if after is None else f"{url}?after={after}"
