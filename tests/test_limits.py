"""Limits are answered, never crash, write nothing, and live in one documented settings dict."""

from __future__ import annotations

import uuid

import pytest

from chatactions import dispatch
from chatactions.conf import DEFAULTS
from chatactions.limits import TokenBucket

from .rows import asnapshot, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def flooded(chat, settings):
    """A fresh socket (limits are read at connect) that has spent its only token."""
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    socket = visitor.socket(conversation)
    await socket.connect()
    await socket.request({"type": "sync", "after": None})
    yield socket
    await socket.close()


async def test_rate_limited_message_is_refused_with_its_ref_and_saves_nothing(flooded):
    before = await asnapshot()
    _, ack = await flooded.request({"type": "message", "content": "hi", "ref": "m"})
    assert ack == {
        "type": "ack",
        "ref": "m",
        "status": "rate_limited",
        "detail": "Too many frames; slow down.",
    }
    assert await asnapshot() == before


@pytest.mark.parametrize("text", ["not json", '{"type": "action", "id": "nope", "ref": 7}'])
async def test_rate_limited_frame_without_a_readable_ref_gets_an_error_frame(flooded, text):
    await flooded.send_raw(text)
    assert await flooded.receive() == {"type": "error", "detail": "Too many frames; slow down."}


async def test_rate_limited_malformed_frame_with_a_ref_keeps_it(flooded):
    _, ack = await flooded.request({"type": "action", "id": "nope", "ref": "bad"})
    assert (ack["ref"], ack["status"]) == ("bad", "rate_limited")


async def test_rate_limited_binary_frame_gets_an_error_frame(flooded):
    await flooded.send_raw(data=b"\xff")
    assert (await flooded.receive())["type"] == "error"


async def test_rate_limited_click_is_answered_even_when_its_audit_row_cannot_be_written(
    flooded, monkeypatch, caplog
):
    async def database_down(*args):
        raise ConnectionError("database is down")

    monkeypatch.setattr(dispatch, "refuse_click", database_down)
    _, ack = await flooded.request({"type": "action", "id": str(uuid.uuid4()), "ref": "c"})
    assert ack["status"] == "rate_limited"
    assert "could not record a rate-limited click" in caplog.text
    await flooded.send_raw("still open?")
    assert (await flooded.receive())["type"] == "error"  # answered, so the socket is open


async def test_rate_limit_zero_turns_the_limit_off(chat, settings):
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 0}
    socket = visitor.socket(conversation)
    await socket.connect()
    statuses = set()
    for i in range(DEFAULTS["RATE_LIMIT"] + 5):
        _, ack = await socket.request({"type": "sync", "after": None, "ref": f"s{i}"})
        statuses.add(ack["status"])
    assert statuses == {"ok"}
    await socket.close()


def test_token_bucket_allows_a_burst_then_refills_evenly():
    now = [0.0]
    bucket = TokenBucket(3, 6.0, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] = 1.9  # 3 tokens per 6 s: not yet one back
    assert bucket.take() is False
    now[0] = 2.0
    assert [bucket.take(), bucket.take()] == [True, False]
    now[0] = 1000.0  # a long pause refills the burst, no more
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_message_form_refuses_text_that_cannot_be_stored(visitor):
    conversation = visitor.start()
    before = snapshot()
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/", {"content": "nul\x00byte"}, follow=True
    )
    assert "That could not be sent." in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("a\x00b", "content contains a NUL character."),
        ("a\ud800b", "content contains a lone surrogate, which is not valid Unicode."),
    ],
)
async def test_message_frame_that_cannot_be_stored_is_invalid(chat, content, detail):
    _, _, socket = chat
    before = await asnapshot()
    _, ack = await socket.request({"type": "message", "content": content})
    assert (ack["status"], ack["detail"]) == ("invalid", detail)
    assert await asnapshot() == before


async def test_unknown_type_is_echoed_only_briefly(chat):
    _, _, socket = chat
    _, ack = await socket.request({"type": "x" * 10_000})
    assert ack["status"] == "invalid" and len(ack["detail"]) < 80
