"""The payload never leaves the server, and send() refuses one it could not keep."""

from __future__ import annotations

import datetime
import json
import math
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import Action, ActionClick, Conversation

from .conftest import Callbacks, Chat
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def new_conversation() -> Conversation:
    return Conversation.objects.create(visitor=uuid.uuid4())


def send(conversation: Conversation, *actions: ca.Action) -> ca.Message:
    message = ca.Message("pick", actions=list(actions), conversation=conversation)
    return async_to_sync(message.send)()


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"when": datetime.date(2024, 1, 1)}, "not JSON-serialisable"),
        ({"blob": b"bytes"}, "not JSON-serialisable"),
        ({"tags": {"a", "b"}}, "not JSON-serialisable"),
        ({"nan": math.nan}, "not JSON-serialisable"),
        ({"inf": math.inf}, "not JSON-serialisable"),
        ({("a", "b"): 1}, "not JSON-serialisable"),
        ({"nul": "a\x00b"}, "NUL character"),
        ({"a\x00": "key"}, "NUL character"),
        ({"half": "\ud800"}, "lone surrogate"),
        ({"deep": [[["\ud83d"]]]}, "lone surrogate"),
    ],
)
def test_payload_that_cannot_be_kept_raises_naming_the_action_and_saves_nothing(
    payload: dict[str, Any], why: str
) -> None:
    conversation = new_conversation()
    before = snapshot()
    with pytest.raises(ca.ActionError, match=why) as excinfo:
        send(conversation, ca.Action("ok_one"), ca.Action("the_bad_one", payload=payload))
    assert "'the_bad_one'" in str(excinfo.value)
    assert snapshot() == before  # no message row, no action row, not even the good action


def test_payload_that_is_not_a_dict_raises_and_saves_nothing() -> None:
    conversation = new_conversation()
    before = snapshot()
    with pytest.raises(ca.ActionError, match="'listy': payload must be a dict"):
        send(conversation, ca.Action("listy", payload=[1, 2]))  # type: ignore[arg-type]
    assert snapshot() == before


def test_self_containing_payload_raises_instead_of_hanging() -> None:
    conversation = new_conversation()
    loop: dict[str, object] = {}
    loop["me"] = loop
    with pytest.raises(ca.ActionError, match="'loopy': payload is not JSON-serialisable"):
        send(conversation, ca.Action("loopy", payload=loop))
    assert not Action.objects.exists()


def test_payload_over_the_limit_raises_naming_the_action_and_saves_nothing(
    settings: Settings,
) -> None:
    settings.CHATACTIONS = {"MAX_PAYLOAD_BYTES": 100}
    conversation = new_conversation()
    before = snapshot()
    with pytest.raises(ca.ActionError) as excinfo:
        send(conversation, ca.Action("big", payload={"x": "a" * 100}))
    assert str(excinfo.value) == (
        "Action 'big': payload is 109 bytes of JSON; "
        "the limit is 100 (CHATACTIONS['MAX_PAYLOAD_BYTES'])."
    )
    assert snapshot() == before


def test_payload_of_exactly_the_limit_is_saved(settings: Settings) -> None:
    settings.CHATACTIONS = {"MAX_PAYLOAD_BYTES": 100}
    conversation = new_conversation()
    payload = {"x": "a" * 91}  # {"x": "aaa..."} is 100 bytes of JSON
    assert len(json.dumps(payload).encode()) == 100
    send(conversation, ca.Action("fits", payload=payload))
    assert Action.objects.get().payload == payload


def test_payload_limit_counts_utf8_bytes(settings: Settings) -> None:
    settings.CHATACTIONS = {"MAX_PAYLOAD_BYTES": 100}
    conversation = new_conversation()
    send(conversation, ca.Action("fits", payload={"x": "é" * 45}))  # 99 bytes as UTF-8
    with pytest.raises(ca.ActionError, match="payload is 101 bytes"):
        send(conversation, ca.Action("too_big", payload={"x": "é" * 46}))
    assert list(Action.objects.values_list("name", flat=True)) == ["fits"]


