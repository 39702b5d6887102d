"""Wire protocol v1: parsing what the browser sends and shaping what it receives.

Every client frame is checked here before anything else sees it, so the
consumer and the dispatcher only ever handle well-formed, typed frames. A
problem raises ``FrameError`` carrying the status and the client's ``ref`` (when
it could be read), which the consumer turns into an ``ack`` or an ``error`` frame.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from . import jsontext
from .conf import chat_settings
from .exceptions import FrameError as FrameError  # what parse() raises
from .formclass import Values, size, values_from
from .models import Action as ActionRow
from .models import Message as MessageRow
from .outcome import Status
from .storable import text_problem

VERSION = 1

# The statuses of an ``ack``, by their old names: one vocabulary, ``outcome.Status``.
OK = Status.OK
BUSY = Status.BUSY
GONE = Status.GONE
NOT_FOUND = Status.NOT_FOUND
INVALID = Status.INVALID
RATE_LIMITED = Status.RATE_LIMITED
ERROR = Status.ERROR

MAX_REF_LENGTH = 64
MAX_ECHO = 40

# WebSocket close codes the server uses (4000-4999 are for applications).
CLOSE_NOT_FOUND = 4404
CLOSE_FORBIDDEN = 4403
# The session that opened the socket ended (logout, login, flush, expiry): the
# client reloads the page, which shows the login or a fresh start.
CLOSE_SESSION_ENDED = 4401
# Over MAX_SOCKETS_PER_CONVERSATION or MAX_SOCKETS_PER_REQUESTER.
CLOSE_TOO_MANY_SOCKETS = 4429
# "Service unavailable": the channel layer failed, so this socket may have missed
# news; the client reconnects and its ``sync`` fetches what was saved meanwhile.
# (1012 would say it best, but servers only let applications use 1000 and 3000-4999.)
CLOSE_RESYNC = 4503


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


#: The largest position a ``since`` may name: the most a ``BigIntegerField`` holds.
MAX_SEQ = 2**63 - 1


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


# Server to client ---------------------------------------------------------------


def ack(
    ref: str | None,
    status: str,
    detail: str = "",
    notice: str = "",
    errors: dict[str, list[str]] | None = None,
    html: str = "",
) -> dict[str, Any]:
    """The answer to one client frame, matched by its ``ref``.

    An invalid submission's ack adds ``errors`` (Django's, by field) and
    ``html``: the form drawn again with them, for the submitter's tab only.
    """
    frame: dict[str, Any] = {"type": "ack", "ref": ref, "status": status, "detail": detail}
    if notice:
        frame["notice"] = notice
    if errors is not None:
        frame["errors"] = errors
        frame["html"] = html
    return frame


def sync_ack(ref: str | None, seq: int, has_more: bool) -> dict[str, Any]:
    """The answer to a ``sync`` with ``since``: where the tab now is, and whether to ask again."""
    return {**ack(ref, OK), "seq": seq, "has_more": has_more}


def error(detail: str) -> dict[str, Any]:
    """The answer to a frame that could not even be read (so it has no ``ref``)."""
    return {"type": "error", "detail": detail}


def action_fields(action: ActionRow) -> dict[str, Any]:
    """What the browser may know of a button: never the payload."""
    return {
        "id": str(action.uuid),
        "name": action.name,
        "label": action.label,
        "tooltip": action.tooltip,
        "icon": action.icon,
        "variant": action.variant,
        "disabled": action.disabled,
        "confirm": action.confirm,
        "expires_at": action.expires_at.isoformat() if action.expires_at else None,
        "kind": action.kind,
    }


def message_frame(
    message: MessageRow, actions: Iterable[ActionRow], html: str, kind: str = "message"
) -> dict[str, Any]:
    """A message as the browser receives it: its HTML, and its buttons without payload."""
    return {
        "type": kind,
        "id": str(message.uuid),
        "author": message.author,
        "from_user": message.from_user,
        "content": message.content,
        "html": html,
        "actions": [action_fields(a) for a in actions if a.kind != ActionRow.Kind.FORM],
        "form": next(
            (
                {"id": str(a.uuid), "name": a.name, "submit_label": a.label}
                for a in actions
                if a.kind == ActionRow.Kind.FORM
            ),
            None,
        ),
        "created_at": timezone.localtime(message.created_at).isoformat(),
        "stream": message.stream,
        **({"lease": chat_settings.STREAM_LEASE} if message.stream == "streaming" else {}),
        "seq": message.seq,
    }


def stream_frame(message_id: uuid.UUID, at: int, delta: str) -> dict[str, Any]:
    """Text streamed into a message: ``delta`` begins at offset ``at`` of its content.

    ``at`` counts UTF-16 code units, as JavaScript's ``String.length`` does, so
    a tab compares it with what it has without decoding anything. It takes no
    position in the sequence: the row's text is saved later, its end is a change.
    """
    return {"type": "message.stream", "id": str(message_id), "at": at, "delta": delta}


def task_frame(kind: str, token: uuid.UUID, **extra: Any) -> dict[str, Any]:
    """``task.start`` (again as the lease is renewed) or ``task.end`` of one running handler."""
    return {"type": kind, "id": str(token), **extra}


def action_remove(action_id: uuid.UUID, seq: int) -> dict[str, Any]:
    """Tell the tabs one button is gone (``seq``: the position its message took)."""
    return {"type": "action.remove", "id": str(action_id), "seq": seq}


def message_remove(message_id: uuid.UUID, seq: int) -> dict[str, Any]:
    """Tell the tabs a message is gone, with its buttons."""
    return {"type": "message.remove", "id": str(message_id), "seq": seq}


def dumps(frame: dict[str, Any]) -> str:
    """Compact JSON: every frame is sent to every tab."""
    return json.dumps(frame, separators=(",", ":"))
