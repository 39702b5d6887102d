"""What the HTTP API reads: each request body and query, checked as the socket checks a frame.

Every input names its fields and refuses what no door would store (a number
for text, a lone surrogate, NUL), so a request and a frame fail the same way.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from .. import protocol
from ..conf import chat_settings
from ..exceptions import FrameError
from ..titles import TITLE_LENGTH, TitleError, clean_title


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

    # DRF takes declared fields off the class, so ``data`` does not hide
    # ``Serializer.data``; only the stubs see a clash.
    data = ValuesField(  # type: ignore[assignment]
        help_text="Field name to value: a string, a list of strings (a multiple choice) or "
        "a boolean (a checkbox). At most `MAX_FORM_BYTES` bytes of JSON."
    )

    def validate_data(self, data: Any) -> Any:
        """The socket's own check, so both doors refuse the same values the same way."""
        try:
            return protocol.submitted(data)
        except FrameError as exc:
            raise serializers.ValidationError(exc.detail) from None
