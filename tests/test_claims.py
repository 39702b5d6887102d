"""One action's callback never runs twice at once; a lease frees a button a dead worker held.

The same promises on real daphne processes, SQLite and PostgreSQL, are in
``test_live_claims.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.utils import timezone
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import Action, ActionClick

from .conftest import Callbacks, Chat, Visitor, holding, offer

pytestmark = pytest.mark.django_db(transaction=True)


async def lease(action_id: str, seconds: float) -> None:
    """Leave a claim as another worker would, ending ``seconds`` from now (or ago)."""
    await Action.objects.filter(uuid=action_id).aupdate(
        claimed_until=timezone.now() + timedelta(seconds=seconds), claim_token=uuid.uuid4()
    )


async def test_lease_left_by_a_dead_worker_expires_and_the_button_works_again(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    runs = []

    @callbacks("again")
    async def again(action: ca.Action) -> None:
        runs.append(action.id)

    action_id = await offer(socket, conversation, "again")
    await lease(action_id, -1)  # the worker died; its lease ran out a second ago
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "ok" and len(runs) == 1
    row = await Action.objects.aget(uuid=action_id)
    assert (row.claimed_until, row.claim_token) == (None, None)


async def test_live_lease_of_another_worker_makes_a_click_busy(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    runs = []

    @callbacks("held")
    async def held(action: ca.Action) -> None:
        runs.append(1)

    action_id = await offer(socket, conversation, "held")
    await lease(action_id, 60)
    before = await Action.objects.aget(uuid=action_id)
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "busy" and runs == []
    after = await Action.objects.aget(uuid=action_id)
    assert (after.claimed_until, after.claim_token) == (before.claimed_until, before.claim_token)


async def test_claim_lasts_claim_timeout(
    chat: Chat, callbacks: Callbacks, settings: Settings
) -> None:
    _, conversation, socket = chat
    settings.CHATACTIONS = {"CLAIM_TIMEOUT": 120}
    started, release = holding(callbacks, "slow")
    action_id = await offer(socket, conversation, "slow")
    ref = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 3)
    row = await Action.objects.aget(uuid=action_id)
    assert row.claimed_until is not None
    left = (row.claimed_until - timezone.now()).total_seconds()
    assert 60 < left <= 120
    release.set()
    await socket.until_ack(ref)


async def test_worker_whose_lease_ran_out_cannot_free_the_next_workers_claim(
    chat: Chat, callbacks: Callbacks
) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()
    started = [asyncio.Event(), asyncio.Event()]
    release = [asyncio.Event(), asyncio.Event()]
    runs: list[int] = []

    @callbacks("long")
    async def long(action: ca.Action) -> None:
        n = len(runs)
        runs.append(n)
        started[n].set()
        await release[n].wait()

    action_id = await offer(socket, conversation, "long")
    await other.receive()
    first = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started[0].wait(), 3)
    await Action.objects.filter(uuid=action_id).aupdate(
        claimed_until=timezone.now() - timedelta(seconds=1)  # the first run outlived its lease
    )
    second = await other.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started[1].wait(), 3)
    release[0].set()
    _, ack = await socket.until_ack(first)
    assert ack["status"] == "ok"
    _, busy = await socket.request({"type": "action", "id": action_id})
    assert busy["status"] == "busy"  # the second run still holds its claim
    release[1].set()
    _, ack = await other.until_ack(second)
    assert ack["status"] == "ok" and runs == [0, 1]
    await other.close()


async def test_clicks_sent_at_once_run_the_callback_once(chat: Chat, callbacks: Callbacks) -> None:
    visitor, conversation, socket = chat
    tabs = [socket]
    for _ in range(3):
        tab = visitor.socket(conversation)
        await tab.connect()
        tabs.append(tab)
    release = asyncio.Event()
    runs = []

    @callbacks("once")
    async def once(action: ca.Action) -> None:
        runs.append(1)
        await release.wait()

    action_id = await offer(socket, conversation, "once")
    refs = await asyncio.gather(*(t.send({"type": "action", "id": action_id}) for t in tabs))
    pending = {asyncio.ensure_future(t.until_ack(r)) for t, r in zip(tabs, refs, strict=True)}
    losers: list[str] = []
    while len(losers) < 3:  # the winner is held inside its callback: only losers answer
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        losers += [task.result()[1]["status"] for task in done]
    release.set()
    [winner] = [(await task)[1]["status"] for task in pending]
    assert (losers, winner) == (["busy", "busy", "busy"], "ok")
    assert runs == [1]
    outcomes = sorted([c.outcome async for c in ActionClick.objects.all()])
    assert outcomes == ["busy", "busy", "busy", "ok"]
    for tab in tabs[1:]:
        await tab.close()


async def test_double_click_on_one_socket_runs_the_callback_once(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    release = asyncio.Event()
    runs = []

    @callbacks("double")
    async def double(action: ca.Action) -> None:
        runs.append(1)
        await release.wait()

    action_id = await offer(socket, conversation, "double")
    first = await socket.send({"type": "action", "id": action_id})
    _, second = await socket.request({"type": "action", "id": action_id})
    assert second["status"] == "busy"
    release.set()
    _, ack = await socket.until_ack(first)
    assert ack["status"] == "ok" and runs == [1]


def test_form_click_on_a_running_action_is_busy_and_says_so(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = ca.Message("x", actions=[ca.Action("cancel_delete")], conversation=conversation)
    async_to_sync(message.send)()
    action_id = str(message.actions[0].id)
    async_to_sync(lease)(action_id, 60)
    url = f"/chat/{conversation.uuid}/actions/{action_id}/click/"
    response = visitor.client.post(url, follow=True)
    assert "That action is already running." in response.content.decode()
    click = ActionClick.objects.get()
    assert (click.via, click.outcome) == ("form", "busy")
    assert conversation.messages.count() == 2  # "Deletion cancelled." was not said


async def test_socket_and_form_clicks_share_one_claim(chat: Chat, callbacks: Callbacks) -> None:
    visitor, conversation, socket = chat
    started, release = holding(callbacks, "shared")
    action_id = await offer(socket, conversation, "shared")
    ref = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 3)
    url = f"/chat/{conversation.uuid}/actions/{action_id}/click/"
    response = await sync_to_async(visitor.client.post)(url)
    assert response.status_code == 302
    release.set()
    _, ack = await socket.until_ack(ref)
    assert ack["status"] == "ok"
    outcomes = {c.via: c.outcome async for c in ActionClick.objects.all()}
    assert outcomes == {"form": "busy", "websocket": "ok"}


async def test_a_crafted_click_on_a_disabled_button_is_gone_and_runs_nothing(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    runs = []

    @callbacks("locked")
    async def locked(action: ca.Action) -> None:
        runs.append(action)

    message = await ca.Message(
        "x", actions=[ca.Action("locked", disabled=True)], conversation=conversation
    ).send()
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert (ack["status"], ack["detail"]) == ("gone", "This button is disabled.")
    assert runs == []
    assert (await ActionClick.objects.aget()).outcome == "gone"
