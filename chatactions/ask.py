"""``AskActionMessage``, ``AskFormMessage``, ``AskUserMessage``: ask, then wait for the answer.

The public half of a question; the wait and the answer are the core's
(``core.asks``), which also runs on the process that receives the click.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django import forms

from . import formclass
from .action import Action
from .context import Chat, ConversationRef
from .core import asks, submissions
from .exceptions import AskTimeout
from .form import Form
from .message import Message
from .models import Action as ActionRow
from .models import Message as MessageRow

__all__ = ["AskActionMessage", "AskFormMessage", "AskTimeout", "AskUserMessage"]

logger = logging.getLogger(__name__)

#: The name an ``AskFormMessage``'s form carries: it is answered by its asker, not a callback.
ASK_FORM_NAME = "chatactions.ask"


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
        chat, row = await self._ask()
        if row is None or row.answer is None:
            return None
        return Action.from_row(row.answer, chat)

    async def _ask(self) -> tuple[Chat, MessageRow | None]:
        """Send, wait, settle: the answered question's row, or ``None`` (or ``AskTimeout``)."""
        chat = await self._chat()
        draft = self.draft()
        self._bind(chat)
        row = await asks.ask(chat, draft, self.timeout)
        if row is None and self.raise_on_timeout:
            raise AskTimeout(f"No answer to {self.content[:40]!r} within {self.timeout} s.")
        return chat, row


class _AskWithoutButtons(AskActionMessage):
    """An ask whose answer is not a click: only keyword options after the content."""

    def __init__(
        self,
        content: str,
        *,
        author: str | None = None,
        timeout: float = 90,
        raise_on_timeout: bool = False,
        conversation: ConversationRef | None = None,
    ) -> None:
        super().__init__(
            content,
            author=author,
            timeout=timeout,
            raise_on_timeout=raise_on_timeout,
            conversation=conversation,
        )


class AskUserMessage(_AskWithoutButtons):
    """``await AskUserMessage("What is your name?").send()`` returns the user's next message.

    The reply, a ``Message``, does not also go to ``on_message``. ``None`` (or
    ``AskTimeout``) when ``timeout`` seconds pass first.
    """

    awaits_reply = True

    async def send(self) -> Message | None:  # type: ignore[override]
        """Send the question and wait for the user's reply (or the timeout)."""
        chat, row = await self._ask()
        if row is None or row.reply is None:
            return None
        return Message.from_row(row.reply, chat)


class AskFormMessage(_AskWithoutButtons):
    """``await AskFormMessage("Where to?", ShippingForm).send()`` returns ``cleaned_data``.

    The form is validated on the server like any other; invalid values are
    answered with their errors and the question keeps waiting. ``None`` (or
    ``AskTimeout``) when ``timeout`` seconds pass first; the form leaves every
    tab either way. The answer may arrive on another process.

    A file field's value in the returned dict is the name its upload was
    stored under in Django's default storage (as ``Submission.files`` has
    it), or ``None`` when an optional one was left empty: the upload itself
    arrived on whichever process received the form, so it is handed over
    through the storage, not in memory.
    """

    def __init__(
        self,
        content: str,
        form_class: type[forms.BaseForm],
        *,
        initial: dict[str, Any] | None = None,
        submit_label: str = "Send",
        **options: Any,  # author, timeout, raise_on_timeout, conversation
    ) -> None:
        super().__init__(content, **options)
        self.form = Form(ASK_FORM_NAME, form_class, initial, submit_label=submit_label)

    async def send(self) -> dict[str, Any] | None:  # type: ignore[override]
        """Send the form and wait for valid values (or the timeout): their ``cleaned_data``."""
        _, row = await self._ask()
        answer = None if row is None else row.answer
        if answer is None or answer.submitted is None:
            return None
        return await sync_to_async(self._cleaned)(answer)

    def _cleaned(self, answer: ActionRow) -> dict[str, Any] | None:
        """Cleaned again here, from the values (and stored files) the answering process took."""
        submitted: dict[str, Any] = answer.submitted or {}
        stored: dict[str, str] = submitted.get("files") or {}
        with submissions.reopened(stored) as files:
            form = formclass.build(
                answer.form_class, answer.uuid, answer.initial, submitted["values"], files
            )
            if not form.is_valid():  # the form class changed between the two processes
                logger.error("chatactions: the answer to %s is no longer valid", self.id)
                return None
        data = dict(form.cleaned_data)
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                data[name] = stored.get(name)
        return data
