"""Whatever a client throws at the socket, it is answered, nothing is written, and it still works.

Hypothesis draws bounded batches of frames: any JSON value, objects that look
almost like protocol frames, arbitrary text (lone surrogates and NULs
included), oversized frames and binary frames. None of them may write or lose a
row, each must get exactly one answer that is not ``error`` (a crash), and
afterwards the same socket must still get a message answered.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

from chatactions.models import Message

from .conftest import Visitor
from .rows import asnapshot

pytestmark = pytest.mark.django_db(transaction=True)

MAX_FRAME_BYTES = 2048
MAX_MESSAGE_LENGTH = 200
WAIT = 20

TEXT = st.text(st.characters(exclude_categories=()) | st.sampled_from(["\x00", "\ud800", "\n"]))
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=10,
)
UUIDS = st.uuids().map(str)
REFS = st.none() | st.text(max_size=64) | st.text(min_size=65, max_size=80) | JSON


def would_write(value: Any) -> bool:
    """A message frame that might be accepted; its content would be saved, by design."""
    return (
        isinstance(value, dict)
        and value.get("type") == "message"
        and isinstance(value.get("content"), str)
        and bool(value["content"].strip())
    )


UNSENDABLE_CONTENT = (
    st.just("")
    | st.text(" \t\n", max_size=5)
    | st.text(min_size=MAX_MESSAGE_LENGTH + 1, max_size=MAX_MESSAGE_LENGTH + 20)
    | st.tuples(TEXT, st.sampled_from(["\x00", "\ud800", "\udfff"]), TEXT).map("".join)
    | JSON.filter(lambda v: not isinstance(v, str))
)


def frame_like(sync_after: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Objects shaped like protocol frames, each with something wrong (or harmless)."""
    kinds = st.sampled_from(["message", "action", "sync"]) | TEXT | JSON
    return st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("message"), "content": UNSENDABLE_CONTENT},
            optional={"ref": REFS},
        ),
        st.fixed_dictionaries(
            {"type": st.just("action")},
            optional={"id": UUIDS | TEXT | JSON, "ref": REFS, "payload": JSON},
        ),
        st.fixed_dictionaries(
            {"type": st.just("sync")}, optional={"after": sync_after | TEXT | JSON, "ref": REFS}
        ),
        st.fixed_dictionaries({"type": kinds}, optional={"ref": REFS, "content": JSON}).filter(
            lambda d: not would_write(d)
        ),
    )


def websocket_events(known_messages: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """One ``websocket.receive`` event: a text frame of some kind, or a binary one."""
    texts = st.one_of(
        frame_like(st.sampled_from(known_messages) | UUIDS | st.none()).map(json.dumps),
        JSON.filter(lambda v: not would_write(v)).map(json.dumps),
        TEXT,
        st.builds(
            lambda n, ref: json.dumps({"type": "message", "content": "a" * n, "ref": ref}),
            st.integers(MAX_FRAME_BYTES, 2 * MAX_FRAME_BYTES),
            st.text(max_size=8),
        ),
    )
    return texts.map(lambda t: {"type": "websocket.receive", "text": t}) | st.binary(
        max_size=64
    ).map(lambda b: {"type": "websocket.receive", "bytes": b})


def test_random_frames_are_answered_write_nothing_and_the_chat_still_works(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {
        "MAX_FRAME_BYTES": MAX_FRAME_BYTES,
        "MAX_MESSAGE_LENGTH": MAX_MESSAGE_LENGTH,
        "SYNC_LIMIT": 3,
        # Frames, not the budget or the caps: every example opens a socket of one visitor.
        "RATE_LIMIT": 0,
        "MAX_SOCKETS_PER_CONVERSATION": 0,
        "MAX_SOCKETS_PER_REQUESTER": 0,
    }
    conversation = visitor.start()
    known = [str(u) for u in Message.objects.values_list("uuid", flat=True)]
    thrown = []

    async def throw(events: list[dict[str, Any]]) -> None:
        socket = visitor.socket(conversation)
        # Generous waits: a hang guard on a busy machine, not a timing goal.
        connected, _ = await socket.comm.connect(timeout=WAIT)
        assert connected
        before = await asnapshot()
        for event in events:
            await socket.comm.send_input(event)
        answers: list[dict[str, Any]] = []
        while len(answers) < len(events):
            frame = await socket.receive(timeout=WAIT)
            if frame["type"] != "message":  # a sync's resent messages are not answers
                answers.append(frame)
        assert all(
            a["type"] == "error"
            or (a["type"] == "ack" and a["status"] in {"ok", "not_found", "invalid"})
            for a in answers
        ), answers
        assert await asnapshot() == before
        alive = await socket.send({"type": "message", "content": "still there?"})
        frames, ack = await socket.until_ack(alive, timeout=WAIT)
        assert ack["status"] == "ok" and [f["from_user"] for f in frames] == [True, False]
        await socket.close()
        thrown.append(len(events))

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(websocket_events(known), min_size=1, max_size=12))
    def check(events: list[dict[str, Any]]) -> None:
        async_to_sync(throw)(events)

    check()
    assert len(thrown) >= 50  # hypothesis really ran the examples
