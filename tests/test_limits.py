"""Limits are answered, never crash, write nothing, and live in one documented settings dict."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from django.core.cache import cache
from pytest_django.fixtures import Settings

from chatactions import dispatch, limits
from chatactions.conf import DEFAULTS

from .conftest import Chat, Socket, Visitor
from .rows import asnapshot, snapshot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
async def flooded(chat: Chat, settings: Settings) -> AsyncIterator[Socket]:
    """A fresh socket (limits are read at connect) that has spent its only token."""
    visitor, conversation, _ = chat
    settings.CHATACTIONS = {"RATE_LIMIT": 1, "RATE_LIMIT_PERIOD": 600}
    socket = visitor.socket(conversation)
    await socket.connect()
    await socket.request({"type": "sync", "after": None})
    yield socket
    await socket.close()


async def test_rate_limited_message_is_refused_with_its_ref_and_saves_nothing(
    flooded: Socket,
) -> None:
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
async def test_rate_limited_frame_without_a_readable_ref_gets_an_error_frame(
    flooded: Socket, text: str
) -> None:
    await flooded.send_raw(text)
    assert await flooded.receive() == {"type": "error", "detail": "Too many frames; slow down."}


async def test_rate_limited_malformed_frame_with_a_ref_keeps_it(flooded: Socket) -> None:
    _, ack = await flooded.request({"type": "action", "id": "nope", "ref": "bad"})
    assert (ack["ref"], ack["status"]) == ("bad", "rate_limited")


async def test_rate_limited_binary_frame_gets_an_error_frame(flooded: Socket) -> None:
    await flooded.send_raw(data=b"\xff")
    assert (await flooded.receive())["type"] == "error"


async def test_rate_limited_click_is_answered_even_when_its_audit_row_cannot_be_written(
    flooded: Socket, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def database_down(*args: object) -> None:
        raise ConnectionError("database is down")

    monkeypatch.setattr(dispatch, "refuse_click", database_down)
    _, ack = await flooded.request({"type": "action", "id": str(uuid.uuid4()), "ref": "c"})
    assert ack["status"] == "rate_limited"
    assert "could not record a rate-limited click" in caplog.text
    await flooded.send_raw("still open?")
    assert (await flooded.receive())["type"] == "error"  # answered, so the socket is open


async def test_rate_limit_zero_turns_the_limit_off(chat: Chat, settings: Settings) -> None:
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


def test_budget_holds_rate_limit_per_window_and_says_when_it_ends(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 3, "RATE_LIMIT_PERIOD": 6.0}
    now = [600.5]  # 6 s windows: this one runs from 600 to 606
    monkeypatch.setattr("chatactions.limits.time.time", lambda: now[0])
    spent = [limits.spend("visitor-a") for _ in range(4)]
    assert [s.allowed for s in spent] == [True, True, True, False]
    assert spent[-1].retry_after == pytest.approx(5.5)
    assert limits.spend("visitor-b").allowed  # each requester has a budget of their own
    now[0] = 605.9
    assert not limits.spend("visitor-a").allowed
    now[0] = 606.0  # the next window holds the full budget again, no more
    assert [limits.spend("visitor-a").allowed for _ in range(4)] == [True, True, True, False]


def test_budget_counter_that_expired_meanwhile_is_started_again(settings: Settings) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 2, "RATE_LIMIT_PERIOD": 60.0}
    assert limits.count("chatactions:test:expired", ttl=60) == 1
    cache.delete("chatactions:test:expired")  # as if its window ended between two requests
    assert limits.count("chatactions:test:expired", ttl=60) == 1


def test_message_form_refuses_text_that_cannot_be_stored(visitor: Visitor) -> None:
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
async def test_message_frame_that_cannot_be_stored_is_invalid(
    chat: Chat, content: str, detail: str
) -> None:
    _, _, socket = chat
    before = await asnapshot()
    _, ack = await socket.request({"type": "message", "content": content})
    assert (ack["status"], ack["detail"]) == ("invalid", detail)
    assert await asnapshot() == before


async def test_unknown_type_is_echoed_only_briefly(chat: Chat) -> None:
    _, _, socket = chat
    _, ack = await socket.request({"type": "x" * 10_000})
    assert ack["status"] == "invalid" and len(ack["detail"]) < 80
