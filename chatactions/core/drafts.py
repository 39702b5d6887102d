"""What the public API hands the core: a message, its buttons and form, already validated.

``ca.Message`` and ``ca.Action`` are for users to build and change; the core
saves exactly what a draft says, so it needs no knowledge of those classes.
A draft is checked when it is made (``ca.Action.draft()``,
``ca.Message.draft()``): whatever reaches the core can be stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ActionDraft:
    """One button (or form: ``kind`` ``form``) to save: every field of its row a sender chooses.

    A form's ``label`` is its submit button's text, ``form_class`` the dotted
    path of its Django form, ``initial`` the values it is first drawn with.
    """

    id: uuid.UUID
    name: str
    label: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    tooltip: str = ""
    icon: str = ""
    variant: str = "primary"
    disabled: bool = False
    confirm: str = ""
    expires_at: datetime | None = None
    kind: str = "button"
    form_class: str = ""
    initial: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MessageDraft:
    """One message to save or update, with exactly these buttons in this order.

    ``author`` empty means the default one (``DEFAULT_AUTHOR``, or "You" for
    the user's own message); an update with an empty author keeps the old one.
    """

    id: uuid.UUID
    content: str
    author: str = ""
    from_user: bool = False
    exclusive: bool = False
    awaiting: bool = False
    awaits_reply: bool = False
    actions: tuple[ActionDraft, ...] = ()
    #: ``streaming`` for a message saved at its first streamed token, else empty.
    stream: str = ""


@dataclass(frozen=True)
class ApprovalDraft:
    """A tool call to ask about, checked by ``ca.Approval``: its row beside the message's.

    ``digest`` binds ``arguments`` to this approval (``chatactions.digests``).
    """

    id: uuid.UUID
    tool: str
    arguments: dict[str, Any]
    digest: str
    schema: dict[str, Any] | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    expires_at: datetime | None = None
