"""What a busy process saves per task, and what it keeps: Stop, and ``task.start``.

The loop's one channel joins a conversation's stop group with its first task
and stays; these tests show a stop still reaches exactly the task running
when it is sent, and nothing of it lingers where it should not. ``task.start``
rides in the handler's first broadcast, or goes alone if the handler is quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.context import Chat
from chatactions.core import stops
from chatactions.models import ActionClick, RunningTask

from .conftest import Callbacks, Socket, Visitor, holding, offer
from .servers import private_redis

pytestmark = pytest.mark.django_db(transaction=True)


def group_of(conversation: Any) -> str:
    return f"chatactions.stop.{conversation.uuid.hex}"


def members(group: str) -> set[str]:
    """The channels in ``group`` of the in-memory layer the tests run on."""
    return set(get_channel_layer().groups.get(group, {}))


def clicked() -> list[str]:
    return list(ActionClick.objects.values_list("outcome", flat=True))


async def click(socket: Socket, action_id: str) -> dict[str, Any]:
    ref = await socket.send({"type": "action", "id": action_id})
    _, ack = await socket.until_ack(ref, timeout=5)
    return ack


async def start(visitor: Visitor, tasks: bool = False) -> tuple[Any, Socket]:
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation, tasks=tasks)
    await socket.connect()
    return conversation, socket


async def held_click(
    visitor: Visitor, callbacks: Callbacks, name: str
) -> tuple[Socket, str, asyncio.Event]:
    """A click whose callback ``name`` runs until released: the socket (task frames
    shown), the click's ref and the release."""
    conversation, socket = await start(visitor, tasks=True)
    started, release = holding(callbacks, name)
    action_id = await offer(socket, conversation, name)
    ref = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 5)
    return socket, ref, release


async def test_clicks_share_one_membership_and_a_stale_stop_stops_nothing_later(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor)
    callbacks("quick")(lambda action: None)
    started, release = holding(callbacks, "held")
    quick = await offer(socket, conversation, "quick")
    held = await offer(socket, conversation, "held")
    for _ in range(3):
        assert (await click(socket, quick))["status"] == "ok"
    assert len(members(group_of(conversation))) == 1  # not one per click, not none
    stop = await socket.send({"type": "stop"})  # nothing runs: it finds nothing to cancel
    await socket.until_ack(stop)
    ref = await socket.send({"type": "action", "id": held})
    await asyncio.wait_for(started.wait(), 5)
    await asyncio.sleep(0.2)  # time for a stale stop to arrive, if one were queued
    release.set()
    _, ack = await socket.until_ack(ref, timeout=5)
    assert ack["status"] == "ok"
    outcomes = await sync_to_async(clicked)()
    assert outcomes == ["ok"] * 4


