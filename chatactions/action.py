"""``Action``: a button attached to a message, as in Chainlit's ``cl.Action``.

The payload is kept on the server: the browser gets the button's random id
and label only, and the callback receives the payload read back from the
database, so a client cannot forge or even read it.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from . import bridge
from .approvalforms import RESERVED_PREFIX
from .conf import chat_settings
from .context import Chat, ConversationRef, resolve_chat, resolve_chat_sync
from .core import removal
from .core.drafts import ActionDraft
from .exceptions import ActionError
from .models import Action as ActionRow
from .storable import length_problem, text_problem, value_problem

#: The text fields a sender writes; each one's limit is its model field's ``max_length``.
TEXT_FIELDS = ("name", "label", "tooltip", "icon", "confirm")
VARIANTS = tuple(ActionRow.Variant.values)


class Action:
    """A button. ``name`` picks the callback; ``payload`` stays on the server.

    Beyond Chainlit: ``variant`` (``primary``, ``secondary``, ``danger``) and
    ``disabled`` change how it is drawn; ``confirm`` is a question asked before
    the click is sent; ``ttl`` (seconds or a ``timedelta``) or ``expires_at``
    make it answer ``gone`` after that time.
    """

    def __init__(
        self,
        name: str,
        label: str = "",
        payload: dict[str, Any] | None = None,
        tooltip: str = "",
        icon: str = "",
        *,
        variant: str = "primary",
        disabled: bool = False,
        confirm: str = "",
        ttl: float | timedelta | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.payload: dict[str, Any] = {} if payload is None else payload
        self.tooltip = tooltip
        self.icon = icon
        self.variant = variant
        self.disabled = disabled
        self.confirm = confirm
        if ttl is not None:
            if expires_at is not None:
                raise ActionError(f"Action {name!r}: give ttl or expires_at, not both.")
            seconds = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
            expires_at = timezone.now() + seconds
        self.expires_at = expires_at
        self.id: uuid.UUID = uuid.uuid4()
        self.for_id: uuid.UUID | None = None
        self._chat: Chat | None = None

    def __repr__(self) -> str:
        return f"<Action {self.name!r} {self.id}>"

    @classmethod
    def from_row(cls, row: ActionRow, chat: Chat) -> Action:
        """The action a callback receives: read back from the database, payload included."""
        action = cls(
            row.name,
            row.label,
            row.payload,
            row.tooltip,
            row.icon,
            variant=row.variant,
            disabled=row.disabled,
            confirm=row.confirm,
            expires_at=row.expires_at,
        )
        action.id = row.uuid
        action.for_id = row.message.uuid
        action._chat = chat
        return action

    def validate(self) -> bytes:
        """Check every field against its limit and return the payload as JSON bytes.

        Called for all of a message's actions before anything is saved, so a bad
        action leaves no half-written message behind.
        """
        if not isinstance(self.name, str) or not self.name.strip():
            raise ActionError(f"Action name must be a non-empty string, not {self.name!r}.")
        if self.name.startswith(RESERVED_PREFIX):
            raise ActionError(
                f"Action {self.name!r}: names starting {RESERVED_PREFIX!r} are chatactions' own."
            )
        for field in TEXT_FIELDS:
            value = getattr(self, field)
            if not isinstance(value, str):
                raise ActionError(f"Action {self.name!r}: {field} must be a string.")
            problem = text_problem(value) or length_problem(ActionRow, field, value)
            if problem is not None:
                raise ActionError(f"Action {self.name!r}: {field} {problem}.")
        if self.variant not in VARIANTS:
            raise ActionError(
                f"Action {self.name!r}: variant must be one of {', '.join(VARIANTS)}, "
                f"not {self.variant!r}."
            )
        if self.expires_at is not None and timezone.is_naive(self.expires_at):
            raise ActionError(f"Action {self.name!r}: expires_at must be timezone-aware.")
        if not isinstance(self.payload, dict):
            raise ActionError(f"Action {self.name!r}: payload must be a dict.")
        try:
            # ensure_ascii=False: the limit counts UTF-8 bytes, as the settings say.
            text = json.dumps(self.payload, allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise ActionError(
                f"Action {self.name!r}: payload is not JSON-serialisable ({exc})."
            ) from exc
        if (problem := value_problem(self.payload)) is not None:
            raise ActionError(f"Action {self.name!r}: payload cannot be stored: it {problem}.")
        encoded = text.encode()
        limit = chat_settings.MAX_PAYLOAD_BYTES
        if len(encoded) > limit:
            raise ActionError(
                f"Action {self.name!r}: payload is {len(encoded)} bytes of JSON; "
                f"the limit is {limit} (CHATACTIONS['MAX_PAYLOAD_BYTES'])."
            )
        return encoded

    def draft(self) -> ActionDraft:
        """This button checked (``validate``) and frozen, as the core saves it."""
        self.validate()
        return ActionDraft(
            id=self.id,
            name=self.name,
            label=self.label,
            payload=self.payload,
            tooltip=self.tooltip,
            icon=self.icon,
            variant=self.variant,
            disabled=self.disabled,
            confirm=self.confirm,
            expires_at=self.expires_at,
        )

    @classmethod
    async def aget(cls, action_id: uuid.UUID | str, conversation: ConversationRef) -> Action:
        """A sent button of ``conversation``, payload included, to remove it from outside.

        Raises ``models.Action.DoesNotExist`` if the conversation has no such button.
        """
        chat = await resolve_chat(conversation)
        row = await database_sync_to_async(ActionRow.objects.select_related("message").get)(
            uuid=action_id, message__conversation=chat.conversation
        )
        return cls.from_row(row, chat)

    async def remove(self) -> None:
        """Hide this button in every open tab and on every later page load."""
        chat = self._chat or await resolve_chat(None)
        await removal.remove_actions(chat, [self.id])

    def remove_sync(self) -> None:
        """``remove()`` for sync code (views, commands, tasks), as ``Message.send_sync``."""
        bridge.twin(
            self.remove,
            lambda: removal.remove_actions_sync(self._chat or resolve_chat_sync(None), [self.id]),
        )
