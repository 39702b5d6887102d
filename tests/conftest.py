"""Shared helpers: a visitor with a session, and sockets that speak protocol v1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from django.utils import translation

import chatactions as ca
from chatactions.models import Conversation
from chatactions.registry import default_registry
from project.asgi import application

ORIGIN = b"http://localhost"

Callbacks = Callable[[str], Callable[[Any], Any]]
"""The ``callbacks`` fixture: ``@callbacks(name)`` registers a callback for one test."""


@dataclass
class Visitor:
    """A browser: a Django test client whose session cookie the sockets reuse."""

    client: Client = field(default_factory=Client)

    def start(self) -> Conversation:
        """A new conversation, as the "New chat" button starts one (``GET /chat/`` reopens)."""
        response = self.client.post("/chat/")
        assert response.status_code == 302, response
        conversation_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        return Conversation.objects.get(uuid=conversation_id)

    @property
    def cookie(self) -> bytes:
        return f"sessionid={self.client.cookies['sessionid'].value}".encode()

    def socket(
        self, conversation: Conversation | str, origin: bytes | None = ORIGIN, tasks: bool = False
    ) -> Socket:
        uuid = conversation.uuid if isinstance(conversation, Conversation) else conversation
        headers = [(b"cookie", self.cookie), (b"host", b"localhost")]
        if origin is not None:
            headers.append((b"origin", origin))
        communicator = WebsocketCommunicator(application, f"/ws/chat/{uuid}/", headers=headers)
        return Socket(communicator, tasks=tasks)


class Socket:
    """A WebsocketCommunicator with protocol-level helpers.

    ``task.start``/``task.end`` frames surround every handler; a test that is
    not about them asks for a socket without them (``tasks=False``).
    """

    def __init__(self, communicator: WebsocketCommunicator, tasks: bool = False) -> None:
        self.comm = communicator
        self.refs = 0
        self.tasks = tasks
        self.held: list[dict[str, Any]] = []  # read by nothing_more, not yet received

    async def connect(self) -> None:
        connected, code = await self.comm.connect(timeout=5)  # a hang guard on a busy machine
        assert connected, code

    async def send(self, frame: dict[str, Any]) -> str:
        if "ref" not in frame:
            self.refs += 1
            frame = {**frame, "ref": f"r{self.refs}"}
        await self.comm.send_to(text_data=json.dumps(frame))
        return str(frame["ref"])

    async def send_raw(self, text: str | None = None, data: bytes | None = None) -> None:
        await self.comm.send_to(text_data=text, bytes_data=data)

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        if self.held:
            return self.held.pop(0)
        while True:
            frame = dict(json.loads(await self.comm.receive_from(timeout)))
            if self.tasks or not str(frame.get("type")).startswith("task."):
                return frame

    async def until_ack(
        self, ref: str, timeout: float = 3
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Frames received before the ack of ``ref``, and that ack."""
        frames: list[dict[str, Any]] = []
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == "ack" and frame["ref"] == ref:
                return frames, frame
            frames.append(frame)

    async def request(self, frame: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.until_ack(await self.send(frame))

    async def nothing_more(self) -> bool:
        """Whether no frame but task frames (unless asked for) waits; leaves one for receive."""
        if self.held:
            return False
        # A timed-out receive would cancel the application: read only what is queued.
        while not await self.comm.receive_nothing(timeout=0.2):
            frame = dict(json.loads(await self.comm.receive_from()))
            if self.tasks or not str(frame.get("type")).startswith("task."):
                self.held.append(frame)
                return False
        return True

    async def close(self) -> None:
        await self.comm.disconnect()


Chat = tuple[Visitor, Conversation, Socket]
"""The ``chat`` fixture: a visitor, their started conversation and one open socket."""


@pytest.fixture(autouse=True)
def fresh_budgets() -> None:
    """Budgets and socket caps live in the cache: each test starts with full ones."""
    cache.clear()


@pytest.fixture(autouse=True)
def site_language() -> Iterator[None]:
    """Each test ends in the site's language.

    The test client runs a request in the test's own thread, and the
    ``LocaleMiddleware`` activates the request's language there and leaves it:
    a French page would otherwise make the next test's Django messages French.
    """
    yield
    translation.deactivate()


@pytest.fixture
def visitor() -> Visitor:
    return Visitor()


@pytest.fixture
def avisitor() -> Callable[[], Any]:
    """Async-friendly wrappers: the test client is sync code."""
    return sync_to_async


@pytest.fixture
def callbacks() -> Iterator[Callbacks]:
    """Register action callbacks on the default registry for one test only."""
    names: list[str] = []

    def register(name: str) -> Callable[[Any], Any]:
        names.append(name)
        return default_registry.action_callback(name)

    yield register
    for name in names:
        default_registry.unregister(name)


@pytest.fixture
async def chat(visitor: Visitor) -> AsyncIterator[Chat]:
    """A started conversation with one open socket; the greeting is drained."""
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    yield visitor, conversation, socket
    await socket.close()


async def offer(socket: Socket, conversation: Conversation, name: str) -> str:
    """Send a message with one button ``name``; its id, once the socket has the message."""
    message = await ca.Message("x", actions=[ca.Action(name)], conversation=conversation).send()
    await socket.receive()
    return str(message.actions[0].id)


def holding(callbacks: Callbacks, name: str) -> tuple[asyncio.Event, asyncio.Event]:
    """Register callback ``name``: it sets ``started`` when it runs, then waits for ``release``."""
    started, release = asyncio.Event(), asyncio.Event()

    @callbacks(name)
    async def held(action: Any) -> None:
        started.set()
        await release.wait()

    return started, release
