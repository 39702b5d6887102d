"""The conversation a handler or callback runs in, implicit as in Chainlit.

The dispatcher sets ``current_chat`` around every handler and callback, so
``Message(...).send()`` needs no conversation argument there. Code outside a
handler (a view, a task) names the conversation instead.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from channels.db import database_sync_to_async

from .exceptions import NoChatContext
from .models import Conversation
from .owners import Requester
from .titles import set_title


@dataclass(frozen=True)
class Chat:
    """One conversation and, inside a handler, the requester who caused it to run."""

    conversation: Conversation
    requester: Requester | None = None

    @property
    def group(self) -> str:
        """The channel-layer group every open tab of this conversation listens on."""
        return group_name(self.conversation)

    @property
    def id(self) -> str:
        """The conversation's uuid as text, as the browser knows it."""
        return str(self.conversation.uuid)

    async def set_title(self, title: str) -> None:
        """Name the conversation in its owner's history: the handler knows what it is about.

        An empty title gives the history's default back (the first user
        message); a title over 200 characters raises ``ValueError``.
        """
        await database_sync_to_async(self.set_title_sync)(title)

    def set_title_sync(self, title: str) -> None:
        """``set_title`` for plain ``def`` callbacks and views."""
        set_title(self.conversation, title)


#: What API calls accept to name a conversation outside a handler.
ConversationRef = Conversation | Chat | uuid.UUID | str


def group_name(conversation: Conversation) -> str:
    """The channel-layer group of a conversation: every tab of it joins this."""
    return f"chatactions.{conversation.uuid.hex}"


_current: ContextVar[Chat | None] = ContextVar("chatactions_chat", default=None)


def current_chat() -> Chat:
    """The chat of the running handler, or a clear error outside one."""
    chat = _current.get()
    if chat is None:
        raise NoChatContext(
            "No current conversation: this runs outside a chatactions handler or callback. "
            "Pass conversation=... to name the conversation explicitly."
        )
    return chat


@contextmanager
def chat_context(chat: Chat) -> Iterator[Chat]:
    """Make ``chat`` the current one while a handler runs (``current_chat()``)."""
    token = _current.set(chat)
    try:
        yield chat
    finally:
        _current.reset(token)


def _given(conversation: ConversationRef | None) -> Chat | uuid.UUID | str:
    """The chat a reference names without a lookup (the current one, or one given), or its key."""
    if conversation is None:
        return current_chat()
    if isinstance(conversation, Conversation):
        return Chat(conversation)
    return conversation


async def resolve_chat(conversation: ConversationRef | None) -> Chat:
    """The chat an API call speaks to: the one named, or the current one.

    A conversation named by its uuid is looked up (``Conversation.DoesNotExist``
    if there is none); a ``Conversation`` or ``Chat`` is used as it is.
    """
    given = _given(conversation)
    if isinstance(given, Chat):
        return given
    return Chat(await database_sync_to_async(Conversation.objects.get)(uuid=given))


def resolve_chat_sync(conversation: ConversationRef | None) -> Chat:
    """``resolve_chat`` for sync code: the lookup, if any, in the caller's thread."""
    given = _given(conversation)
    return given if isinstance(given, Chat) else Chat(Conversation.objects.get(uuid=given))
