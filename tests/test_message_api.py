"""Message.update/remove/remove_actions, Markdown, expiry, exclusivity, outside use."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

import chatactions as ca
from chatactions.models import Action, ActionClick, Message

from .conftest import Callbacks, Chat, Visitor

pytestmark = pytest.mark.django_db(transaction=True)


async def test_update_changes_content_and_redraws_in_every_tab(chat: Chat) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()
    message = await ca.Message("Working…", conversation=conversation).send()
    await socket.receive()
    await other.receive()
    message.content = "Done **now**"
    assert await message.update() is True
    for tab in (socket, other):
        frame = await tab.receive()
        assert frame["type"] == "message.update" and frame["id"] == str(message.id)
        assert "<strong>now</strong>" in frame["html"]
    row = await Message.objects.aget(uuid=message.id)
    assert row.content == "Done **now**" and row.updated_at is not None
    await other.close()


async def test_update_keeps_listed_buttons_adds_new_and_removes_the_rest(chat: Chat) -> None:
    _, conversation, socket = chat
    keep, drop = ca.Action("keep", "Keep"), ca.Action("drop", "Drop")
    message = await ca.Message("x", actions=[keep, drop], conversation=conversation).send()
    await socket.receive()
    message.actions = [keep, ca.Action("new", "New")]
    await message.update()
    frame = await socket.receive()
    assert [a["name"] for a in frame["actions"]] == ["keep", "new"]
    assert frame["actions"][0]["id"] == str(keep.id)
    assert await Action.objects.filter(uuid=drop.id, removed_at__isnull=False).aexists()


async def test_update_of_a_removed_message_returns_false(chat: Chat) -> None:
    _, conversation, _ = chat
    message = await ca.Message("x", conversation=conversation).send()
    await message.remove()
    message.content = "again"
    assert await message.update() is False
    assert (await Message.objects.aget(uuid=message.id)).content == "x"


async def test_remove_hides_the_message_everywhere_and_on_reload(chat: Chat) -> None:
    visitor, conversation, socket = chat
    message = await ca.Message("oops", actions=[ca.Action("a")], conversation=conversation).send()
    await socket.receive()
    await message.remove()
    assert await socket.receive() == {"type": "message.remove", "id": str(message.id), "seq": ANY}
    page = await sync_to_async(visitor.client.get)(f"/chat/{conversation.uuid}/")
    assert "oops" not in page.content.decode()
    frames, _ = await socket.request({"type": "sync", "after": None})
    assert "oops" not in [f["content"] for f in frames]
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["status"] == "gone"


async def test_remove_actions_drops_all_buttons_at_once(chat: Chat) -> None:
    _, conversation, socket = chat
    message = await ca.Message(
        "x", actions=[ca.Action("a"), ca.Action("b")], conversation=conversation
    ).send()
    await socket.receive()
    await message.remove_actions()
    removed = {(await socket.receive())["id"], (await socket.receive())["id"]}
    assert removed == {str(a.id) for a in message.actions}
    assert not await Action.objects.filter(removed_at__isnull=True, name__in="ab").aexists()


async def test_author_names_the_speaker(chat: Chat) -> None:
    _, conversation, socket = chat
    await ca.Message("hi", author="Support bot", conversation=conversation).send()
    frame = await socket.receive()
    assert frame["author"] == "Support bot" and "Support bot" in frame["html"]


async def test_markdown_is_drawn_and_raw_html_is_shown_as_text(chat: Chat) -> None:
    _, conversation, socket = chat
    await ca.Message(
        "**bold** [ok](https://example.com) [bad](javascript:alert(1)) "
        "<img src=x onerror=alert(1)>",
        conversation=conversation,
    ).send()
    html = (await socket.receive())["html"]
    assert "<strong>bold</strong>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html
    assert 'href="javascript' not in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


async def test_expired_button_answers_gone_and_runs_nothing(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    runs = []

    @callbacks("late")
    async def late(action: ca.Action) -> None:
        runs.append(action)

    message = await ca.Message(
        "x", actions=[ca.Action("late", ttl=60)], conversation=conversation
    ).send()
    await socket.receive()
    await Action.objects.filter(uuid=message.actions[0].id).aupdate(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["status"] == "gone" and ack["detail"] == "This button has expired."
    assert runs == []
    assert (await ActionClick.objects.aget()).outcome == "gone"


async def test_button_with_time_left_works(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat

    @callbacks("soon")
    async def soon(action: ca.Action) -> str:
        return "in time"

    expires = timezone.now() + timedelta(minutes=5)
    message = await ca.Message(
        "x", actions=[ca.Action("soon", expires_at=expires)], conversation=conversation
    ).send()
    frame = await socket.receive()
    assert frame["actions"][0]["expires_at"] == expires.isoformat()
    _, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["notice"] == "in time"


async def test_exclusive_message_loses_every_button_on_the_first_click(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("pick")
    async def pick(action: ca.Action) -> None:
        await ca.Message(f"picked {action.payload['n']}").send()

    message = await ca.Message(
        "Pick one",
        actions=[ca.Action("pick", payload={"n": n}) for n in (1, 2, 3)],
        exclusive=True,
        conversation=conversation,
    ).send()
    await socket.receive()
    ids = [str(a.id) for a in message.actions]
    frames, ack = await socket.request({"type": "action", "id": ids[1]})
    assert ack["status"] == "ok"
    assert [f["id"] for f in frames if f["type"] == "action.remove"] == ids
    assert frames[-1]["content"] == "picked 2"
    _, late = await socket.request({"type": "action", "id": ids[0]})
    assert late["status"] == "gone"


async def test_actions_sharing_a_name_differ_by_payload(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat
    seen = []

    @callbacks("size")
    async def size(action: ca.Action) -> None:
        seen.append(action.payload["size"])

    message = await ca.Message(
        "Size?",
        actions=[ca.Action("size", s.upper(), payload={"size": s}) for s in ("s", "m", "l")],
        conversation=conversation,
    ).send()
    await socket.receive()
    for action in (message.actions[2], message.actions[0]):
        await socket.request({"type": "action", "id": str(action.id)})
    assert seen == ["l", "s"]


async def test_sending_outside_a_handler_needs_a_conversation() -> None:
    with pytest.raises(ca.NoChatContext, match="Pass conversation="):
        await ca.Message("nowhere").send()


async def test_conversation_can_be_named_by_uuid_string(chat: Chat) -> None:
    _, conversation, socket = chat
    await ca.Message("by id", conversation=str(conversation.uuid)).send()
    assert (await socket.receive())["content"] == "by id"


def test_sync_code_sends_and_removes_and_open_tabs_would_see_it(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = ca.Message("from a view", actions=[ca.Action("a")], conversation=conversation)
    message.send_sync()
    message.actions[0].remove_sync()
    message.content = "edited"
    assert message.update_sync() is True
    message.remove_actions_sync()
    row = Message.objects.get(uuid=message.id)
    assert row.content == "edited" and not row.actions.filter(removed_at__isnull=True).exists()
    message.remove_sync()
    assert Message.objects.get(uuid=message.id).removed_at is not None


async def test_action_aget_finds_a_sent_button_to_remove_it_from_outside(chat: Chat) -> None:
    _, conversation, socket = chat
    message = await ca.Message(
        "x", actions=[ca.Action("a", payload={"k": 1})], conversation=conversation
    ).send()
    await socket.receive()
    found = await ca.Action.aget(message.actions[0].id, conversation)
    assert found.payload == {"k": 1} and found.for_id == message.id
    await found.remove()
    assert await socket.receive() == {"type": "action.remove", "id": str(found.id), "seq": ANY}
    with pytest.raises(Action.DoesNotExist):
        await ca.Action.aget("6b3a3a59-8d4e-4b0b-9a53-3c6c38d1d0aa", conversation)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": "x", "label": "l" * 201}, "label is 201 characters; the limit is 200"),
        ({"name": "x", "variant": "loud"}, "variant must be one of primary, secondary, danger"),
        ({"name": "x", "payload": ["not", "a", "dict"]}, "payload must be a dict"),
        ({"name": "x", "payload": {"f": object()}}, "payload is not JSON-serialisable"),
        ({"name": "x", "payload": {"n": float("nan")}}, "payload is not JSON-serialisable"),
        ({"name": "x", "payload": {"big": "x" * 9000}}, "the limit is 8192"),
    ],
)
async def test_bad_action_raises_naming_it_and_saves_nothing(
    chat: Chat, kwargs: dict[str, Any], error: str
) -> None:
    _, conversation, _ = chat
    before = await Message.objects.acount()
    good = ca.Action("fine")
    with pytest.raises(ca.ActionError, match=error):
        await ca.Message(
            "x", actions=[good, ca.Action(**kwargs)], conversation=conversation
        ).send()
    assert await Message.objects.acount() == before
    assert not await Action.objects.filter(uuid=good.id).aexists()


def test_ttl_and_expires_at_together_are_refused() -> None:
    with pytest.raises(ca.ActionError, match="ttl or expires_at"):
        ca.Action("x", ttl=5, expires_at=timezone.now())


def test_naive_expiry_is_refused() -> None:
    with pytest.raises(ca.ActionError, match="timezone-aware"):
        ca.Action("x", expires_at=timezone.now().replace(tzinfo=None)).validate()


def test_repr_helps_debugging() -> None:
    assert "'x'" in repr(ca.Action("x"))
    assert "'hello'" in repr(ca.Message("hello"))


async def test_content_must_be_text(chat: Chat) -> None:
    _, conversation, _ = chat
    with pytest.raises(TypeError, match="must be a string"):
        await ca.Message(42, conversation=conversation).send()  # type: ignore[arg-type]


async def test_plain_def_callback_can_send_with_the_sync_form(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("sync_send")
    def sync_send(action: ca.Action) -> None:
        ca.Message("sent from a thread").send_sync()

    message = await ca.Message(
        "x", actions=[ca.Action("sync_send")], conversation=conversation
    ).send()
    await socket.receive()
    frames, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert ack["status"] == "ok" and frames[0]["content"] == "sent from a thread"


async def test_concurrent_sends_from_one_callback_all_arrive(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("fan")
    async def fan() -> None:
        await asyncio.gather(*(ca.Message(f"m{i}").send() for i in range(5)))

    message = await ca.Message("x", actions=[ca.Action("fan")], conversation=conversation).send()
    await socket.receive()
    frames, _ = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert sorted(f["content"] for f in frames) == [f"m{i}" for i in range(5)]


async def test_update_redraws_a_kept_button_with_its_new_look(chat: Chat) -> None:
    _, conversation, socket = chat
    button = ca.Action("go", "Go", payload={"n": 1})
    message = await ca.Message("x", actions=[button], conversation=conversation).send()
    await socket.receive()
    button.label, button.disabled, button.variant = "Going…", True, "secondary"
    await message.update()
    frame = await socket.receive()
    assert frame["actions"][0]["id"] == str(button.id)
    assert (frame["actions"][0]["label"], frame["actions"][0]["disabled"]) == ("Going…", True)
    row = await Action.objects.aget(uuid=button.id)
    assert (row.variant, row.payload) == ("secondary", {"n": 1})


async def test_update_keeps_a_removed_button_removed(chat: Chat) -> None:
    _, conversation, socket = chat
    button = ca.Action("go")
    message = await ca.Message("x", actions=[button], conversation=conversation).send()
    await socket.receive()
    await button.remove()
    await socket.receive()
    await message.update()
    assert (await socket.receive())["actions"] == []


@pytest.mark.parametrize("field", ["content", "author"])
async def test_text_no_database_can_store_is_refused_before_saving(chat: Chat, field: str) -> None:
    _, conversation, _ = chat
    before = await Message.objects.acount()
    message = ca.Message("fine", author="Bot", conversation=conversation)
    setattr(message, field, "bad\x00text")
    with pytest.raises(ValueError, match=f"Message {field} contains a NUL character"):
        await message.send()
    assert await Message.objects.acount() == before
