"""``Submission``: what a form callback receives, once the form's values are valid.

The values were checked by the form class on the server before the callback
was called (invalid ones run no callback); the payload is read back from the
database, as a button's is, so the browser can neither read nor forge it.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import bridge
from .context import Chat
from .core import removal
from .message import Message
from .models import Action as ActionRow


class Submission:
    """One valid answer to a form: ``cleaned_data``, ``payload``, ``files``, ``message``.

    ``files`` maps each file field to the name its upload was stored under
    in Django's default storage (open it with ``default_storage.open(name)``).
    ``remove()`` takes the form out of every tab (a form answered without
    error is removed anyway when its callback returns).
    """

    def __init__(
        self,
        row: ActionRow,
        chat: Chat,
        cleaned_data: dict[str, Any],
        files: dict[str, str] | None = None,
    ) -> None:
        self.id: uuid.UUID = row.uuid
        self.name = row.name
        self.payload: dict[str, Any] = row.payload
        self.cleaned_data = cleaned_data
        self.files: dict[str, str] = files or {}
        self.message = Message.from_row(row.message, chat)
        self._chat = chat

    def __repr__(self) -> str:
        return f"<Submission {self.name!r} {self.id}>"

    async def remove(self) -> None:
        """Take the form out of every open tab and every later page load."""
        await removal.remove_actions(self._chat, [self.id])

    def remove_sync(self) -> None:
        """``remove()`` for sync code (a plain ``def`` callback); as ``Message.send_sync``."""
        bridge.twin(self.remove, lambda: removal.remove_actions_sync(self._chat, [self.id]))
