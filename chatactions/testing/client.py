"""The clients: ``AsyncChatClient`` for ``async def`` tests, ``ChatClient`` for plain ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Self
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils.module_loading import import_string

from .. import dispatch, owners, protocol
from ..models import ActionClick, Conversation
from ..registry import get_registry
from .frames import Answer, Button, ChatMessage

CLOSE_REASONS = {
    protocol.CLOSE_FORBIDDEN: "the visitor is not logged in and ALLOW_ANONYMOUS is False",
    protocol.CLOSE_NOT_FOUND: "no such conversation, or it is not this requester's",
}


class AsyncChatClient:
    """One conversation seen through the socket, for ``async def`` tests."""

    def __init__(
        self,
        conversation: Conversation | UUID | str,
        cookies: dict[str, str],
        *,
        application: Any = None,
        host: str = "testserver",
        timeout: float = 5,
    ) -> None:
        uuid = conversation.uuid if isinstance(conversation, Conversation) else conversation
        self.conversation_id = str(uuid)
        self.cookies = cookies
        self.application = application
        self.host = host
        self.timeout = timeout
        self.messages: list[ChatMessage] = []
        self._refs = 0

    @classmethod
    async def start(cls, app: str = "default", *, user: Any = None, **options: Any) -> Self:
        """Start a conversation of chat ``app`` as ``user`` (or a new anonymous visitor).

        Runs the app's ``on_chat_start``, as ``GET /chat/`` does, then reads the
        conversation as a freshly opened tab: ``messages`` holds the greeting.
        """
        get_registry(app)  # a misspelt app fails here, as in StartChatView, before any row
        cookies, requester = await database_sync_to_async(_log_in)(user)
        conversation = await dispatch.start_conversation(requester, app)
        client = cls(conversation, cookies, **options)
        await client.refresh()
        return client

    @property
    def last(self) -> ChatMessage:
        """The newest message, where a test usually looks for the bot's answer."""
        if not self.messages:
            raise AssertionError("the conversation has no messages")
        return self.messages[-1]

    async def refresh(self) -> None:
        """Read the conversation again, as a tab that reconnects (messages sent meanwhile)."""
        await self._exchange(None)

    async def write(self, text: str, *, expect: str | None = protocol.OK) -> Answer:
        """Write ``text`` in the message box; the answer must be ``expect`` (None: anything)."""
        return await self.request(
            {"type": "message", "content": text}, expect, f"writing {text!r}"
        )

    async def click(
        self, label: str, *, message: ChatMessage | None = None, expect: str | None = protocol.OK
    ) -> Answer:
        """Click the button labelled ``label`` in ``message`` (by default the last one)."""
        button = self.button(label, message)
        return await self.request(
            {"type": "action", "id": button.id}, expect, f"clicking {label!r}"
        )

    def button(self, label: str, message: ChatMessage | None = None) -> Button:
        """The button labelled ``label``, or a failure that says which buttons there are."""
        where = "the last message" if message is None else f"message {message.text!r}"
        message = message or self.last
        found = [button for button in message.buttons if button.label == label]
        if not found:
            offered = ", ".join(repr(b) for b in message.labels) or "no buttons"
            raise AssertionError(f"no button {label!r} in {where}; it has {offered}")
        return found[0]

    async def request(
        self, frame: dict[str, Any], expect: str | None = protocol.OK, what: str = "the frame"
    ) -> Answer:
        """Send any client frame and read until its ``ack``: the base of every action above."""
        answer = await self._exchange(frame)
        assert answer is not None
        if expect is not None and answer.status != expect:
            failed_click = frame["type"] == "action" and answer.status == protocol.ERROR
            raise AssertionError(
                f"{what} answered {answer.status!r} ({answer.detail}), expected {str(expect)!r}"
                + (await database_sync_to_async(self._last_error)() if failed_click else "")
            )
        return answer

    async def _exchange(self, frame: dict[str, Any] | None) -> Answer | None:
        """Open a socket, ``sync``, send ``frame`` (if any), read its ack, close."""
        socket = WebsocketCommunicator(
            self.application or import_string(settings.ASGI_APPLICATION),
            f"/ws/chat/{self.conversation_id}/",
            headers=[
                (b"host", self.host.encode()),
                (b"origin", f"http://{self.host}".encode()),
                (b"cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()).encode()),
            ],
        )
        connected, code = await socket.connect(self.timeout)
        if not connected:
            await socket.wait(self.timeout)
            raise AssertionError(
                f"the socket was refused ({code}): is the Origin http://{self.host} "
                "allowed by ALLOWED_HOSTS, and does ASGI_APPLICATION route /ws/chat/?"
            )
        try:
            sync = await self._until_ack(socket, {"type": "sync", "after": None})
            self.messages = sync.messages
            return None if frame is None else await self._until_ack(socket, frame)
        finally:
            await socket.disconnect()

    async def _until_ack(self, socket: WebsocketCommunicator, frame: dict[str, Any]) -> Answer:
        self._refs += 1
        ref = f"test{self._refs}"
        await socket.send_to(text_data=json.dumps({**frame, "ref": ref}))
        arrived: list[ChatMessage] = []
        while True:
            output = await socket.receive_output(self.timeout)
            if output["type"] == "websocket.close":
                code = output.get("code")
                raise AssertionError(f"the socket was closed ({code}): {CLOSE_REASONS.get(code)}")
            received = json.loads(output["text"])
            if received["type"] == "ack" and received.get("ref") == ref:
                return Answer(
                    received["status"], received.get("detail", ""), received.get("notice"), arrived
                )
            if frame["type"] == "sync" and received["type"] == "message":
                arrived.append(ChatMessage.from_frame(received))
            else:
                arrived.extend(self._apply(received))

    def _apply(self, frame: dict[str, Any]) -> list[ChatMessage]:
        """Change ``messages`` as ``chat.js`` changes the page; the new messages, if any."""
        kind, ident = frame["type"], frame.get("id")
        if kind in ("message", "message.update"):
            message = ChatMessage.from_frame(frame)
            index = next((i for i, m in enumerate(self.messages) if m.id == ident), None)
            if index is None:
                self.messages.append(message)
                return [message]
            self.messages[index] = message
        elif kind == "message.remove":
            self.messages = [m for m in self.messages if m.id != ident]
        elif kind == "action.remove":
            self.messages = [
                replace(m, buttons=tuple(b for b in m.buttons if b.id != ident))
                for m in self.messages
            ]
        return []

    def _last_error(self) -> str:
        """The newest recorded click error of this conversation, for a failure message."""
        click = (
            ActionClick.objects.filter(action__message__conversation__uuid=self.conversation_id)
            .exclude(error="")
            .order_by("-created_at")
            .first()
        )
        return f"; the last click's error: {click.error}" if click else ""


class ChatClient:
    """The same client for plain (sync) tests: each call runs on the test's own thread."""

    def __init__(
        self, conversation: Conversation | UUID | str, cookies: dict[str, str], **options: Any
    ) -> None:
        self.async_client = AsyncChatClient(conversation, cookies, **options)

    @classmethod
    def start(cls, app: str = "default", *, user: Any = None, **options: Any) -> ChatClient:
        """Start a conversation of ``app`` as ``user`` or a visitor (see ``AsyncChatClient``)."""
        started = async_to_sync(AsyncChatClient.start)(app, user=user, **options)
        client = cls(started.conversation_id, started.cookies, **options)
        client.async_client = started
        return client

    @property
    def messages(self) -> list[ChatMessage]:
        """Every message, oldest first, as the tab shows them after the last call."""
        return self.async_client.messages

    @property
    def last(self) -> ChatMessage:
        """The newest message."""
        return self.async_client.last

    def refresh(self) -> None:
        """Read the conversation again (messages sent meanwhile)."""
        async_to_sync(self.async_client.refresh)()

    def write(self, text: str, *, expect: str | None = protocol.OK) -> Answer:
        """Write ``text`` in the message box."""
        return self._run(self.async_client.write, text, expect=expect)

    def click(
        self, label: str, *, message: ChatMessage | None = None, expect: str | None = protocol.OK
    ) -> Answer:
        """Click the button labelled ``label`` (in the last message by default)."""
        return self._run(self.async_client.click, label, message=message, expect=expect)

    def button(self, label: str, message: ChatMessage | None = None) -> Button:
        """The button labelled ``label``, or a readable failure."""
        return self.async_client.button(label, message)

    def request(
        self, frame: dict[str, Any], expect: str | None = protocol.OK, what: str = "the frame"
    ) -> Answer:
        """Send any client frame and read its answer."""
        return self._run(self.async_client.request, frame, expect, what)

    @staticmethod
    def _run(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Answer:
        return async_to_sync(method)(*args, **kwargs)  # type: ignore[no-any-return]


def _log_in(user: Any) -> tuple[dict[str, str], owners.Requester]:
    """A session cookie for ``user`` (``None``: a new anonymous visitor), and who it speaks for."""
    client = Client()
    if user is not None:
        client.force_login(user)
    session = client.session
    if user is None:  # a visitor's id lives in their session, as GET /chat/ writes it
        owners.resolve(None, session, create=True)
        session.save()
    requester = owners.resolve(user, session)
    if requester is None:
        raise AssertionError("this visitor may not chat: ALLOW_ANONYMOUS is False; pass user=")
    name = settings.SESSION_COOKIE_NAME
    return {name: client.cookies[name].value}, requester
