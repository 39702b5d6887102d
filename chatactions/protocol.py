"""Wire protocol v1: its statuses and close codes, and the frames the browser receives.

What the browser sends is parsed in ``inbound`` (its names are re-exported
here, so ``protocol.parse`` and ``protocol.FrameError`` stay where the doors and
the docs name them); this module shapes what goes the other way.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from .conf import chat_settings

# Client to server: ``inbound``, re-exported under the names the doors and the docs use.
from .inbound import MAX_ECHO as MAX_ECHO
from .inbound import MAX_REF_LENGTH as MAX_REF_LENGTH
from .inbound import MAX_SEQ as MAX_SEQ
from .inbound import ActionFrame as ActionFrame
from .inbound import ClientFrame as ClientFrame
from .inbound import FetchFrame as FetchFrame
from .inbound import FrameError as FrameError
from .inbound import MessageFrame as MessageFrame
from .inbound import StopFrame as StopFrame
from .inbound import SubmitFrame as SubmitFrame
from .inbound import SyncFrame as SyncFrame
from .inbound import check_size as check_size
from .inbound import parse as parse
from .inbound import peek_ref as peek_ref
from .inbound import submitted as submitted
from .models import Action as ActionRow
from .models import Message as MessageRow
from .outcome import Status

VERSION = 1

# The statuses of an ``ack``, by their old names: one vocabulary, ``outcome.Status``.
OK = Status.OK
BUSY = Status.BUSY
GONE = Status.GONE
NOT_FOUND = Status.NOT_FOUND
INVALID = Status.INVALID
RATE_LIMITED = Status.RATE_LIMITED
ERROR = Status.ERROR

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
