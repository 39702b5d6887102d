"""One sequence of changes per conversation: a tab that synced equals a fresh page load.

Every change (a message, an update, a removal, a button gone) takes the next
position of its conversation; ``sync`` with ``since`` answers every change
after a position, a page at a time, each message as it is now.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.conf import chat_settings
from chatactions.models import Conversation

from .conftest import Callbacks, Chat, Socket, Visitor
from .rows import asnapshot
from .tabs import Tab, drawn

pytestmark = pytest.mark.django_db(transaction=True)


def page(visitor: Visitor, conversation: Conversation) -> str:
    response = visitor.client.get(f"/chat/{conversation.uuid}/")
    assert response.status_code == 200
    return str(response.content.decode())


apage = sync_to_async(page)


def position(conversation: Conversation) -> int:
    return int(Conversation.objects.values_list("seq", flat=True).get(pk=conversation.pk))


aposition = sync_to_async(position)


async def open_tab(visitor: Visitor, conversation: Conversation) -> tuple[Tab, Socket]:
    """A freshly loaded page with its socket open and synced, as ``chat.js`` starts."""
    tab = Tab(await apage(visitor, conversation))
    socket = visitor.socket(conversation)
    await socket.connect()
    await tab.sync(socket)
    return tab, socket


async def drain(tab: Tab, socket: Socket) -> None:
    """Apply every frame the socket holds (the broadcasts of what was done meanwhile)."""
    while not await socket.nothing_more():
        tab.apply(await socket.receive())


@pytest.fixture
def dropper(callbacks: Callbacks) -> None:
    @callbacks("drop")
    async def drop(action: ca.Action) -> None:
        await action.remove()


async def test_a_long_absence_is_synced_in_pages_to_exactly_the_page(
    visitor: Visitor, dropper: None
) -> None:
    """The issue's tab: away while an old button went and 530 messages came (SYNC_LIMIT 500)."""
    assert chat_settings.SYNC_LIMIT == 500
    conversation = await sync_to_async(visitor.start)()
    tab, socket = await open_tab(visitor, conversation)
    old = await ca.Message(
        "Pick one", actions=[ca.Action("drop"), ca.Action("keep")], conversation=conversation
    ).send()
    edited = await ca.Message("before", conversation=conversation).send()
    removed = await ca.Message("soon gone", conversation=conversation).send()
    await drain(tab, socket)
    await socket.close()  # the tab goes offline

    other = visitor.socket(conversation)
    await other.connect()
    _, ack = await other.request({"type": "action", "id": str(old.actions[0].id)})
    assert ack["status"] == "ok"
    await other.close()
    edited.content = "after"
    assert await edited.update()
    await removed.remove()
    for i in range(530):
        await ca.Message(f"while away {i}", conversation=conversation).send()

    socket = visitor.socket(conversation)
    await socket.connect()
    acks = await tab.sync(socket)
    await socket.close()

    assert [a["has_more"] for a in acks] == [True, False]
    assert acks[-1]["seq"] == await aposition(conversation)
    expected = drawn(await apage(visitor, conversation))
    assert tab.drawn() == expected
    shown = {message: actions for message, _, actions in expected}
    assert shown[str(old.id)] == [str(old.actions[1].id)]  # no dead button
    assert str(removed.id) not in shown
    assert any("after" in text for message, text, _ in expected if message == str(edited.id))
    assert len(expected) == 1 + 2 + 530  # the greeting, two older ones, every new one


async def test_the_older_sync_by_message_id_is_still_answered(chat: Chat) -> None:
    _, conversation, socket = chat
    first = await ca.Message("one", conversation=conversation).send()
    await ca.Message("two", conversation=conversation).send()
    frames, ack = await socket.request({"type": "sync", "after": str(first.id)})
    # The two broadcasts, then what was saved after "one".
    assert [f["content"] for f in frames] == ["one", "two", "two"]
    assert ack == {"type": "ack", "ref": ack["ref"], "status": "ok", "detail": ""}


async def test_a_removed_button_moves_its_message_to_a_new_position(
    chat: Chat, dropper: None
) -> None:
    _, conversation, socket = chat
    sent = await ca.Message("x", actions=[ca.Action("drop")], conversation=conversation).send()
    frame = await socket.receive()
    frames, _ = await socket.request({"type": "action", "id": str(sent.actions[0].id)})
    assert frames == [
        {"type": "action.remove", "id": str(sent.actions[0].id), "seq": frame["seq"] + 1}
    ]
    resent, ack = await socket.request({"type": "sync", "since": frame["seq"]})
    assert [(f["type"], f["id"], f["actions"], f["seq"]) for f in resent] == [
        ("message", str(sent.id), [], frame["seq"] + 1)
    ]
    assert ack["seq"] == frame["seq"] + 1 and ack["has_more"] is False


