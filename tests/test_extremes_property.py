"""Structural extremes at every door: answered, nothing written, nothing broken.

Hypothesis draws JSON texts at the edges of structure rather than of content:
nesting thousands of levels deep (the socket closed with 1011 and the API
answered 500 on this), arrays thousands wide, objects with thousands of keys,
numbers of 5,000 digits and ``1e999``, alone or inside an otherwise good frame.
The socket answers each with ``invalid`` or an ``error`` frame and stays open;
the API answers 400 (413 over the size limit); the no-JavaScript form door
answers a redirect or 400. No row is written or lost, except where a form's
text is a fair message: that one is saved exactly as sent, and the page shows it.
"""

from __future__ import annotations

import json

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from chatactions.jsontext import MAX_DEPTH, nesting_depth
from chatactions.models import Message

from .conftest import Chat, Visitor
from .rows import asnapshot, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 20
EXAMPLES = hypothesis_settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def nested(depth: int, kind: str) -> str:
    """``depth`` levels of arrays, objects or both, as text: json.dumps would recurse."""
    if kind == "array":
        return "[" * depth + "]" * depth
    if kind == "object":
        return '{"a":' * depth + "0" + "}" * depth
    return '[{"a":' * (depth // 2) + "0" + "}]" * (depth // 2)


DEEP = st.builds(
    nested, st.integers(MAX_DEPTH + 1, 6000), st.sampled_from(["array", "object", "mixed"])
)
WIDE = st.integers(1000, 7000).map(lambda n: "[" + ",".join(["0"] * n) + "]")
MANY_KEYS = st.integers(500, 2500).map(
    lambda n: "{" + ",".join(f'"k{i}":{i}' for i in range(n)) + "}"
)
HUGE_NUMBERS = st.sampled_from(["1e999", "-1e999", "1e-999", "1" + "0" * 5000]) | st.integers(
    4301, 12000
).map(lambda digits: "9" * digits)
EXTREME = DEEP | WIDE | MANY_KEYS | HUGE_NUMBERS


def in_frame(value: str, where: str) -> str:
    """``value`` placed where a frame has a field, or beside the fields of a good message."""
    shapes = {
        "alone": value,
        "content": f'{{"type":"message","content":{value},"ref":"x"}}',
        "id": f'{{"type":"action","id":{value},"ref":"x"}}',
        "after": f'{{"type":"sync","after":{value},"ref":"x"}}',
        "ref": f'{{"type":"sync","after":null,"ref":{value}}}',
        "type": f'{{"type":{value},"ref":"x"}}',
    }
    return shapes[where]


# Beside the fields of a message that would be saved: only a deep value must refuse it.
REFUSED_MESSAGE = DEEP.map(lambda v: f'{{"type":"message","content":"hi","ref":"x","extra":{v}}}')
FRAMES = (
    st.builds(in_frame, EXTREME, st.sampled_from(["alone", "content", "id", "after", "type"]))
    | st.builds(in_frame, EXTREME, st.just("ref"))
    | REFUSED_MESSAGE
)


def test_the_socket_answers_extremes_invalid_and_stays_open(
    visitor: Visitor, settings: Settings
) -> None:
    # The examples are one visitor's sockets: with the budget and caps on, they
    # would share one budget and be refused as a flood, not as bad frames.
    settings.CHATACTIONS = {
        "RATE_LIMIT": 0,
        "MAX_SOCKETS_PER_CONVERSATION": 0,
        "MAX_SOCKETS_PER_REQUESTER": 0,
    }
    conversation = visitor.start()
    thrown = []

    async def throw(texts: list[str]) -> None:
        socket = visitor.socket(conversation)
        connected, _ = await socket.comm.connect(timeout=WAIT)
        assert connected
        before = await asnapshot()
        for text in texts:
            await socket.send_raw(text)
        answers = [await socket.receive(timeout=WAIT) for _ in texts]
        assert all(
            a["type"] == "error" or (a["type"] == "ack" and a["status"] == "invalid")
            for a in answers
        ), [str(a)[:200] for a in answers]
        assert await asnapshot() == before
        frames, ack = await socket.request({"type": "message", "content": "still there?"})
        assert ack["status"] == "ok" and [f["from_user"] for f in frames] == [True, False]
        await socket.close()
        thrown.append(len(texts))

    @EXAMPLES
    @given(st.lists(FRAMES, min_size=1, max_size=4))
    def check(texts: list[str]) -> None:
        async_to_sync(throw)(texts)

    check()
    assert len(thrown) >= 30  # hypothesis really ran the examples


async def test_the_socket_answers_5000_nested_arrays_and_stays_open(chat: Chat) -> None:
    _, _, socket = chat
    before = await asnapshot()
    await socket.send_raw(nested(5000, "array"))
    assert await socket.receive() == {
        "type": "error",
        "detail": f"Frame is not valid JSON: JSON is nested deeper than {MAX_DEPTH} levels.",
    }
    assert await asnapshot() == before
    _, ack = await socket.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"


def test_the_api_answers_extremes_400_and_writes_nothing(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"RATE_LIMIT": 0}  # the throttle would answer 429 first
    conversation = visitor.start()
    url = f"/api/chat/conversations/{conversation.uuid}/messages/"
    seen = []

    @EXAMPLES
    @given(FRAMES | EXTREME)
    def check(body: str) -> None:
        before = snapshot()
        response = visitor.client.post(url, body, content_type="application/json")
        assert response.status_code in {400, 413}, (response.status_code, body[:80])
        assert set(response.json()) in ({"detail"}, {"content"}, {"non_field_errors"})
        assert snapshot() == before
        seen.append(response.status_code)

    check()
    assert len(seen) >= 30


def test_the_api_answers_a_5000_deep_body_like_any_bad_json(visitor: Visitor) -> None:
    conversation = visitor.start()
    url = f"/api/chat/conversations/{conversation.uuid}/messages/"
    before = snapshot()
    response = visitor.client.post(url, nested(2000, "array"), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": f"JSON parse error - JSON is nested deeper than {MAX_DEPTH} levels."
    }
    assert snapshot() == before


def test_the_form_door_answers_extremes_without_a_server_error(visitor: Visitor) -> None:
    conversation = visitor.start()
    url = f"/chat/{conversation.uuid}/"
    seen = []

    @EXAMPLES
    @given(EXTREME, st.sampled_from(["json body", "content", "many fields"]))
    def check(text: str, how: str) -> None:
        before = snapshot()
        if how == "json body":
            response = visitor.client.post(url, text, content_type="application/json")
        elif how == "many fields":
            response = visitor.client.post(url, {f"k{i}": text[:8] for i in range(1001)})
        else:
            response = visitor.client.post(url, {"content": text})
        fair = how == "content" and len(text) <= 4000
        if how == "many fields":
            assert response.status_code == 400  # DATA_UPLOAD_MAX_NUMBER_FIELDS
        else:
            assert response.status_code == 302 and response["Location"] == url
        if fair:  # a fair message, saved as sent, and the page draws it
            saved = Message.objects.filter(conversation=conversation, from_user=True).last()
            assert saved is not None and saved.content == text
            assert visitor.client.get(url).status_code == 200
        else:
            assert snapshot() == before
        seen.append(how)

    check()
    assert {"json body", "content", "many fields"} <= set(seen)


def test_depth_counts_brackets_but_not_those_inside_strings() -> None:
    assert nesting_depth('{"a":"[[[[{{","b":[1,[2]]}') == 3
    assert nesting_depth('"\\"[["') == 0
    assert nesting_depth('"unterminated [[[') == 3  # never undercounts
    assert nesting_depth(nested(MAX_DEPTH, "object")) == MAX_DEPTH


def test_extremes_really_are_extreme() -> None:
    """The strategies reach what broke the doors: deep, wide, many keys, huge numbers."""
    assert len(nested(5000, "array").encode()) == 10000
    assert json.loads(in_frame("1e999", "id"))["id"] == float("inf")
    # The frame of 5,000 arrays broke json.loads up to Python 3.12; 3.13
    # parses it, but a deeper one still breaks it, and the doors refuse both.
    with pytest.raises(RecursionError):
        json.loads(nested(100_000, "array"))
    with pytest.raises(ValueError, match="4300"):
        json.loads("1" + "0" * 5000)
