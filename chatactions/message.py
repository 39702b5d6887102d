"""``Message``: what the bot (or the user) says, with optional buttons and at most one form."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from . import bridge
from .action import Action
from .context import Chat, ConversationRef, resolve_chat, resolve_chat_sync
from .core import messages, removal
from .core.drafts import MessageDraft
from .core.streams import Stream
from .exceptions import MessageError, MessageTypeError
from .form import Form
from .models import Message as MessageRow
from .storable import length_problem, text_problem


class Message:
    """A chat message. ``await Message("Hi", actions=[...]).send()`` posts it.

    Content is Markdown, drawn as sanitised HTML. Inside a handler or callback
    the conversation is implicit; elsewhere pass ``conversation=`` (a
    ``Conversation``, its uuid, or a ``Chat``). With ``exclusive=True`` the first
    click on any of its buttons removes them all. ``form=Form(...)`` adds a
    Django form, drawn below the content and beside any buttons (one form per
    message). Each async method has a
    ``*_sync`` twin for sync code (views, management commands, tasks).
    """

    awaiting = False
    awaits_reply = False

    def __init__(
        self,
        content: str = "",
        actions: Sequence[Action] = (),
        author: str | None = None,
        *,
        exclusive: bool = False,
        form: Form | None = None,
        conversation: ConversationRef | None = None,
    ) -> None:
        self.content = content
        self.actions = list(actions)
        self.form = form
        self.author = author
        self.exclusive = exclusive
        self.id: uuid.UUID = uuid.uuid4()
        self.from_user = False
        self._conversation = conversation
        self._sent = False
        self._stream: Stream | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.content[:30]!r}>"

    @classmethod
    def from_row(cls, row: MessageRow, chat: Chat) -> Message:
        """A saved message as handlers receive it (``on_message`` gets the user's)."""
        message = cls(row.content, author=row.author, conversation=chat)
        message.id = row.uuid
        message.from_user = row.from_user
        message._sent = True  # its row exists: streaming into it resumes it
        return message

    def draft(self, *, from_user: bool = False, stream: str = "") -> MessageDraft:
        """This message and its buttons checked and frozen, before anything is saved.

        Every button is checked first, then the message's own fields, so a bad
        one raises (``ActionError``, ``MessageError``: both ``InvalidMessage``)
        and leaves no half-written message behind.
        """
        if any(isinstance(action, Form) for action in self.actions):
            raise MessageError("A form goes in Message(form=...), not among its actions.")
        if self.form is not None and not isinstance(self.form, Form):
            raise MessageTypeError(f"Message form must be a ca.Form, not {type(self.form)}.")
        actions = tuple(action.draft() for action in self._answerable())
        if not isinstance(self.content, str):
            raise MessageTypeError(f"Message content must be a string, not {type(self.content)}.")
        for field in ("content", "author"):
            value = getattr(self, field)
            if value and (problem := text_problem(value)) is not None:
                raise MessageError(f"Message {field} {problem}.")
        if self.author and (problem := length_problem(MessageRow, "author", self.author)):
            raise MessageError(f"Message author {problem}.")
        return MessageDraft(
            id=self.id,
            content=self.content,
            author=self.author or "",
            from_user=from_user or self.from_user,
            exclusive=self.exclusive,
            awaiting=self.awaiting,
            awaits_reply=self.awaits_reply,
            actions=actions,
            stream=stream,
        )

    async def _chat(self) -> Chat:
        chat = await resolve_chat(self._conversation)
        self._conversation = chat
        return chat

    def _chat_sync(self) -> Chat:
        chat = resolve_chat_sync(self._conversation)
        self._conversation = chat
        return chat

    def _answerable(self) -> list[Action]:
        """The buttons, then the form: one kind of row, saved together."""
        return [*self.actions, *([self.form] if self.form is not None else [])]

    def _bind(self, chat: Chat) -> None:
        for action in self._answerable():
            action.for_id = self.id
            action._chat = chat

    async def stream_token(self, token: str) -> None:
        """Add ``token`` to the content, shown in every tab as it comes (as Chainlit's).

        The first token saves the message, drawn "streaming" and escaped; the
        text so far is saved every ``STREAM_SAVE_INTERVAL`` seconds. ``send()``
        (or ``update()``, if ``send()`` came first) ends the stream: the full
        text saved, drawn as Markdown, with its buttons.
        """
        if not isinstance(token, str):
            raise MessageTypeError(f"A streamed token must be a string, not {type(token)}.")
        if token and (problem := text_problem(token)) is not None:
            raise MessageError(f"Streamed token {problem}.")
        if self._stream is None and not self._sent:
            self.content += token  # the first token is in the row from the start
            self._stream = await Stream.start(await self._chat(), self.draft(stream="streaming"))
            self._sent = True
            return
        if self._stream is None:
            self._stream = await Stream.resume(await self._chat(), self.id)
            if self._stream is None:
                return  # removed meanwhile: nothing to stream into
        self.content += token
        await self._stream.push(token)

    async def send(self) -> Message:
        """Save the message and its buttons, then show it in every open tab.

        After ``stream_token()`` this is the stream's end instead.
        """
        chat = await self._chat()
        draft = self.draft()
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.finish(draft)
        else:
            await messages.send_message(chat, draft)
            self._sent = True
        self._bind(chat)
        return self

    async def update(self) -> bool:
        """Save new ``content``/``author`` and make ``actions`` its buttons, in every tab.

        Buttons kept from before keep their ids (and their claims); buttons no
        longer listed are removed. Returns false if the message was removed.
        """
        chat = await self._chat()
        draft = self.draft()
        stream, self._stream = self._stream, None
        if stream is not None:
            updated = await stream.finish(draft)
        else:
            updated = await messages.update_message(chat, draft)
        self._bind(chat)
        return updated

    async def remove(self) -> None:
        """Remove the message, with its buttons, from every tab and later page loads."""
        await removal.remove_message(await self._chat(), self.id)

    async def remove_actions(self) -> None:
        """Remove all of this message's buttons at once, in every tab."""
        await removal.remove_message_actions(await self._chat(), self.id)

    # The sync twins save in the caller's thread and transaction, then hand the
    # frames to the channel layer once it commits (``bridge``: one event loop and
    # one layer connection per process). In a thread that runs an event loop they
    # refuse as ``async_to_sync`` does; a stream lives on its loop, so ending one
    # goes there.

    def send_sync(self) -> Message:
        """``send()`` for sync code (views, management commands, tasks)."""

        def here() -> Message:
            chat = self._chat_sync()
            messages.send_message_sync(chat, self.draft())
            self._sent = True
            self._bind(chat)
            return self

        return bridge.twin(self.send, here, away=self._stream is not None)

    def update_sync(self) -> bool:
        """``update()`` for sync code."""

        def here() -> bool:
            chat = self._chat_sync()
            updated = messages.update_message_sync(chat, self.draft())
            self._bind(chat)
            return updated

        return bridge.twin(self.update, here, away=self._stream is not None)

    def remove_sync(self) -> None:
        """``remove()`` for sync code."""
        bridge.twin(self.remove, lambda: removal.remove_message_sync(self._chat_sync(), self.id))

    def remove_actions_sync(self) -> None:
        """``remove_actions()`` for sync code."""
        bridge.twin(
            self.remove_actions,
            lambda: removal.remove_message_actions_sync(self._chat_sync(), self.id),
        )
