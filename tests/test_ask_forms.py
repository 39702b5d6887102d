"""AskFormMessage and AskUserMessage: wait for valid values, or for the user's next message."""

from __future__ import annotations

import asyncio
import datetime
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import Action, ActionClick, Message
from chatactions.registry import default_registry

from .conftest import Chat, Visitor
from .forms import VALID, ParcelForm, PhotoForm, ShippingForm
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


async def test_ask_form_returns_cleaned_data_after_an_invalid_try(chat: Chat) -> None:
    _, conversation, socket = chat
    asked = ca.AskFormMessage(
        "Where should we ship it?",
        ShippingForm,
        initial={"speed": "express"},
        timeout=5,
        conversation=conversation,
    )
    waiting = asyncio.ensure_future(asked.send())
    sent = await socket.receive()
    form_id = sent["form"]["id"]
    assert '<option value="express" selected>' in sent["html"]
    _, ack = await socket.request({"type": "submit", "id": form_id, "data": {"address": ""}})
    assert ack["status"] == "invalid" and not waiting.done()
    frames, ack = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert ack["status"] == "ok"
    data = await asyncio.wait_for(waiting, 3)
    assert data is not None
    assert data["when"] == datetime.date(2026, 12, 24) and data["extras"] == ["note"]
    assert frames == [{"type": "action.remove", "id": form_id, "seq": sent["seq"] + 1}]
    row = await Action.objects.aget(uuid=form_id)
    assert row.submitted is None  # read once by the asker, then cleared
    assert (await ActionClick.objects.filter(outcome="ok").aget()).fields == sorted(VALID)
    _, again = await socket.request({"type": "submit", "id": form_id, "data": VALID})
    assert again["status"] == "gone"


async def test_ask_form_times_out_to_none_and_the_form_leaves(chat: Chat) -> None:
    _, conversation, socket = chat
    waiting = asyncio.ensure_future(
        ca.AskFormMessage("Where?", ShippingForm, timeout=0.3, conversation=conversation).send()
    )
    sent = await socket.receive()
    assert await asyncio.wait_for(waiting, 3) is None
    removal = {"type": "action.remove", "id": sent["form"]["id"], "seq": sent["seq"] + 1}
    assert await socket.receive() == removal
    with pytest.raises(ca.AskTimeout):
        await ca.AskFormMessage(
            "Where?", ShippingForm, timeout=0.1, raise_on_timeout=True, conversation=conversation
        ).send()


@pytest.fixture
def on_message_seen() -> Iterator[Any]:
    seen: list[Any] = []
    hooks = default_registry._hooks
    old = hooks.pop("on_message", None)
    default_registry.on_message(seen.append)
    yield seen
    hooks.pop("on_message")
    if old is not None:
        hooks["on_message"] = old


async def test_ask_user_returns_the_next_message_which_skips_on_message(
    chat: Chat, on_message_seen: list[Any]
) -> None:
    _, conversation, socket = chat
    waiting = asyncio.ensure_future(
        ca.AskUserMessage("What is your name?", timeout=5, conversation=conversation).send()
    )
    question = await socket.receive()
    assert question["content"] == "What is your name?" and question["actions"] == []
    frames, ack = await socket.request({"type": "message", "content": "Ada"})
    assert ack["status"] == "ok" and [f["content"] for f in frames] == ["Ada"]
    reply = await asyncio.wait_for(waiting, 3)
    assert isinstance(reply, ca.Message) and reply.content == "Ada" and reply.from_user
    assert on_message_seen == []
    row = await Message.objects.select_related("reply").aget(uuid=question["id"])
    assert not row.awaiting and row.reply is not None and row.reply.content == "Ada"
    await socket.request({"type": "message", "content": "hello again"})
    assert [m.content for m in on_message_seen] == ["hello again"]


async def test_ask_user_times_out_and_the_next_message_goes_to_on_message(
    chat: Chat, on_message_seen: list[Any]
) -> None:
    _, conversation, socket = chat
    assert await ca.AskUserMessage("Name?", timeout=0.2, conversation=conversation).send() is None
    await socket.receive()
    await socket.request({"type": "message", "content": "late"})
    assert [m.content for m in on_message_seen] == ["late"]


def test_ask_user_answered_without_javascript(
    visitor: Visitor, on_message_seen: list[Any]
) -> None:
    conversation = visitor.start()
    result: list[Any] = []

    async def ask() -> None:
        asked = ca.AskUserMessage("Name?", timeout=30, conversation=conversation)
        result.append(await asked.send())

    thread = threading.Thread(target=lambda: asyncio.run(ask()))
    thread.start()
    waiting = Message.objects.filter(awaits_reply=True, awaiting=True)
    for _ in range(400):  # until the question is saved (a loaded machine is slow)
        if waiting.exists():
            break
        time.sleep(0.05)
    visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "Grace"})
    thread.join(30)
    assert result[0].content == "Grace" and on_message_seen == []


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    """Uploads go to ``tmp_path``, 1000 bytes at most."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.CHATACTIONS = {"MAX_UPLOAD_BYTES": 1000}
    return tmp_path


async def post_form(visitor: Visitor, url: str, data: dict[str, Any]) -> Any:
    """Post a form as chat.js posts one with a file field: multipart, asking for JSON."""
    response = await sync_to_async(visitor.client.post)(
        url, data, headers={"Accept": "application/json"}
    )
    return response.json()


async def test_ask_form_with_a_file_returns_its_stored_name(chat: Chat, media: Path) -> None:
    visitor, conversation, socket = chat
    asked = ca.AskFormMessage("A photo?", PhotoForm, timeout=10, conversation=conversation)
    waiting = asyncio.ensure_future(asked.send())
    form_id = (await socket.receive())["form"]["id"]
    url = f"/chat/{conversation.uuid}/forms/{form_id}/submit/"
    before = await sync_to_async(snapshot)()
    big = SimpleUploadedFile("big.jpg", b"x" * 1001, content_type="image/jpeg")
    ack = await post_form(visitor, url, {"caption": "big", "photo": big})
    assert ack["status"] == "invalid" and list(ack["errors"]) == ["photo"]
    assert not waiting.done()
    assert await sync_to_async(lambda: list(media.rglob("*.jpg")))() == []
    assert (await sync_to_async(snapshot)())["actions"] == before["actions"]
    photo = SimpleUploadedFile("parcel.jpg", b"\xff\xd8 a parcel", content_type="image/jpeg")
    ack = await post_form(visitor, url, {"caption": "a parcel", "photo": photo})
    assert ack["status"] == "ok"
    data = await asyncio.wait_for(waiting, 5)
    assert data is not None and data["caption"] == "a parcel"
    assert data["photo"].startswith(f"chatactions/{form_id}/parcel")
    with default_storage.open(data["photo"]) as saved:
        assert saved.read() == b"\xff\xd8 a parcel"
    assert (await Action.objects.aget(uuid=form_id)).submitted is None


async def test_ask_form_with_an_optional_file_left_empty_answers_none_for_it(
    chat: Chat, media: Path
) -> None:
    visitor, conversation, socket = chat
    asked = ca.AskFormMessage("Where?", ParcelForm, timeout=10, conversation=conversation)
    waiting = asyncio.ensure_future(asked.send())
    form_id = (await socket.receive())["form"]["id"]
    url = f"/chat/{conversation.uuid}/forms/{form_id}/submit/"
    assert (await post_form(visitor, url, {"address": "1 Main St"}))["status"] == "ok"
    assert await asyncio.wait_for(waiting, 5) == {"address": "1 Main St", "photo": None}