@pytest.mark.parametrize("field", ["label", "tooltip", "confirm"])
def test_label_that_cannot_be_stored_raises_naming_the_action(field: str) -> None:
    conversation = new_conversation()
    unstorable: dict[str, Any] = {field: "a\x00b"}
    with pytest.raises(ca.ActionError, match=f"'named': {field} contains a NUL character"):
        send(conversation, ca.Action("named", **unstorable))
    assert not Action.objects.exists()


def test_default_limit_is_8_kib() -> None:
    conversation = new_conversation()
    send(conversation, ca.Action("fits", payload={"x": "a" * (8192 - 9)}))
    with pytest.raises(ca.ActionError, match="the limit is 8192"):
        send(conversation, ca.Action("big", payload={"x": "a" * (8192 - 8)}))


# PostgreSQL's jsonb keeps numbers as decimals: 2.9e+16 comes back as the integer
# 29316237849598370. Floats are kept below that size here; NaN and infinities stay in.
FLOATS = st.floats(min_value=-1e15, max_value=1e15) | st.sampled_from([math.nan, -math.inf])
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | FLOATS
    | st.text(st.characters(exclude_categories=()) | st.sampled_from(["\x00", "\ud800"])),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
NOT_JSON = st.sampled_from([object(), {1, 2}, b"x", datetime.time(1, 2)])


def test_send_either_keeps_the_payload_exactly_or_refuses_and_saves_nothing(
    settings: Settings,
) -> None:
    """Whatever goes in a payload comes back as JSON would give it, or is refused whole."""
    settings.CHATACTIONS = {"MAX_PAYLOAD_BYTES": 400}
    conversation = new_conversation()

    @hypothesis_settings(max_examples=60, deadline=None, database=None)
    @given(st.dictionaries(st.text(max_size=8), JSON | NOT_JSON, max_size=5))
    def check(payload: dict[str, Any]) -> None:
        before = snapshot()
        try:
            message = send(conversation, ca.Action("fuzzed", payload=payload))
        except ca.ActionError:
            assert snapshot() == before
            return
        stored = Action.objects.get(uuid=message.actions[0].id).payload
        assert stored == json.loads(json.dumps(payload))

    check()


# The payload stays on the server --------------------------------------------------


async def test_callback_gets_the_payload_from_the_database_not_from_the_client(
    chat: Chat, callbacks: Callbacks
) -> None:
    _, conversation, socket = chat
    seen = []

    @callbacks("pay")
    async def pay(action: ca.Action) -> None:
        seen.append(action.payload)

    action = ca.Action("pay", payload={"amount": 10})
    await ca.Message("x", actions=[action], conversation=conversation).send()
    action.payload["amount"] = 1_000_000  # the sender's object changes; the row does not
    sent = await socket.receive()
    _, ack = await socket.request(
        {"type": "action", "id": sent["actions"][0]["id"], "payload": {"amount": 999}}
    )
    assert ack["status"] == "ok"
    assert seen == [{"amount": 10}]


async def test_no_frame_ever_carries_the_payload(chat: Chat, callbacks: Callbacks) -> None:
    _, conversation, socket = chat
    secret = "s3cr3t-" + uuid.uuid4().hex

    @callbacks("show")
    async def show(action: ca.Action) -> None:
        await ca.Message("clicked", actions=[ca.Action("show", payload={"k": secret})]).send()

    await ca.Message(
        "x",
        actions=[ca.Action("show", "Show", payload={"k": secret}, tooltip="t")],
        conversation=conversation,
    ).send()
    texts = [await socket.comm.receive_from()]
    action_id = json.loads(texts[0])["actions"][0]["id"]
    for frame in (
        {"type": "action", "id": action_id, "ref": "a"},
        {"type": "sync", "after": None, "ref": "s"},
    ):
        await socket.send(frame)
        while f'"ref":"{frame["ref"]}"' not in texts[-1]:
            texts.append(await socket.comm.receive_from())
    texts = [t for t in texts if '"type":"task.' not in t]
    assert len(texts) == 7  # offer, reply, ack; the sync: greeting, offer, reply, ack
    assert not any(secret in text for text in texts)
    assert await sync_to_async(ActionClick.objects.count)() == 1
