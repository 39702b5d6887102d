"""The socket's Origin is checked as Django's CSRF check checks a form's: scheme, host, port.

Channels' host-only check let pages on ``http://127.0.0.1:1``, ``https://127.0.0.1``
and ``http://localhost:1`` open a socket with the visitor's cookies and save a
message. Each is refused here at the handshake, before any row is written,
through the communicator and through a real daphne process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.models import Session
from pytest_django.fixtures import Settings
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from chatactions.models import Conversation
from chatactions.origins import SiteOriginValidator
from chatactions.routing import websocket_application

from .conftest import Socket, Visitor
from .rows import asnapshot
from .servers import Browser, Daphne, open_tab, sqlite_database

pytestmark = pytest.mark.django_db(transaction=True)


def handshake(
    visitor: Visitor, conversation: Conversation, host: bytes, origin: bytes, **scope: Any
) -> Socket:
    headers = [(b"cookie", visitor.cookie), (b"host", host), (b"origin", origin)]
    comm = WebsocketCommunicator(
        websocket_application(), f"/ws/chat/{conversation.uuid}/", headers=headers
    )
    comm.scope.update(scope)  # the communicator has no argument for a scheme
    return Socket(comm)


async def refused(socket: Socket) -> bool:
    before = await asnapshot(), await Session.objects.acount()
    connected, _ = await socket.comm.connect(timeout=5)  # daphne makes the refusal a 403
    assert (await asnapshot(), await Session.objects.acount()) == before
    return connected is False


@pytest.mark.parametrize(
    "origin",
    [
        "http://localhost:1",  # another port
        "https://localhost",  # another scheme
        "http://localhost:80",  # an origin a browser never sends: Django compares exactly
        "http://127.0.0.1",  # another host, allowed too, but not this socket's
        "http://evil.example",
        "http://localhost.evil.example",
        "null",  # a sandboxed frame or a file
    ],
)
async def test_an_origin_other_than_the_sites_is_refused_before_anything_is_written(
    visitor: Visitor, origin: str
) -> None:
    conversation = await sync_to_async(visitor.start)()
    assert await refused(handshake(visitor, conversation, b"localhost", origin.encode()))


@pytest.mark.parametrize(
    ("host", "origin"),
    [("localhost", "http://localhost"), ("127.0.0.1:8123", "http://127.0.0.1:8123")],
)
async def test_the_sites_own_origin_opens_the_socket(
    visitor: Visitor, host: str, origin: str
) -> None:
    conversation = await sync_to_async(visitor.start)()
    socket = handshake(visitor, conversation, host.encode(), origin.encode())
    await socket.connect()
    _, ack = await socket.request({"type": "message", "content": "hello"})
    assert ack["status"] == "ok"
    await socket.close()


@pytest.mark.parametrize(
    "trusted", [["https://chat.example.com"], ["https://*.example.com"]], ids=["exact", "wildcard"]
)
async def test_a_trusted_origin_opens_the_socket(
    visitor: Visitor, settings: Settings, trusted: list[str]
) -> None:
    settings.CSRF_TRUSTED_ORIGINS = trusted
    conversation = await sync_to_async(visitor.start)()
    socket = handshake(visitor, conversation, b"localhost", b"https://chat.example.com")
    await socket.connect()
    await socket.close()
    assert await refused(
        handshake(visitor, conversation, b"localhost", b"http://chat.example.com")
    )


async def test_allowed_hosts_are_read_at_each_handshake_not_at_import(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = await sync_to_async(visitor.start)()
    same = (b"chat.example", b"http://chat.example")
    assert await refused(handshake(visitor, conversation, *same))  # not in ALLOWED_HOSTS
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "chat.example"]
    socket = handshake(visitor, conversation, *same)
    await socket.connect()
    await socket.close()


def scope(origin: str | None, host: str = "localhost", **extra: Any) -> dict[str, Any]:
    headers = [(b"host", host.encode())] + (
        [] if origin is None else [(b"origin", origin.encode())]
    )
    return {"type": "websocket", "path": "/ws/", "headers": headers, **extra}


def allows(scope: dict[str, Any]) -> bool:
    return SiteOriginValidator(None).allows(scope)


def test_wss_means_https_and_ws_or_no_scheme_means_http() -> None:
    assert allows(scope("https://localhost", scheme="wss"))
    assert not allows(scope("http://localhost", scheme="wss"))
    assert allows(scope("http://localhost", scheme="ws")) and allows(scope("http://localhost"))
    assert not allows(scope("https://localhost"))


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_as_for_a_page(settings: Settings) -> None:
    forwarded = [(b"x-forwarded-proto", b"https")]
    https_page = scope("https://localhost")
    https_page["headers"] += forwarded
    assert not allows(https_page)  # without the setting, the header is not trusted
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert allows(https_page)
    http_page = scope("http://localhost")
    http_page["headers"] += forwarded
    assert not allows(http_page)


def test_a_refusal_that_is_only_the_scheme_says_to_set_the_proxy_header(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert not allows(scope("https://localhost"))
    assert "expected http://localhost" in caplog.text
    assert "SECURE_PROXY_SSL_HEADER" in caplog.text


def test_a_handshake_without_origin_is_refused() -> None:
    """Browsers always send one; other clients can send the site's (docs/security.md)."""
    assert not allows(scope(None))


def test_a_handshake_without_host_falls_back_to_the_server_address(settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["10.0.0.5"]
    bare = {"type": "websocket", "headers": [(b"origin", b"http://10.0.0.5:8001")]}
    assert allows({**bare, "server": ("10.0.0.5", 8001)})
    assert not allows(bare)


def test_other_connection_types_pass_through() -> None:
    seen = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async_to_sync(SiteOriginValidator(app))({"type": "http"}, None, None)
    assert seen == ["http"]


# Through a real daphne process -----------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[Daphne, str]]:
    with sqlite_database() as url:
        daphne = Daphne({"DATABASE_URL": url}).start()
        try:
            yield daphne, url.removeprefix("sqlite:///")
        finally:
            daphne.stop()


def rows(path: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every chatactions row and every session of the live site's database."""
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if name.startswith("chatactions_") or name == "django_session"
        ]
        return {t: db.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


@pytest.mark.parametrize(
    "origin", ["http://127.0.0.1:1", "https://127.0.0.1", "http://localhost:1"]
)
async def test_daphne_refuses_the_origins_of_the_report_and_nothing_is_saved(
    site: tuple[Daphne, str], origin: str
) -> None:
    server, database = site
    browser = Browser(server.url)
    conversation = browser.start()
    before = rows(database)
    args = {**browser.socket_args(conversation), "origin": origin}
    with pytest.raises(InvalidStatus) as refusal:
        async with connect(**args, open_timeout=15) as ws:
            await ws.send('{"type": "message", "content": "hijacked", "ref": "x"}')
    assert refusal.value.response.status_code == 403
    assert rows(database) == before
    assert "hijacked" not in str(before)


async def test_daphne_opens_the_socket_of_the_sites_own_origin(site: tuple[Daphne, str]) -> None:
    server, _ = site
    browser = Browser(server.url)
    conversation = browser.start()
    assert browser.socket_args(conversation)["origin"] == f"http://127.0.0.1:{server.port}"
    async with open_tab(browser, conversation) as tab:
        _, ack = await tab.say("hello")
    assert ack["status"] == "ok"


def test_an_origin_that_is_not_even_a_url_is_refused(settings: Settings) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.example.com"]
    assert not allows(scope("http://[::1"))
