"""Every click on an existing action leaves an ActionClick row: who, how, outcome, how long."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.utils import timezone
from pytest_django.fixtures import Settings
from rest_framework.test import APIClient

import chatactions as ca
from chatactions.core.clicks import UNFINISHED
from chatactions.models import Action, ActionClick

from .conftest import Callbacks, Chat, Visitor, holding, offer

pytestmark = pytest.mark.django_db(transaction=True)


async def clicks() -> list[ActionClick]:
    return [c async for c in ActionClick.objects.order_by("pk")]


async def test_ok_click_records_visitor_channel_outcome_and_duration(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("fine")
    async def fine(action: ca.Action) -> None:
        await asyncio.sleep(0.01)

    action_id = await offer(socket, conversation, "fine")
    await socket.request({"type": "action", "id": action_id})
    [click] = await clicks()
    assert (click.visitor, click.user_id) == (conversation.visitor, None)
    assert (click.via, click.outcome, click.error) == ("websocket", "ok", "")
    assert click.duration_ms >= 10


async def test_click_of_a_logged_in_user_records_the_user(visitor: Visitor) -> None:
    user = await sync_to_async(User.objects.create_user)("ada", password="pw")
    await sync_to_async(visitor.client.force_login)(user)
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    action_id = await offer(socket, conversation, "cancel_delete")
    await socket.request({"type": "action", "id": action_id})
    [click] = await clicks()
    assert (click.user_id, click.visitor, click.outcome) == (user.pk, None, "ok")
    await socket.close()


async def test_busy_click_is_recorded(chat: Chat) -> None:
    _, conversation, socket = chat
    action_id = await offer(socket, conversation, "cancel_delete")
    await Action.objects.filter(uuid=action_id).aupdate(
        claimed_until=timezone.now() + timedelta(seconds=60), claim_token=uuid.uuid4()
    )
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "busy"
    assert [(c.outcome, c.visitor) for c in await clicks()] == [("busy", conversation.visitor)]


async def test_gone_click_is_recorded(chat: Chat) -> None:
    _, conversation, socket = chat
    action_id = await offer(socket, conversation, "cancel_delete")
    await Action.objects.filter(uuid=action_id).aupdate(removed_at=timezone.now())
    await socket.request({"type": "action", "id": action_id})
    assert [c.outcome for c in await clicks()] == ["gone"]


async def test_failed_click_records_the_traceback(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat

    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise ValueError("no good")

    action_id = await offer(socket, conversation, "boom")
    await socket.request({"type": "action", "id": action_id})
    [click] = await clicks()
    assert click.outcome == "error" and click.duration_ms > 0
    assert click.error.startswith("Traceback") and "ValueError: no good" in click.error


async def test_click_on_a_foreign_action_over_the_socket_is_recorded_as_not_found(
    chat: Chat,
) -> None:
    _, mine, socket = chat
    stranger = Visitor()
    theirs = await sync_to_async(stranger.start)()
    msg = await ca.Message("x", actions=[ca.Action("cancel_delete")], conversation=theirs).send()
    await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    [click] = await clicks()
    assert (click.outcome, click.visitor) == ("not_found", mine.visitor)  # the clicker


async def test_click_on_an_id_that_exists_nowhere_leaves_no_row(chat: Chat) -> None:
    _, _, socket = chat
    _, ack = await socket.request({"type": "action", "id": str(uuid.uuid4())})
    assert ack["status"] == "not_found"
    assert await clicks() == []


async def test_rate_limited_click_on_an_existing_action_is_recorded(
    chat: Chat, settings: Settings
) -> None:
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    socket = visitor.socket(conversation)
    await socket.connect()
    action_id = await offer(socket, conversation, "cancel_delete")
    await socket.request({"type": "sync", "after": None})  # spends the only token
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "rate_limited"
    [click] = await clicks()
    assert (click.outcome, click.visitor, click.via) == (
        "rate_limited",
        conversation.visitor,
        "websocket",
    )
    assert await conversation.messages.acount() == 2  # the callback did not run
    await socket.close()


async def test_rate_limited_answer_is_the_same_whether_the_action_exists_or_not(
    chat: Chat, settings: Settings
) -> None:
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    socket = visitor.socket(conversation)
    await socket.connect()
    action_id = await offer(socket, conversation, "cancel_delete")
    await socket.request({"type": "sync", "after": None})
    _, real = await socket.request({"type": "action", "id": action_id, "ref": "x"})
    _, fake = await socket.request({"type": "action", "id": str(uuid.uuid4()), "ref": "x"})
    assert real == fake
    assert [c.outcome for c in await clicks()] == ["rate_limited"]
    await socket.close()


async def test_running_click_already_has_its_row_so_a_crash_cannot_lose_it(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    started, release = holding(callbacks, "slow")
    action_id = await offer(socket, conversation, "slow")
    ref = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 3)
    [running] = await clicks()
    assert (running.outcome, running.error) == ("error", UNFINISHED)
    release.set()
    await socket.until_ack(ref)
    [done] = await clicks()
    assert done.pk == running.pk
    assert (done.outcome, done.error) == ("ok", "")


def test_throttled_api_click_on_an_existing_action_is_recorded(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = visitor.start()
    message = ca.Message("x", actions=[ca.Action("cancel_delete")], conversation=conversation)
    async_to_sync(message.send)()
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    api = APIClient()
    api.cookies = visitor.client.cookies
    api.get("/api/chat/conversations/")  # spends the only request; hands out the CSRF cookie
    url = f"/api/chat/conversations/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    response = api.post(url, HTTP_X_CSRFTOKEN=api.cookies["csrftoken"].value)
    assert response.status_code == 429
    [click] = ActionClick.objects.all()
    assert (click.via, click.outcome) == ("api", "rate_limited")
    assert click.visitor == conversation.visitor
    assert conversation.messages.count() == 2  # the callback did not run
