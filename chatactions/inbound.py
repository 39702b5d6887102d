"""Wire protocol v1, client to server: each frame the browser sends, checked and typed.

Every client frame is checked here before anything else sees it, so the
consumer and the dispatcher only ever handle well-formed, typed frames. A
problem raises ``FrameError`` carrying the status and the client's ``ref`` (when
it could be read), which the consumer turns into an ``ack`` or an ``error`` frame.
The doors reach these names through ``protocol``, which re-exports them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from . import jsontext
from .conf import chat_settings
from .exceptions import FrameError as FrameError  # what parse() raises
from .formclass import Values, size, values_from
from .storable import text_problem

#: The longest ``ref`` a client may give.
MAX_REF_LENGTH = 64
#: How much of an unknown frame type the error echoes back, at most.
MAX_ECHO = 40
#: The largest position a ``since`` may name: the most a ``BigIntegerField`` holds.
MAX_SEQ = 2**63 - 1


@dataclass(frozen=True)
class MessageFrame:
    """A user's message, checked: non-empty, within ``MAX_MESSAGE_LENGTH``, storable."""

    ref: str | None
    content: str


@dataclass(frozen=True)
class ActionFrame:
    """A click on the button with this id."""

    ref: str | None
    id: uuid.UUID


@dataclass(frozen=True)
class SyncFrame:
    """A reconnecting tab asking for every change after position ``since``.

    The older form names a message instead (``after``): what was saved after it.
    """

    ref: str | None
    after: uuid.UUID | None
    since: int | None = None


@dataclass(frozen=True)
class SubmitFrame:
    """A form's values, checked for shape and size (their validity is the form class's)."""

    ref: str | None
    id: uuid.UUID
    values: Values


@dataclass(frozen=True)
class FetchFrame:
    """A tab that saw a gap in a stream asking for the message again."""

    ref: str | None
    id: uuid.UUID


@dataclass(frozen=True)
class StopFrame:
    """The owner pressed Stop: cancel the conversation's running handlers."""

    ref: str | None


ClientFrame = MessageFrame | ActionFrame | SyncFrame | SubmitFrame | FetchFrame | StopFrame


def parse(text: str) -> ClientFrame:
    """Turn one text frame into a typed frame, or raise ``FrameError``."""
    if len(text.encode()) > chat_settings.MAX_FRAME_BYTES:
        raise FrameError(
            f"Frame is larger than {chat_settings.MAX_FRAME_BYTES} bytes.",
            ref=peek_ref(text),
        )
    try:
        data = jsontext.loads(text)
    except jsontext.TooDeep as exc:
        raise FrameError(f"Frame is not valid JSON: {exc}") from None
    except ValueError:
        raise FrameError("Frame is not valid JSON.") from None
    if not isinstance(data, dict):
        raise FrameError("Frame must be a JSON object.")
    ref = data.get("ref")
    if ref is not None and (not isinstance(ref, str) or len(ref) > MAX_REF_LENGTH):
        raise FrameError(f"ref must be a string of at most {MAX_REF_LENGTH} characters.")
    kind = data.get("type")
    if kind == "message":
        content = data.get("content")
        if not isinstance(content, str) or not content.strip():
            raise FrameError("content must be a non-empty string.", ref=ref)
        if len(content) > chat_settings.MAX_MESSAGE_LENGTH:
            raise FrameError(
                f"content is longer than {chat_settings.MAX_MESSAGE_LENGTH} characters.", ref=ref
            )
        if (problem := text_problem(content)) is not None:
            raise FrameError(f"content {problem}.", ref=ref)
        return MessageFrame(ref, content)
    if kind == "action":
        return ActionFrame(ref, _uuid(data.get("id"), "id", ref))
    if kind == "submit":
        return SubmitFrame(ref, _uuid(data.get("id"), "id", ref), submitted(data.get("data"), ref))
    if kind == "sync":
        return _sync(data, ref)
    if kind == "fetch":
        return FetchFrame(ref, _uuid(data.get("id"), "id", ref))
    if kind == "stop":
        return StopFrame(ref)
    # Echo at most a short prefix: a detail must not send a client's megabyte back to it.
    shown = repr(kind)
    if len(shown) > MAX_ECHO:
        shown = shown[: MAX_ECHO - 3] + "..."
    raise FrameError(f"Unknown frame type {shown}.", ref=ref)


def _sync(data: dict[str, Any], ref: str | None) -> SyncFrame:
    after = data.get("after")
    if "since" not in data:
        return SyncFrame(ref, None if after is None else _uuid(after, "after", ref))
    since = data["since"]
    if after is not None:
        raise FrameError("Give since or after, not both.", ref=ref)
    # bool is an int to Python, not to JavaScript: true is not a position.
    if not isinstance(since, int) or isinstance(since, bool) or not 0 <= since <= MAX_SEQ:
        raise FrameError(f"since must be an integer from 0 to {MAX_SEQ}.", ref=ref)
    return SyncFrame(ref, None, since)


def _uuid(value: Any, field: str, ref: str | None) -> uuid.UUID:
    if not isinstance(value, str) or len(value) > 36:
        raise FrameError(f"{field} must be a UUID string.", ref=ref)
    try:
        return uuid.UUID(value)
    except ValueError:
        raise FrameError(f"{field} must be a UUID string.", ref=ref) from None


def submitted(data: Any, ref: str | None = None) -> Values:
    """A submission's ``data`` as values, or ``FrameError``: the socket's and the API's check.

    Strings, lists of strings, booleans; at most ``MAX_FORM_BYTES`` of them.
    """
    values = values_from(data) if isinstance(data, dict) else None
    if values is None:
        raise FrameError(
            "data must be an object of strings, lists of strings and booleans.", ref=ref
        )
    check_size(values, ref)
    return values


def check_size(values: Values, ref: str | None = None) -> None:
    """Refuse a submission whose values exceed ``MAX_FORM_BYTES``, whatever the door."""
    limit = chat_settings.MAX_FORM_BYTES
    if size(values) > limit:
        raise FrameError(f"The form's values are larger than {limit} bytes.", ref=ref)
    for value in [*values, *(v for vs in values.values() for v in vs)]:
        if (problem := text_problem(value)) is not None:
            raise FrameError(f"A value {problem}.", ref=ref)


def peek_ref(text: str) -> str | None:
    """The ref of a frame refused before parsing, if one can be read cheaply, for the ack."""
    if len(text) > 4 * chat_settings.MAX_FRAME_BYTES:
        return None
    try:
        ref = jsontext.loads(text).get("ref")
    except (ValueError, AttributeError):
        return None
    return ref if isinstance(ref, str) and len(ref) <= MAX_REF_LENGTH else None
