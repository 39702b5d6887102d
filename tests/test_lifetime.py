"""A socket lives as long as its session: logout, login, flush and expiry close it (4401).

These run in one process (the in-memory layer); tests/test_live_sessions.py
shows the same across real daphne processes on Redis.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from pytest_django.fixtures import Settings

from chatactions import lifetime
from chatactions.models import Conversation

from .conftest import Callbacks, Chat, Socket, Visitor, holding, offer
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)

SESSION_ENDED = {"type": "websocket.close", "code": 4401}


async def closed(socket: Socket, timeout: float = 3) -> dict[str, Any]:
    """The close the socket got, skipping the frames that came before it."""
    while True:
        output: dict[str, Any] = await socket.comm.receive_output(timeout)
        if output["type"] == "websocket.close":
            return output


def log_in(visitor: Visitor, name: str = "ada") -> User:
    """Log in through the login page, as a browser does (with its session cookie)."""
    user = User.objects.create_user(name, password="pw", is_staff=True)
    visitor.client.get("/admin/login/")
    response = visitor.client.post("/admin/login/", {"username": name, "password": "pw"})
    assert response.status_code == 302, response.content
    return user


async def sockets_of(visitor: Visitor, conversation: Conversation, count: int) -> list[Socket]:
    sockets = [visitor.socket(conversation) for _ in range(count)]
    for socket in sockets:
        await socket.connect()
        await socket.request({"type": "sync", "after": None})  # joined: its sync is answered
    return sockets


async def test_logout_closes_every_tab_of_the_session_with_4401(visitor: Visitor) -> None:
    await sync_to_async(log_in)(visitor)
    conversation = await sync_to_async(visitor.start)()
    tabs = await sockets_of(visitor, conversation, 2)
    before = await asnapshot()
    await sync_to_async(visitor.client.post)("/admin/logout/")
    assert [await closed(tab) for tab in tabs] == [SESSION_ENDED, SESSION_ENDED]
    assert await asnapshot() == before


async def test_logout_leaves_the_sockets_of_other_sessions_of_the_user_open(
    visitor: Visitor,
) -> None:
    user = await sync_to_async(log_in)(visitor)
    conversation = await sync_to_async(visitor.start)()
    other_device = Visitor()
    await sync_to_async(other_device.client.force_login)(user)
    [mine] = await sockets_of(visitor, conversation, 1)
    [theirs] = await sockets_of(other_device, conversation, 1)
    await sync_to_async(visitor.client.post)("/admin/logout/")
    assert await closed(mine) == SESSION_ENDED
    _, ack = await theirs.request({"type": "message", "content": "still here"})
    assert ack["status"] == "ok"
    await theirs.close()


async def test_login_closes_the_anonymous_sockets_of_that_session(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    copied = Visitor()  # a second browser holding a copy of the anonymous cookie
    copied.client.cookies["sessionid"] = visitor.client.cookies["sessionid"].value
    [own] = await sockets_of(visitor, conversation, 1)
    [copy] = await sockets_of(copied, conversation, 1)
    before = await asnapshot()
    await sync_to_async(log_in)(visitor)
    assert await closed(own) == SESSION_ENDED
    assert await closed(copy) == SESSION_ENDED
    after = await asnapshot()
    assert after["messages"] == before["messages"] and after["clicks"] == before["clicks"]
    # The page's reload then opens the conversation, now the user's, with the new cookie.
    [reloaded] = await sockets_of(visitor, conversation, 1)
    await reloaded.close()


async def test_a_socket_whose_session_ended_gets_no_more_broadcasts_or_answers(
    chat: Chat, callbacks: Callbacks
) -> None:
    visitor, conversation, socket = chat
    started, release = holding(callbacks, "slow")
    action_id = await offer(socket, conversation, "slow")
    await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 3)
    key = visitor.client.cookies["sessionid"].value
    await sync_to_async(lifetime.end_session)(key)
    assert await closed(socket) == SESSION_ENDED
    release.set()  # the running click finishes and is recorded, but tells this socket nothing
    await asyncio.sleep(0.2)
    assert await socket.comm.receive_nothing(0.2)


async def test_a_flushed_session_closes_its_socket_at_the_next_check(
    chat: Chat, settings: Settings
) -> None:
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.2}
    [socket] = await sockets_of(visitor, conversation, 1)
    await Session.objects.filter(session_key=visitor.client.cookies["sessionid"].value).adelete()
    assert await closed(socket) == SESSION_ENDED


async def test_sync_of_a_session_that_is_gone_closes_instead_of_resending_history(
    chat: Chat,
) -> None:
    visitor, _, socket = chat
    await Session.objects.filter(session_key=visitor.client.cookies["sessionid"].value).adelete()
    await socket.send({"type": "sync", "after": None})
    assert await socket.comm.receive_output(3) == SESSION_ENDED


@sync_to_async
def set_expiry(visitor: Visitor, seconds: int) -> None:
    session = visitor.client.session
    session.set_expiry(seconds)
    session.save()


async def test_an_expired_session_closes_its_socket_at_the_next_frame(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    await set_expiry(visitor, 1)
    [socket] = await sockets_of(visitor, conversation, 1)
    await asyncio.sleep(1.2)
    before = await asnapshot()
    await socket.send({"type": "message", "content": "after expiry"})
    assert await socket.comm.receive_output(3) == SESSION_ENDED
    assert await asnapshot() == before


async def test_a_session_whose_expiry_was_extended_keeps_its_socket(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    await set_expiry(visitor, 1)
    [socket] = await sockets_of(visitor, conversation, 1)
    await set_expiry(visitor, 600)  # the site kept the session alive meanwhile
    await asyncio.sleep(1.2)
    _, ack = await socket.request({"type": "message", "content": "still valid"})
    assert ack["status"] == "ok"
    await socket.close()


def test_group_names_hash_the_session_key() -> None:
    name = lifetime.group("abcdefghijklmnopqrstuvwxyz012345")
    assert "abcdefghijklmnop" not in name
    assert name.startswith("chatactions.session.") and len(name) < 100
    assert name == lifetime.group("abcdefghijklmnopqrstuvwxyz012345")
    assert name != lifetime.group("abcdefghijklmnopqrstuvwxyz012346")


async def test_a_check_that_fails_closes_nothing_and_the_next_one_runs(
    chat: Chat,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.1}
    failures: list[int] = []
    real = lifetime.still_speaks_for

    def database_down_once(*args: Any) -> bool:
        if not failures:
            failures.append(1)
            raise ConnectionError("database is down")
        return real(*args)

    [socket] = await sockets_of(visitor, conversation, 1)
    monkeypatch.setattr(lifetime, "still_speaks_for", database_down_once)
    await asyncio.sleep(0.5)
    _, ack = await socket.request({"type": "message", "content": "still open"})
    assert ack["status"] == "ok" and failures == [1]
    assert "could not check a socket's session" in caplog.text
    await socket.close()


async def test_with_the_cache_session_engine_a_session_gone_from_the_cache_closes(
    settings: Settings,
) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.2}
    visitor = Visitor()
    conversation = await sync_to_async(visitor.start)()
    [socket] = await sockets_of(visitor, conversation, 1)
    session = await sync_to_async(lambda: visitor.client.session)()
    await sync_to_async(session.delete)()
    assert await closed(socket) == SESSION_ENDED


async def test_a_changed_password_closes_the_sockets_of_the_users_other_sessions(
    visitor: Visitor, settings: Settings
) -> None:
    user = await sync_to_async(log_in)(visitor)
    conversation = await sync_to_async(visitor.start)()
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.2}
    [socket] = await sockets_of(visitor, conversation, 1)

    def change_password() -> None:  # elsewhere, without update_session_auth_hash
        user.set_password("new")
        user.save()

    await sync_to_async(change_password)()
    assert await closed(socket) == SESSION_ENDED
