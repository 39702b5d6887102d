"""A small persisted key-value store per conversation, like Chainlit's ``user_session``.

Chainlit keeps ``user_session`` in the memory of one process, so it is lost on
a restart and invisible to a second process. Here each key is a row, shared by
every process and kept as long as the conversation. Values must be
JSON-serialisable. Methods follow Django's naming: ``aget`` for async code,
``get`` for sync code (plain ``def`` callbacks, views).
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from .context import current_chat
from .models import Conversation, ConversationValue


class State:
    """The store of one conversation; ``ca.state`` is the current conversation's."""

    def __init__(self, conversation: Conversation | None = None) -> None:
        self._conversation = conversation

    @property
    def conversation(self) -> Conversation:
        """The named conversation, or the current one inside a handler."""
        return self._conversation or current_chat().conversation

    def get(self, key: str, default: Any = None) -> Any:
        """A key's value, or ``default``: kept across restarts, shared by every process."""
        rows = ConversationValue.objects.filter(conversation=self.conversation, key=key)
        values = list(rows.values_list("value", flat=True)[:1])
        return values[0] if values else default

    def has(self, key: str) -> bool:
        """Whether a key is set (its value may be ``None``)."""
        return ConversationValue.objects.filter(conversation=self.conversation, key=key).exists()

    def set(self, key: str, value: Any) -> None:
        """Store a JSON value under a key: a row per key, so other keys' writers are untouched."""
        ConversationValue.objects.update_or_create(
            conversation=self.conversation, key=key, defaults={"value": value}
        )

    def delete(self, key: str) -> None:
        """Forget a key."""
        ConversationValue.objects.filter(conversation=self.conversation, key=key).delete()

    def items(self) -> dict[str, Any]:
        """Every key and value, sorted by key."""
        rows = ConversationValue.objects.filter(conversation=self.conversation)
        return dict(rows.order_by("key").values_list("key", "value"))

    async def aget(self, key: str, default: Any = None) -> Any:
        """``get()`` for async code, in one database hop."""
        conversation = self.conversation  # resolved here: the context is this task's
        return await database_sync_to_async(State(conversation).get)(key, default)

    async def ahas(self, key: str) -> bool:
        """``has()`` for async code."""
        has: bool = await database_sync_to_async(State(self.conversation).has)(key)
        return has

    async def aset(self, key: str, value: Any) -> None:
        """``set()`` for async code."""
        await database_sync_to_async(State(self.conversation).set)(key, value)

    async def adelete(self, key: str) -> None:
        """``delete()`` for async code."""
        await database_sync_to_async(State(self.conversation).delete)(key)

    async def aitems(self) -> dict[str, Any]:
        """``items()`` for async code."""
        items: dict[str, Any] = await database_sync_to_async(State(self.conversation).items)()
        return items


#: The current conversation's store, inside a handler or callback.
state = State()