async def test_a_stop_reaches_every_task_of_its_conversation_and_no_other(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    first, socket = await start(visitor)
    other_conversation, other = await start(visitor)
    started, _ = holding(callbacks, "held")
    refs = []
    for sock, conversation in ((socket, first), (other, other_conversation)):
        action_id = await offer(sock, conversation, "held")
        refs.append(await sock.send({"type": "action", "id": action_id}))
        await asyncio.wait_for(started.wait(), 5)
        started.clear()
    await socket.send({"type": "stop"})
    _, stopped = await socket.until_ack(refs[0], timeout=5)
    assert stopped["status"] == "cancelled"
    still = await other.send({"type": "stop"})  # the other one ran on until now
    acks: dict[str, str] = {}
    while len(acks) < 2:
        frame = await other.receive(5)
        if frame["type"] == "ack":
            acks[frame["ref"]] = frame["status"]
    assert acks == {refs[1]: "cancelled", still: "ok"}


async def test_a_stop_without_its_group_is_ignored_and_a_real_one_still_stops(
    visitor: Visitor, callbacks: Callbacks, caplog: pytest.LogCaptureFixture
) -> None:
    conversation, socket = await start(visitor)
    started, _ = holding(callbacks, "held")
    held = await offer(socket, conversation, "held")
    ref = await socket.send({"type": "action", "id": held})
    await asyncio.wait_for(started.wait(), 5)
    with caplog.at_level(logging.WARNING, logger="chatactions.core.stops"):
        # What a process of the release before sends during a rolling deploy.
        await get_channel_layer().group_send(group_of(conversation), {"type": "chat.stop"})
        await asyncio.sleep(0.1)
    assert "without its group" in caplog.text
    await socket.send({"type": "stop"})
    _, ack = await socket.until_ack(ref, timeout=5)
    assert ack["status"] == "cancelled"


def test_a_loop_that_ends_leaves_the_stop_groups_it_joined(visitor: Visitor) -> None:
    """``async_to_sync`` makes a loop per call: its channel must not stay behind in Redis."""
    conversation = visitor.start()
    group = group_of(conversation)

    async def a_task_in_a_short_loop() -> None:
        handler = asyncio.ensure_future(asyncio.sleep(0))
        assert await stops.watch(group, handler) is not None
        assert len(members(group)) == 1
        await handler

    asyncio.run(a_task_in_a_short_loop())
    assert members(group) == set()


# task.start, held to ride in the handler's first broadcast ----------------------------


async def test_task_start_rides_with_the_first_reply_in_one_event_and_comes_first(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation, socket = await start(visitor, tasks=True)
    tab = await get_channel_layer().new_channel()  # another tab's channel, read raw
    await get_channel_layer().group_add(Chat(conversation).group, tab)

    @callbacks("reply")
    async def reply(action: Any) -> None:
        await ca.Message("done").send()

    action_id = await offer(socket, conversation, "reply")
    await get_channel_layer().receive(tab)  # the offer itself
    frames, ack = await socket.request({"type": "action", "id": action_id})
    events = [await get_channel_layer().receive(tab) for _ in range(2)]
    assert ack["status"] == "ok"
    assert [f["type"] for f in frames] == ["task.start", "message", "task.end"]
    assert [[json.loads(t)["type"] for t in e["texts"]] for e in events] == [
        ["task.start", "message"],
        ["task.end"],
    ]


async def test_a_quiet_handler_is_shown_working_while_it_waits(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    socket, ref, release = await held_click(visitor, callbacks, "quiet")
    working = await socket.receive(5)  # sent alone: the handler has broadcast nothing
    release.set()
    frames, ack = await socket.until_ack(ref, timeout=5)
    assert working["type"] == "task.start" and working["id"]
    assert [f["type"] for f in frames] == ["task.end"] and frames[0]["id"] == working["id"]
    assert ack["status"] == "ok"


async def test_a_long_task_renews_its_lease_and_reminds_the_tabs(
    visitor: Visitor, callbacks: Callbacks, settings: Settings
) -> None:
    settings.CHATACTIONS = {**settings.CHATACTIONS, "STREAM_LEASE": 0.6}  # renewed every 0.2 s
    socket, ref, release = await held_click(visitor, callbacks, "long")
    first = await socket.receive(5)
    leased = await sync_to_async(lease_of)(first["id"])
    again = await socket.receive(5)
    renewed = await sync_to_async(lease_of)(first["id"])
    release.set()
    frames, ack = await socket.until_ack(ref, timeout=5)
    assert (first["type"], again["type"], again["id"]) == ("task.start", "task.start", first["id"])
    assert renewed > leased
    assert [f["type"] for f in frames if f["type"] != "task.start"] == ["task.end"]
    assert ack["status"] == "ok"


def lease_of(token: str) -> datetime:
    return RunningTask.objects.get(token=token).until


# The listener's own edges: a full table, no layer, a lost Redis ---------------------------


def test_the_oldest_idle_group_leaves_when_a_loop_is_in_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(stops, "MAX_GROUPS", 2)

    async def groups() -> list[set[str]]:
        running = asyncio.ensure_future(asyncio.sleep(10))
        kept = await stops.watch("g.running", running)  # stays: a task runs there
        for name in ("g.one", "g.two", "g.three"):
            done = asyncio.ensure_future(asyncio.sleep(0))
            stops.unwatch(name, await stops.watch(name, done))
        seen = [members(g) for g in ("g.running", "g.one", "g.two", "g.three")]
        stops.unwatch("g.running", kept)
        running.cancel()
        return seen

    running, one, two, three = asyncio.run(groups())
    assert len(running) == 1 and len(three) == 1
    assert one == set() and two == set()  # the oldest idle ones left, oldest first


@pytest.mark.usefixtures("visitor")
def test_without_a_layer_a_task_runs_unstoppable_and_stop_is_a_no_op(
    settings: Settings,
) -> None:
    settings.CHANNEL_LAYERS = {}

    async def unstoppable() -> tuple[stops.Watch | None, bool]:
        handler = asyncio.ensure_future(asyncio.sleep(0, result=True))
        watched = await stops.watch("g.none", handler)
        await stops.send("g.none")
        return watched, await handler

    assert asyncio.run(unstoppable()) == (None, True)


def test_a_task_running_across_a_redis_restart_is_stoppable_once_redis_is_back(
    settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stops, "RETRY_SECONDS", 0.1)
    with private_redis() as redis:
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [redis.url], "prefix": "stops"},
            }
        }

        async def across_an_outage() -> tuple[bool, int]:
            running = asyncio.ensure_future(asyncio.sleep(60))
            watched = await stops.watch("g.redis", running)
            redis.stop()  # it keeps nothing on disk: the group is forgotten too
            await asyncio.sleep(0.5)
            redis.start()
            for attempt in range(50):  # until the reader is back in the group
                with contextlib.suppress(Exception):
                    await stops.send("g.redis")
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(asyncio.shield(running), 0.2)
                if running.done():
                    return watched is not None and watched.stopped, attempt
            return False, attempt

        with caplog.at_level(logging.WARNING, logger="chatactions.core.stops"):
            stopped, _ = asyncio.run(across_an_outage())
    assert "lost the channel that hears Stop" in caplog.text
    assert "the channel that hears Stop is back" in caplog.text
    assert stopped
