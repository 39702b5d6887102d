"""One sweeper per event loop checks every open socket: sessions ended elsewhere, places renewed.

The sockets here share the test's event loop, as a daphne's sockets share
its one loop; each check is what a socket's own watcher task used to do.
"""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from pytest_django.fixtures import Settings

from chatactions import caps, lifetime, sweep

from .conftest import Visitor
from .test_caps import TOO_MANY, opened
from .test_lifetime import SESSION_ENDED, closed, sockets_of

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_session_ended_elsewhere_closes_its_sockets_and_no_other(
    settings: Settings,
) -> None:
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.2}
    ended, kept = Visitor(), Visitor()
    theirs = await sockets_of(ended, await sync_to_async(ended.start)(), 4)
    others = await sockets_of(kept, await sync_to_async(kept.start)(), 4)
    # Logged out by other code, without the signal: only the checks can notice.
    key = ended.client.cookies["sessionid"].value
    await Session.objects.filter(session_key=key).adelete()
    assert [await closed(s, timeout=1) for s in theirs] == [SESSION_ENDED] * 4
    for socket in others:
        _, ack = await socket.request({"type": "message", "content": "still here"})
        assert ack["status"] == "ok"
        await socket.close()


async def test_every_open_socket_keeps_its_place_past_many_leases(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"MAX_SOCKETS_PER_CONVERSATION": 3, "SOCKET_CHECK_INTERVAL": 0.2}
    conversation = await sync_to_async(visitor.start)()
    sockets = [visitor.socket(conversation) for _ in range(3)]
    assert [await opened(s) for s in sockets] == [None] * 3
    await asyncio.sleep(2 * caps.lease_seconds() + 0.3)  # two leases, ten checks
    assert await opened(visitor.socket(conversation)) == TOO_MANY
    await sockets[0].close()  # its place is given back, and no longer renewed
    again = visitor.socket(conversation)
    assert await opened(again) is None
    for socket in [again, *sockets[1:]]:
        _, ack = await socket.request({"type": "sync", "after": None})
        assert ack["status"] == "ok"
        await socket.close()


async def test_a_closed_socket_is_checked_no_more_and_the_sweeper_ends_with_the_last(
    visitor: Visitor, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 0.1}
    checks: list[str] = []
    real = lifetime.still_speaks_for

    def counted(session_key: str, requester: Any) -> bool:
        checks.append(session_key)
        return real(session_key, requester)

    monkeypatch.setattr(lifetime, "still_speaks_for", counted)
    conversation = await sync_to_async(visitor.start)()
    [one, two] = await sockets_of(visitor, conversation, 2)
    await asyncio.sleep(0.5)
    assert len(checks) >= 6  # both, every interval after the first
    await one.close()
    await two.close()
    await asyncio.sleep(0.15)  # a check already under way finishes
    assert sweep.sweeper().task is None
    seen = len(checks)
    await asyncio.sleep(0.4)
    assert len(checks) == seen


async def test_sockets_opened_together_are_first_checked_apart(
    visitor: Visitor, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CHATACTIONS = {"SOCKET_CHECK_INTERVAL": 2}
    loop = asyncio.get_running_loop()
    times: list[float] = []
    real = lifetime.still_speaks_for

    def timed(session_key: str, requester: Any) -> bool:
        times.append(loop.time())
        return real(session_key, requester)

    monkeypatch.setattr(lifetime, "still_speaks_for", timed)
    conversation = await sync_to_async(visitor.start)()
    opened_at = loop.time()
    sockets = await sockets_of(visitor, conversation, 10)
    synced = len(times)  # each sync checks the session too
    await asyncio.sleep(2.3)
    # Each first check at a random 0.5 to 1 of the interval (a wake is at most 1/20 late).
    checked = times[synced:]
    assert len(checked) == 10
    assert all(0.9 <= t - opened_at <= 2.3 for t in checked)
    assert max(checked) - min(checked) >= 0.2  # spread, not all at once
    for socket in sockets:
        await socket.close()


def test_an_event_loop_whose_sockets_closed_is_not_kept_by_its_sweeper() -> None:
    class Idle:
        async def check(self) -> None:
            pass

    async def open_and_close() -> bool:
        socket, sweeper = Idle(), sweep.sweeper()
        sweeper.add(socket)
        await asyncio.sleep(0)
        sweeper.discard(socket)
        for _ in range(3):
            await asyncio.sleep(0)
        return sweeper.task is None

    loop = asyncio.new_event_loop()
    assert loop.run_until_complete(open_and_close())  # the sweeper ended with its last socket
    loop.close()
    gone = weakref.ref(loop)
    del loop
    gc.collect()
    assert gone() is None
