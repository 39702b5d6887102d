"""``Message``: what the bot (or the user) says, with optional buttons."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .action import Action
from .context import Chat, resolve_chat

if TYPE_CHECKING:
    from .models import Conversation
    from .models import Message as MessageRow


class Message:
    """A chat message. ``await Message("Hi", actions=[...]).send()`` posts it.

    With ``exclusive=True`` the first click on any of its buttons removes them all.

    Inside a handler or callback the conversation is implicit; elsewhere pass
    ``conversation=`` (a ``Conversation``) to say where it goes.
    """

    def __init__(
        self,
        content: str = "",
        actions: Sequence[Action] = (),
        author: str | None = None,
        *,
        exclusive: bool = False,
        conversation: Conversation | Chat | None = None,
    ) -> None:
        self.content = content
        self.actions = list(actions)
        self.author = author
        self.exclusive = exclusive
        self.id: uuid.UUID = uuid.uuid4()
        self.from_user = False
        self._conversation = conversation

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.content[:30]!r}>"

    @classmethod
    def from_row(cls, row: MessageRow, chat: Chat) -> Message:
        """The user's message as an ``on_message`` handler receives it."""
        message = cls(row.content, author=row.author, conversation=chat)
        message.id = row.uuid
        message.from_user = row.from_user
        return message

    async def send(self) -> Message:
        """Save the message and its buttons, then show it in every open tab."""
        from .emitter import send_message

        chat = resolve_chat(self._conversation)
        await send_message(chat, self)
        for action in self.actions:
            action.for_id = self.id
            action._chat = chat
        return self
