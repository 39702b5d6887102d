"""The chapter's confirmation bot, whole, over the WebSocket."""

from __future__ import annotations

from unittest.mock import ANY

import pytest

from chatactions.models import ActionClick

from .conftest import Chat

pytestmark = pytest.mark.django_db(transaction=True)

GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."


async def test_start_greets_the_visitor(chat: Chat) -> None:
    _, _, socket = chat
    frames, ack = await socket.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"
    assert [f["content"] for f in frames] == [GREETING]


async def test_delete_my_data_asks_with_two_buttons(chat: Chat) -> None:
    _, _, socket = chat
    frames, ack = await socket.request({"type": "message", "content": "Please delete my data"})
    assert ack["status"] == "ok"
    user, question = frames
    assert user["from_user"] is True and user["content"] == "Please delete my data"
    assert question["content"] == "Are you sure you want to delete your data?"
    assert [a["label"] for a in question["actions"]] == ["Confirm Deletion", "Cancel"]
    assert "Confirm Deletion" in question["html"]


async def test_confirm_deletes_with_the_payload_kept_on_the_server(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    confirm = frames[-1]["actions"][0]
    assert "payload" not in confirm and "important_data" not in frames[-1]["html"]
    frames, ack = await socket.request({"type": "action", "id": confirm["id"]})
    assert ack["status"] == "ok"
    reply, removed = frames
    assert reply["content"] == "Okay, deleting 'important_data.txt' for user123... (Not really!)"
    assert removed == {"type": "action.remove", "id": confirm["id"], "seq": ANY}


async def test_cancel_says_deletion_cancelled(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    cancel = frames[-1]["actions"][1]
    frames, ack = await socket.request({"type": "action", "id": cancel["id"]})
    assert ack["status"] == "ok"
    reply, removed = frames
    assert reply["content"] == "Deletion cancelled."
    assert removed == {"type": "action.remove", "id": cancel["id"], "seq": ANY}


async def test_each_button_removes_only_itself_so_the_other_still_answers(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    confirm, cancel = frames[-1]["actions"]
    await socket.request({"type": "action", "id": confirm["id"]})
    _, again = await socket.request({"type": "action", "id": confirm["id"]})
    frames, ack = await socket.request({"type": "action", "id": cancel["id"]})
    assert again["status"] == "gone"
    assert ack["status"] == "ok" and frames[0]["content"] == "Deletion cancelled."


async def test_demo_buttons_show_variant_icon_and_tooltip(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    confirm, cancel = frames[-1]["actions"]
    assert (confirm["variant"], confirm["icon"]) == ("danger", "trash-2")
    assert (cancel["variant"], cancel["icon"]) == ("secondary", "x")
    assert confirm["tooltip"] and cancel["tooltip"]


async def test_anything_else_is_not_understood(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "hello?"})
    assert frames[-1]["content"] == "Sorry, I didn't understand that. Try 'delete my data'."
    assert frames[-1]["actions"] == []


async def test_whole_flow_is_recorded_in_the_database(chat: Chat) -> None:
    _, conversation, socket = chat
    frames, _ = await socket.request({"type": "message", "content": "delete my data"})
    await socket.request({"type": "action", "id": frames[-1]["actions"][0]["id"]})
    contents = [m.content async for m in conversation.messages.order_by("id")]
    assert contents == [
        GREETING,
        "delete my data",
        "Are you sure you want to delete your data?",
        "Okay, deleting 'important_data.txt' for user123... (Not really!)",
    ]
    click = await ActionClick.objects.select_related("action").aget()
    assert (click.action.name, click.outcome, click.via) == ("confirm_delete", "ok", "websocket")
    assert click.visitor == conversation.visitor and click.duration_ms > 0