async def test_a_removed_message_is_synced_as_its_removal(chat: Chat) -> None:
    _, conversation, socket = chat
    sent = await ca.Message("x", conversation=conversation).send()
    frame = await socket.receive()
    await sent.remove()
    assert await socket.receive() == {
        "type": "message.remove",
        "id": str(sent.id),
        "seq": frame["seq"] + 1,
    }
    resent, _ = await socket.request({"type": "sync", "since": frame["seq"] - 1})
    assert resent == [{"type": "message.remove", "id": str(sent.id), "seq": frame["seq"] + 1}]


async def test_removing_what_is_already_gone_takes_no_position(chat: Chat) -> None:
    _, conversation, _ = chat
    sent = await ca.Message("x", actions=[ca.Action("a")], conversation=conversation).send()
    await sent.remove_actions()
    await sent.remove()
    before = await aposition(conversation)
    await sent.remove_actions()
    await sent.remove()
    assert await aposition(conversation) == before


async def test_a_sync_from_beyond_the_conversation_says_where_it_is(chat: Chat) -> None:
    _, conversation, socket = chat
    frames, ack = await socket.request({"type": "sync", "since": 10**12})
    assert frames == [] and ack["seq"] == await aposition(conversation)


@pytest.mark.parametrize(
    "since",
    [-1, 1.5, "3", True, None, 2**63, [1]],
)
async def test_a_bad_since_is_invalid_and_changes_nothing(chat: Chat, since: object) -> None:
    _, _, socket = chat
    before = await asnapshot()
    frames, ack = await socket.request({"type": "sync", "since": since})
    assert frames == [] and ack["status"] == "invalid" and "since" in ack["detail"]
    assert await asnapshot() == before
    _, ok = await socket.request({"type": "sync", "since": 0})  # the socket still works
    assert ok["status"] == "ok"


async def test_since_and_after_together_are_invalid(chat: Chat) -> None:
    _, conversation, socket = chat
    first = await ca.Message("one", conversation=conversation).send()
    _, ack = await socket.request({"type": "sync", "since": 0, "after": str(first.id)})
    assert ack["status"] == "invalid" and "not both" in ack["detail"]


@pytest.mark.parametrize("seed", range(6))
async def test_frames_in_any_order_with_any_lost_then_a_sync_equal_the_page(
    visitor: Visitor, settings: Settings, seed: int
) -> None:
    """Live frames may overtake each other (two processes) or be lost (a full layer, a drop)."""
    settings.CHATACTIONS = {"SYNC_LIMIT": 3}
    rng = random.Random(seed)
    conversation = await sync_to_async(visitor.start)()
    tab = Tab(await apage(visitor, conversation))
    recorder = visitor.socket(conversation)
    await recorder.connect()
    sent: list[ca.Message] = []
    for step in range(30):
        live = [m for m in sent if m.id is not None]
        choice = rng.random()
        if choice < 0.45 or not live:
            buttons = [ca.Action("pick", f"b{step}.{i}") for i in range(rng.randint(0, 3))]
            sent.append(await ca.Message(f"m{step}", buttons, conversation=conversation).send())
        elif choice < 0.65:
            message = rng.choice(live)
            message.content = f"edited at {step}"
            message.actions = [a for a in message.actions if rng.random() < 0.6]
            await message.update()
        elif choice < 0.8:
            message = rng.choice(live)
            await message.remove()
            sent.remove(message)
        else:
            message = rng.choice(live)
            if message.actions:
                await rng.choice(message.actions).remove()
    frames: list[dict[str, Any]] = []
    while not await recorder.nothing_more():
        frames.append(await recorder.receive())
    await recorder.close()
    # Overtaking: each frame moves a few places; losing: about one in four never arrives.
    order = sorted(range(len(frames)), key=lambda i: i + rng.uniform(0, 6))
    for i in order:
        if rng.random() > 0.25:
            tab.apply(frames[i])

    socket = visitor.socket(conversation)
    await socket.connect()
    await tab.sync(socket)
    await socket.close()
    assert tab.drawn() == drawn(await apage(visitor, conversation))
