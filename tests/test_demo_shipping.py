"""The demo's shipping form, over the socket and the form door: ask, sum up, change, photo."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

from .conftest import Chat, Socket

pytestmark = pytest.mark.django_db(transaction=True)

WHEN = datetime.date.today() + datetime.timedelta(days=30)
ANSWERS = {"address": "1 Main St", "speed": "express", "extras": ["note"], "when": str(WHEN)}
SUMMARY = f"Order 42: **express** to 1 Main St on {WHEN:%d %B %Y}, with card."


async def ask(socket: Socket) -> dict[str, Any]:
    frames, ack = await socket.request({"type": "message", "content": "Ship my order, please"})
    assert ack["status"] == "ok"
    return frames[-1]


async def test_ship_my_order_asks_the_shipping_form_with_an_optional_photo(chat: Chat) -> None:
    _, _, socket = chat
    question = await ask(socket)
    assert question["content"] == "Where should we ship it?"
    assert question["form"]["submit_label"] == "Ship"
    html = question["html"]
    assert 'enctype="multipart/form-data"' in html  # the photo: posted over HTTP
    assert 'type="file"' in html and 'accept="image/*"' in html
    assert '<option value="standard" selected>' in html  # the form's initial


async def test_a_valid_answer_is_summed_up_then_change_asks_again_with_it(chat: Chat) -> None:
    _, _, socket = chat
    form_id = (await ask(socket))["form"]["id"]
    frames, ack = await socket.request({"type": "submit", "id": form_id, "data": ANSWERS})
    assert ack["status"] == "ok"
    summary = next(f for f in frames if f["type"] == "message")
    assert summary["content"] == SUMMARY
    assert [a["label"] for a in summary["actions"]] == ["Confirm", "Change"]
    assert {"type": "action.remove", "id": form_id} in [
        {k: f[k] for k in ("type", "id")} for f in frames if f["type"] == "action.remove"
    ]
    change = summary["actions"][1]["id"]
    frames, ack = await socket.request({"type": "action", "id": change})
    assert ack["status"] == "ok"
    again = next(f for f in frames if f["type"] == "message")
    assert again["content"] == "Where should we ship it?"
    assert 'value="1 Main St"' in again["html"]
    assert '<option value="express" selected>' in again["html"]
    assert 'value="note" id="' in again["html"] and "checked" in again["html"]


async def test_confirm_says_the_order_is_on_its_way(chat: Chat) -> None:
    _, _, socket = chat
    form_id = (await ask(socket))["form"]["id"]
    frames, _ = await socket.request({"type": "submit", "id": form_id, "data": ANSWERS})
    summary = next(f for f in frames if f["type"] == "message")
    frames, ack = await socket.request({"type": "action", "id": summary["actions"][0]["id"]})
    said = [f["content"] for f in frames if f["type"] == "message"]
    assert ack["status"] == "ok" and said == ["Order 42 is on its way."]


async def test_the_photo_is_stored_and_named_in_the_summary(
    chat: Chat, settings: Settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    visitor, conversation, socket = chat
    form_id = (await ask(socket))["form"]["id"]
    photo = SimpleUploadedFile("parcel.jpg", b"\xff\xd8 a parcel", content_type="image/jpeg")
    response = await sync_to_async(visitor.client.post)(
        f"/chat/{conversation.uuid}/forms/{form_id}/submit/",
        {**ANSWERS, "photo": photo},
        headers={"Accept": "application/json"},
    )
    assert response.json()["status"] == "ok"
    summary = await socket.receive()
    assert summary["content"] == f"{SUMMARY} Photo: parcel.jpg."
    stored = tmp_path / "chatactions" / form_id / "parcel.jpg"
    assert await sync_to_async(stored.read_bytes)() == b"\xff\xd8 a parcel"


async def until_said(socket: Socket, content: str) -> None:
    """Read frames until the bot says ``content`` (the asking handler is still running)."""
    while True:
        frame = await socket.receive()
        if frame["type"] == "message" and not frame["from_user"] and frame["content"] == content:
            return


async def test_what_is_your_name_waits_for_the_typed_answer(chat: Chat) -> None:
    _, _, socket = chat
    asking = await socket.send({"type": "message", "content": "What is your name?"})
    await until_said(socket, "What is your name?")  # its handler waits for the answer
    replied = await socket.send({"type": "message", "content": "Ada"})
    frames, ack = await socket.until_ack(replied)
    assert ack["status"] == "ok" and [f.get("content") for f in frames] == ["Ada"]
    frames, ack = await socket.until_ack(asking)
    assert ack["status"] == "ok"
    said = [f["content"] for f in frames if f["type"] == "message"]
    assert said == ["Nice to meet you, Ada!"]
