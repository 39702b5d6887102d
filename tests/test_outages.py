"""What a user sees when the database or the channel layer fails, in process.

``test_faults.py`` causes the real faults against real processes; these tests
fake them at the boundary, one path each, so every branch is checked quickly.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer
from django.db import InterfaceError, OperationalError
from django.test import override_settings

import chatactions as ca
from chatactions import dispatch
from chatactions import outcome as handlers
from chatactions.core import asks as ask
from chatactions.core import fanout as emitter
from chatactions.models import ActionClick, Conversation, Message

from .conftest import Callbacks, Chat

pytestmark = pytest.mark.django_db(transaction=True)

UNAVAILABLE = handlers.DATABASE_UNAVAILABLE


def down(*args: object, **kwargs: object) -> None:
    raise OperationalError("server closed the connection unexpectedly")


async def button(conversation: Conversation, name: str = "go") -> str:
    message = await ca.Message("x", actions=[ca.Action(name)], conversation=conversation).send()
    return str(message.actions[0].id)


async def test_a_click_without_a_database_answers_a_plain_error(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, conversation, socket = chat
    action = await button(conversation)
    await socket.receive()
    monkeypatch.setattr(dispatch.clicks, "_claim", down)
    _, ack = await socket.request({"type": "action", "id": action})
    assert (ack["status"], ack["detail"]) == ("error", UNAVAILABLE)


async def test_a_message_without_a_database_answers_a_plain_error(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, socket = chat
    monkeypatch.setattr(dispatch.messages, "_save_user_message", down)
    frames, ack = await socket.request({"type": "message", "content": "hello"})
    assert frames == []
    assert (ack["status"], ack["detail"]) == ("error", UNAVAILABLE)


async def test_a_callback_that_loses_the_database_answers_a_plain_error(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("lose_it")
    async def lose_it() -> None:
        raise InterfaceError("connection already closed")

    action = await button(conversation, "lose_it")
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": action})
    assert (ack["status"], ack["detail"]) == ("error", UNAVAILABLE)


async def test_a_click_whose_release_finds_no_database_still_reports_the_callback(
    chat: Chat, callbacks: Callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, conversation, socket = chat
    ran = []

    @callbacks("done")
    async def done() -> str:
        ran.append(True)
        return "done it"

    action = await button(conversation, "done")
    await socket.receive()
    monkeypatch.setattr(dispatch.clicks, "_release", down)
    _, ack = await socket.request({"type": "action", "id": action})
    assert ack["status"] == "ok" and ack["notice"] == "done it" and ran == [True]
    assert not await ActionClick.objects.filter(outcome="ok").aexists()  # the lease will lapse


async def test_without_the_layer_the_socket_is_answered_directly_then_told_to_resync(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, _, socket = chat
    layer = get_channel_layer()

    async def broken(*args: object) -> None:
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(layer, "send", broken)
    monkeypatch.setattr(layer, "group_send", broken)
    frames, ack = await socket.request({"type": "message", "content": "hello"})
    closed = await socket.comm.receive_output(3)
    assert frames == [] and ack["status"] == "ok"  # the echo and reply were not broadcast...
    assert closed == {"type": "websocket.close", "code": 4503}
    assert await Message.objects.filter(content="hello").aexists()  # ...but they were saved


async def test_an_answer_the_layer_cannot_announce_is_found_by_polling(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, conversation, socket = chat
    monkeypatch.setattr(ask, "POLL_INTERVAL", 0.2)
    layer = get_channel_layer()
    group_send = layer.group_send

    async def no_asks(group: str, event: dict[str, Any]) -> None:
        if group.startswith("chatactions.ask."):
            raise ConnectionError("Redis went away")
        await group_send(group, event)

    monkeypatch.setattr(layer, "group_send", no_asks)
    waiting = asyncio.ensure_future(
        ca.AskActionMessage("Sure?", [ca.Action("yes")], conversation=conversation).send()
    )
    sent = await socket.receive()
    _, ack = await socket.request({"type": "action", "id": sent["actions"][0]["id"]})
    assert ack["status"] == "ok"
    picked = await asyncio.wait_for(waiting, 5)
    assert picked is not None
    assert picked.name == "yes"


@override_settings(CHANNEL_LAYERS={})
async def test_without_a_channel_layer_nothing_is_sent() -> None:
    assert await emitter.send_to("somewhere", "{}") is False
