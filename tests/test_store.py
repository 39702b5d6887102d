"""ca.state: a persisted key-value store per conversation."""

from __future__ import annotations

import pytest

import chatactions as ca
from chatactions.models import ConversationValue

from .conftest import Callbacks, Chat, Visitor

pytestmark = pytest.mark.django_db(transaction=True)


async def test_callbacks_remember_values_across_clicks(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat

    @callbacks("count")
    async def count() -> str:
        n = await ca.state.aget("clicks", 0) + 1
        await ca.state.aset("clicks", n)
        return f"clicked {n} times"

    message = await ca.Message("x", actions=[ca.Action("count")], conversation=conversation).send()
    await socket.receive()
    notices = []
    for _ in range(3):
        _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
        notices.append(ack["notice"])
    assert notices == ["clicked 1 times", "clicked 2 times", "clicked 3 times"]
    assert await ConversationValue.objects.filter(conversation=conversation).acount() == 1


async def test_plain_def_callbacks_use_the_sync_methods(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat

    @callbacks("remember")
    def remember(action: ca.Action) -> str:
        ca.state.set("last", {"name": action.name})
        return str(ca.state.get("last"))

    message = await ca.Message(
        "x", actions=[ca.Action("remember")], conversation=conversation
    ).send()
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["notice"] == "{'name': 'remember'}"


def test_state_of_a_named_conversation_from_sync_code(visitor: Visitor) -> None:
    conversation = visitor.start()
    other = visitor.start()
    store = ca.State(conversation)
    assert store.get("missing", "default") == "default"
    store.set("a", 1)
    store.set("b", None)
    store.set("a", 2)
    assert store.items() == {"a": 2, "b": None}
    assert store.has("b") and store.get("b", "x") is None
    store.delete("a")
    assert store.items() == {"b": None}
    assert ca.State(other).items() == {}  # each conversation has its own


async def test_async_methods_mirror_the_sync_ones(chat: Chat) -> None:
    _, conversation, _ = chat
    store = ca.State(conversation)
    await store.aset("k", [1, 2])
    assert await store.ahas("k") and await store.aget("k") == [1, 2]
    assert await store.aitems() == {"k": [1, 2]}
    await store.adelete("k")
    assert not await store.ahas("k")


def test_state_outside_a_handler_without_a_conversation_is_a_clear_error() -> None:
    with pytest.raises(ca.NoChatContext):
        ca.state.get("k")
