"""``AskActionMessage``: send buttons and wait for the user's pick.

The public half of a question; the wait and the answer are the core's
(``core.asks``), which also runs on the process that receives the click.
"""

from __future__ import annotations

from collections.abc import Sequence

from .action import Action
from .context import ConversationRef
from .core import asks
from .exceptions import AskTimeout
from .message import Message

__all__ = ["AskActionMessage", "AskTimeout"]


class AskActionMessage(Message):
    """``await AskActionMessage("Continue?", actions=[...]).send()`` returns the pick.

    The result is the clicked ``Action`` (payload included), or ``None`` when
    ``timeout`` seconds pass first; with ``raise_on_timeout=True`` a timeout
    raises ``AskTimeout`` instead. Either way the buttons are removed in every
    tab, and nothing else is said: add your own message if you want one.
    """

    awaiting = True

    def __init__(
        self,
        content: str = "",
        actions: Sequence[Action] = (),
        author: str | None = None,
        *,
        timeout: float = 90,
        raise_on_timeout: bool = False,
        conversation: ConversationRef | None = None,
    ) -> None:
        super().__init__(content, actions, author, conversation=conversation)
        self.timeout = timeout
        self.raise_on_timeout = raise_on_timeout

    async def send(self) -> Action | None:  # type: ignore[override]
        """Send the question and wait for the pick (or the timeout)."""
        chat = await self._chat()
        draft = self.draft()
        self._bind(chat)
        row = await asks.ask(chat, draft, self.timeout)
        if row is None:
            if self.raise_on_timeout:
                raise AskTimeout(f"No answer to {self.content[:40]!r} within {self.timeout} s.")
            return None
        return Action.from_row(row, chat)
