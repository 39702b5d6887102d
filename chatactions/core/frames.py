"""Drawing the frames a tab receives: a message with its buttons, a removal.

A message frame carries the message drawn by the page's own template, so a
live message and a reloaded page are the same HTML.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import NamedTuple

from django.template.loader import render_to_string

from .. import protocol, rendering
from ..models import Action as ActionRow
from ..models import Message as MessageRow


def render_message(row: MessageRow, actions: list[ActionRow], kind: str = "message") -> str:
    """The JSON text of a message frame, with the message drawn by the page's template."""
    row.live_actions = actions  # type: ignore[attr-defined]  # as MessageQuerySet.live() sets
    rendering.prepare([row], row.conversation)
    html = render_to_string(
        rendering.MESSAGE_TEMPLATE, {"message": row, "conversation": row.conversation}
    )
    return protocol.dumps(protocol.message_frame(row, actions, html, kind))


class Removal(NamedTuple):
    """A button gone, and the position its message took for it."""

    id: uuid.UUID
    seq: int


def actions_removed(removed: Iterable[Removal]) -> list[str]:
    """One ``action.remove`` frame per button, for the tabs to drop it."""
    return [protocol.dumps(protocol.action_remove(r.id, r.seq)) for r in removed]


def message_removed(message_id: uuid.UUID, seq: int) -> str:
    """The ``message.remove`` frame: the tabs drop the message and its buttons."""
    return protocol.dumps(protocol.message_remove(message_id, seq))
