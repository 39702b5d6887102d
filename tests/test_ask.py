"""AskActionMessage: wait for a pick, over the channel layer, with a timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

import chatactions as ca
from chatactions.core import asks as ask
from chatactions.models import Action, ActionClick, Conversation, Message

from .conftest import Callbacks, Chat

pytestmark = pytest.mark.django_db(transaction=True)


def question(
    conversation: Conversation | None, timeout: float = 5.0, **kwargs: Any
) -> ca.AskActionMessage:
    return ca.AskActionMessage(
        "Continue?",
        actions=[
            ca.Action("yes", "Yes", payload={"go": True}),
            ca.Action("no", "No", payload={"go": False}),
        ],
        timeout=timeout,
        conversation=conversation,
        **kwargs,
    )


async def test_send_returns_the_clicked_action_with_its_payload(chat: Chat) -> None:
    _, conversation, socket = chat
    waiting = asyncio.ensure_future(question(conversation).send())
    sent = await socket.receive()
    yes = sent["actions"][0]["id"]
    frames, ack = await socket.request({"type": "action", "id": yes})
    picked = await asyncio.wait_for(waiting, 3)
    assert picked is not None
    assert ack["status"] == "ok"
    assert picked.name == "yes" and picked.payload == {"go": True}
    assert sorted(f["id"] for f in frames) == sorted(a["id"] for a in sent["actions"])
    assert (await ActionClick.objects.aget()).outcome == "ok"


async def test_timeout_returns_none_and_removes_the_buttons_silently(chat: Chat) -> None:
    _, conversation, socket = chat
    asked = question(conversation, timeout=0.3)
    waiting = asyncio.ensure_future(asked.send())
    sent = await socket.receive()
    assert await asyncio.wait_for(waiting, 3) is None
    removed = {(await socket.receive())["id"], (await socket.receive())["id"]}
    assert removed == {a["id"] for a in sent["actions"]}
    assert await socket.nothing_more()  # no "timed out" message
    _, ack = await socket.request({"type": "action", "id": sent["actions"][0]["id"]})
    assert ack["status"] == "gone"


async def test_timeout_raises_when_asked_to(chat: Chat) -> None:
    _, conversation, _ = chat
    with pytest.raises(ca.AskTimeout, match="Continue"):
        await question(conversation, timeout=0.2, raise_on_timeout=True).send()
    assert not await Message.objects.filter(awaiting=True).aexists()


async def test_only_the_first_click_answers(chat: Chat) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()
    waiting = asyncio.ensure_future(question(conversation).send())
    sent = await socket.receive()
    await other.receive()
    _, first = await socket.request({"type": "action", "id": sent["actions"][1]["id"]})
    _, second = await other.request({"type": "action", "id": sent["actions"][0]["id"]})
    assert (first["status"], second["status"]) == ("ok", "gone")
    picked = await asyncio.wait_for(waiting, 3)
    assert picked is not None
    assert picked.name == "no"
    await other.close()


async def test_handler_waiting_on_a_question_does_not_block_the_socket(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    answers = []

    @callbacks("ask_me")
    async def ask_me() -> None:
        picked = await question(None).send()
        answers.append(picked.name if picked else None)
        assert picked is not None
        await ca.Message(f"you said {picked.name}").send()

    starter = await ca.Message(
        "x", actions=[ca.Action("ask_me")], conversation=conversation
    ).send()
    await socket.receive()
    click = await socket.send({"type": "action", "id": str(starter.actions[0].id)})
    sent = await socket.receive()
    assert sent["content"] == "Continue?"
    # The socket still serves other frames while the callback waits.
    frames, ack = await socket.request({"type": "sync", "after": sent["id"]})
    assert ack["status"] == "ok" and frames == []
    await socket.send({"type": "action", "id": sent["actions"][0]["id"]})
    frames, done = await socket.until_ack(click)
    assert done["status"] == "ok" and answers == ["yes"]
    assert "you said yes" in [f.get("content") for f in frames]


async def test_a_lost_notice_costs_one_poll_not_the_answer(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, conversation, socket = chat
    monkeypatch.setattr(ask, "POLL_INTERVAL", 0.2)

    async def lost(message_id: object, action_id: object) -> None:
        return None  # the channel layer dropped the news

    monkeypatch.setattr(ask, "notify", lost)
    waiting = asyncio.ensure_future(question(conversation, timeout=10).send())
    sent = await socket.receive()
    await socket.request({"type": "action", "id": sent["actions"][1]["id"]})
    picked = await asyncio.wait_for(waiting, 3)
    assert picked is not None
    assert picked.name == "no"


async def test_answer_is_stored_on_the_question(chat: Chat) -> None:
    _, conversation, socket = chat
    asked = question(conversation)
    waiting = asyncio.ensure_future(asked.send())
    sent = await socket.receive()
    await socket.request({"type": "action", "id": sent["actions"][0]["id"]})
    await waiting
    row = await Message.objects.select_related("answer").aget(uuid=asked.id)
    assert row.awaiting is False
    assert row.answer is not None and row.answer.name == "yes"
    assert await Action.objects.filter(message=row, removed_at__isnull=True).acount() == 0


async def test_a_failed_layer_costs_polls_not_the_answer(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, conversation, socket = chat
    monkeypatch.setattr(ask, "POLL_INTERVAL", 0.2)
    layer = get_channel_layer()
    asking: set[str] = set()
    new_channel, receive = layer.new_channel, layer.receive

    async def new_question_channel(*args: Any) -> str:
        channel: str = await new_channel(*args)
        asking.add(channel)
        return channel

    async def broken_receive(channel: str) -> dict[str, Any]:
        if channel in asking:
            raise ConnectionError("Redis went away")
        received: dict[str, Any] = await receive(channel)
        return received

    monkeypatch.setattr(layer, "new_channel", new_question_channel)
    monkeypatch.setattr(layer, "receive", broken_receive)
    waiting = asyncio.ensure_future(question(conversation, timeout=10).send())
    sent = await socket.receive()
    await socket.request({"type": "action", "id": sent["actions"][0]["id"]})
    picked = await asyncio.wait_for(waiting, 5)
    assert picked is not None
    assert picked.name == "yes"
