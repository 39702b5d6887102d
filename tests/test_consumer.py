"""Every frame of wire protocol v1 through the real ASGI application."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import Action, ActionClick, Message
from project.asgi import application

from .conftest import Callbacks, Chat, Socket, Visitor, offer
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)


async def ask(socket: Socket, content: str = "delete my data") -> dict[str, Any]:
    frames, _ = await socket.request({"type": "message", "content": content})
    return frames[-1]


# Handshake ----------------------------------------------------------------------


async def test_foreign_origin_is_refused_at_the_handshake(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation, origin=b"http://evil.example")
    connected, _ = await socket.comm.connect()
    assert connected is False


async def test_missing_origin_is_refused_at_the_handshake(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    connected, _ = await visitor.socket(conversation, origin=None).comm.connect()
    assert connected is False


async def test_socket_on_another_visitors_conversation_is_closed_not_found(
    visitor: Visitor,
) -> None:
    conversation = await sync_to_async(visitor.start)()
    stranger = Visitor()
    await sync_to_async(stranger.start)()
    socket = stranger.socket(conversation)
    await socket.connect()
    assert await socket.comm.receive_output(1) == {"type": "websocket.close", "code": 4404}


async def test_socket_for_a_conversation_that_does_not_exist_is_closed_the_same_way(
    visitor: Visitor,
) -> None:
    await sync_to_async(visitor.start)()
    socket = visitor.socket("0c1f5a3e-4a8b-4a52-9a57-0d5e6c2b8f11")
    await socket.connect()
    assert await socket.comm.receive_output(1) == {"type": "websocket.close", "code": 4404}


async def test_socket_without_a_session_is_closed_not_found(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    comm = WebsocketCommunicator(
        application,
        f"/ws/chat/{conversation.uuid}/",
        headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")],
    )
    connected, _ = await comm.connect()
    assert connected
    assert await comm.receive_output(1) == {"type": "websocket.close", "code": 4404}


# message ------------------------------------------------------------------------


async def test_message_is_echoed_then_answered_then_acked(chat: Chat) -> None:
    _, _, socket = chat
    frames, ack = await socket.request({"type": "message", "content": "hi", "ref": "c1"})
    assert [f["type"] for f in frames] == ["message", "message"]
    assert frames[0]["content"] == "hi" and frames[0]["author"] == "You"
    assert frames[1]["author"] == "Assistant"
    assert ack == {"type": "ack", "ref": "c1", "status": "ok", "detail": ""}


async def test_message_frame_carries_id_html_actions_and_time(chat: Chat) -> None:
    _, _, socket = chat
    question = await ask(socket)
    assert set(question) == {
        "type",
        "id",
        "author",
        "from_user",
        "content",
        "html",
        "actions",
        "form",
        "created_at",
        "stream",
        "seq",
    }
    assert set(question["actions"][0]) == {
        "id",
        "name",
        "label",
        "tooltip",
        "icon",
        "variant",
        "disabled",
        "confirm",
        "expires_at",
        "kind",
    }
    assert f'id="m-{question["id"]}"' in question["html"]


async def test_content_is_escaped_in_live_html(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "<script>alert(1)</script>"})
    assert "<script>" not in frames[0]["html"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in frames[0]["html"]


async def test_second_tab_sees_messages_of_the_first(chat: Chat) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()
    await socket.request({"type": "message", "content": "from tab one"})
    seen = [await other.receive(), await other.receive()]
    assert [f["from_user"] for f in seen] == [True, False]
    assert seen[0]["content"] == "from tab one"
    assert await other.nothing_more()  # the ack went to tab one only
    await other.close()


# action -------------------------------------------------------------------------


async def test_ack_of_a_click_comes_after_everything_the_click_produced(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, _, socket = chat

    @callbacks("chatter")
    async def chatter(action: ca.Action) -> None:
        for i in range(5):
            await ca.Message(f"reply {i}").send()
        await action.remove()

    message = await ca.Message("pick", actions=[ca.Action("chatter")], conversation=chat[1]).send()
    await socket.receive()
    frames, ack = await socket.request({"type": "action", "id": str(message.actions[0].id)})
    assert [f.get("content", f["type"]) for f in frames] == [
        "reply 0",
        "reply 1",
        "reply 2",
        "reply 3",
        "reply 4",
        "action.remove",
    ]
    assert ack["status"] == "ok"


async def test_removed_button_answers_gone_and_disappears_in_every_tab(
    chat: Chat, callbacks: Callbacks
) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()

    @callbacks("once")
    async def once(action: ca.Action) -> None:
        await action.remove()

    await ca.Message("x", actions=[ca.Action("once")], conversation=conversation).send()
    sent = await socket.receive()
    await other.receive()
    action_id = sent["actions"][0]["id"]
    frames, ack = await socket.request({"type": "action", "id": action_id})
    removed = {"type": "action.remove", "id": action_id, "seq": sent["seq"] + 1}
    assert frames == [removed] and ack["status"] == "ok"
    assert await other.receive() == removed
    _, again = await socket.request({"type": "action", "id": action_id})
    assert again["status"] == "gone"
    outcomes = [c.outcome async for c in ActionClick.objects.order_by("id")]
    assert outcomes == ["ok", "gone"]
    await other.close()


async def test_click_on_another_visitors_action_is_not_found_and_runs_nothing(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, _, socket = chat
    runs = []

    @callbacks("secret")
    async def secret(action: ca.Action) -> None:
        runs.append(action)

    stranger = Visitor()
    theirs = await sync_to_async(stranger.start)()
    msg = await ca.Message("mine", actions=[ca.Action("secret")], conversation=theirs).send()
    _, ack = await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    assert ack["status"] == "not_found"
    assert runs == []
    # Same answer as for an id that exists nowhere.
    _, missing = await socket.request(
        {"type": "action", "id": "6b3a3a59-8d4e-4b0b-9a53-3c6c38d1d0aa"}
    )
    assert missing["detail"] == ack["detail"]


async def test_callback_that_raises_gives_error_and_the_socket_keeps_working(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise RuntimeError("kaboom")

    action_id = await offer(socket, conversation, "boom")
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "error"
    assert "kaboom" not in ack["detail"]  # DEBUG is off in tests
    click = await ActionClick.objects.aget()
    assert click.outcome == "error" and "RuntimeError: kaboom" in click.error
    row = await Action.objects.aget(uuid=action_id)
    assert row.claimed_until is None  # released: the button works again
    frames, ack = await socket.request({"type": "message", "content": "still there?"})
    assert ack["status"] == "ok" and len(frames) == 2


async def test_error_detail_names_the_exception_when_debug_is_on(
    chat: Chat, callbacks: Callbacks, settings: Settings
) -> None:
    _, conversation, socket = chat
    settings.DEBUG = True

    @callbacks("boom")
    async def boom(action: ca.Action) -> None:
        raise RuntimeError("kaboom")

    action_id = await offer(socket, conversation, "boom")
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["detail"] == "RuntimeError: kaboom"


async def test_button_without_a_registered_callback_answers_error(chat: Chat) -> None:
    _, conversation, socket = chat
    msg = await ca.Message("x", actions=[ca.Action("nobody")], conversation=conversation).send()
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    assert ack["status"] == "error"
    assert "nobody" in (await ActionClick.objects.aget()).error


async def test_second_click_while_the_first_runs_is_busy(chat: Chat, callbacks: Callbacks) -> None:
    visitor, conversation, socket = chat
    other = visitor.socket(conversation)
    await other.connect()
    started, release = asyncio.Event(), asyncio.Event()
    runs = []

    @callbacks("slow")
    async def slow(action: ca.Action) -> None:
        runs.append(1)
        started.set()
        await release.wait()

    msg = await ca.Message("x", actions=[ca.Action("slow")], conversation=conversation).send()
    await socket.receive()
    await other.receive()
    action_id = str(msg.actions[0].id)
    first = await socket.send({"type": "action", "id": action_id})
    await asyncio.wait_for(started.wait(), 3)
    _, busy = await other.request({"type": "action", "id": action_id})
    assert busy["status"] == "busy"
    release.set()
    _, ok = await socket.until_ack(first)
    assert ok["status"] == "ok" and runs == [1]
    _, again = await other.request({"type": "action", "id": action_id})
    assert again["status"] == "ok" and runs == [1, 1]
    await other.close()


async def test_socket_keeps_reading_while_a_callback_runs(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    release = asyncio.Event()

    @callbacks("wait")
    async def wait(action: ca.Action) -> None:
        await release.wait()

    msg = await ca.Message("x", actions=[ca.Action("wait")], conversation=conversation).send()
    await socket.receive()
    click = await socket.send({"type": "action", "id": str(msg.actions[0].id)})
    frames, ack = await socket.request({"type": "message", "content": "meanwhile"})
    assert ack["status"] == "ok" and frames[0]["content"] == "meanwhile"
    release.set()
    _, done = await socket.until_ack(click)
    assert done["status"] == "ok"


async def test_plain_def_callback_runs_in_a_worker_thread(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    loops = []

    @callbacks("sync")
    def sync_callback(action: ca.Action) -> str:
        try:
            asyncio.get_running_loop()
            loops.append("loop")
        except RuntimeError:
            loops.append("thread")
        return f"done with {action.payload['n']}"

    msg = await ca.Message(
        "x", actions=[ca.Action("sync", payload={"n": 7})], conversation=conversation
    ).send()
    await socket.receive()
    _, ack = await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    assert loops == ["thread"]
    assert ack["status"] == "ok" and ack["notice"] == "done with 7"


async def test_callback_without_parameters_is_called_without_the_action(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat

    @callbacks("bare")
    async def bare() -> None:
        await ca.Message("bare ran").send()

    msg = await ca.Message("x", actions=[ca.Action("bare")], conversation=conversation).send()
    await socket.receive()
    frames, ack = await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    assert ack["status"] == "ok" and frames[0]["content"] == "bare ran"


# sync ---------------------------------------------------------------------------


async def test_sync_after_a_message_sends_only_what_came_later(chat: Chat) -> None:
    _, _, socket = chat
    first, _ = await socket.request({"type": "message", "content": "one"})
    await socket.request({"type": "message", "content": "two"})
    frames, ack = await socket.request({"type": "sync", "after": first[-1]["id"]})
    assert [f["content"] for f in frames] == [
        "two",
        "Sorry, I didn't understand that. Try 'delete my data'.",
    ]
    assert ack["status"] == "ok"


async def test_sync_leaves_out_removed_buttons(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat

    @callbacks("gone")
    async def gone(action: ca.Action) -> None:
        await action.remove()

    msg = await ca.Message(
        "x", actions=[ca.Action("gone"), ca.Action("stay")], conversation=conversation
    ).send()
    await socket.receive()
    await socket.request({"type": "action", "id": str(msg.actions[0].id)})
    frames, _ = await socket.request({"type": "sync", "after": None})
    assert [a["name"] for a in frames[-1]["actions"]] == ["stay"]
    assert str(msg.actions[0].id) not in frames[-1]["html"]


async def test_sync_after_an_unknown_message_is_not_found(chat: Chat) -> None:
    _, _, socket = chat
    _, ack = await socket.request(
        {"type": "sync", "after": "9d7b6f0e-5a0c-4f4e-8f77-3fb3a0f5a7c1"}
    )
    assert ack["status"] == "not_found"


async def test_sync_cannot_read_another_conversations_messages(chat: Chat) -> None:
    _, _, socket = chat
    stranger = Visitor()
    theirs = await sync_to_async(stranger.start)()
    their_first = await Message.objects.filter(conversation=theirs).afirst()
    assert their_first is not None
    _, ack = await socket.request({"type": "sync", "after": str(their_first.uuid)})
    assert ack["status"] == "not_found"


# Malformed frames ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ({"type": "dance"}, "Unknown frame type 'dance'."),
        ({"content": "no type"}, "Unknown frame type None."),
        ({"type": "message"}, "content must be a non-empty string."),
        ({"type": "message", "content": 5}, "content must be a non-empty string."),
        ({"type": "message", "content": "   "}, "content must be a non-empty string."),
        ({"type": "action"}, "id must be a UUID string."),
        ({"type": "action", "id": "not-a-uuid"}, "id must be a UUID string."),
        ({"type": "action", "id": 12}, "id must be a UUID string."),
        ({"type": "action", "id": "a" * 5000}, "id must be a UUID string."),
        ({"type": "sync", "after": 3}, "after must be a UUID string."),
    ],
)
async def test_malformed_frame_gets_invalid_ack_and_nothing_is_written(
    chat: Chat, frame: dict[str, Any], detail: str
) -> None:
    _, _, socket = chat
    before = await asnapshot()
    _, ack = await socket.request(frame)
    assert ack["status"] == "invalid" and ack["detail"] == detail
    assert await asnapshot() == before
    _, ok = await socket.request({"type": "sync", "after": None})
    assert ok["status"] == "ok"


@pytest.mark.parametrize(
    "text",
    ["not json", "[1, 2]", '"a string"', "null", '{"type": "message", "ref": 5}'],
)
async def test_frame_without_a_usable_ref_gets_an_error_frame(chat: Chat, text: str) -> None:
    _, _, socket = chat
    await socket.send_raw(text)
    frame = await socket.receive()
    assert frame["type"] == "error" and frame["detail"]


async def test_binary_frame_gets_an_error_frame_and_the_socket_stays_open(chat: Chat) -> None:
    _, _, socket = chat
    await socket.send_raw(data=b"\x00\x01")
    assert (await socket.receive())["type"] == "error"
    _, ack = await socket.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"


async def test_message_over_the_length_limit_is_invalid(chat: Chat, settings: Settings) -> None:
    _, _, socket = chat
    settings.CHATACTIONS = {"MAX_MESSAGE_LENGTH": 10}
    _, ack = await socket.request({"type": "message", "content": "x" * 11})
    assert ack == {
        "type": "ack",
        "ref": ack["ref"],
        "status": "invalid",
        "detail": "content is longer than 10 characters.",
    }


async def test_frame_over_the_size_limit_is_invalid_and_keeps_its_ref(
    chat: Chat, settings: Settings
) -> None:
    _, _, socket = chat
    settings.CHATACTIONS = {"MAX_FRAME_BYTES": 100}
    _, ack = await socket.request({"type": "message", "content": "x" * 200, "ref": "big"})
    assert ack["ref"] == "big" and ack["status"] == "invalid"
    assert "larger than 100 bytes" in ack["detail"]


async def test_flood_of_frames_is_rate_limited(chat: Chat, settings: Settings) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 3, "RATE_LIMIT_PERIOD": 60}
    # The chat's socket was opened before the override, so open a fresh one.
    visitor, conversation, _ = chat
    fresh = visitor.socket(conversation)
    await fresh.connect()
    statuses = []
    for i in range(5):
        _, ack = await fresh.request({"type": "sync", "after": None, "ref": f"s{i}"})
        statuses.append(ack["status"])
    assert statuses == ["ok", "ok", "ok", "rate_limited", "rate_limited"]
    await fresh.close()
