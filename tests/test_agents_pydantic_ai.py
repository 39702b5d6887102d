"""A Pydantic AI agent in a conversation, offline: its tool waits for the owner's decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from chatactions import dispatch
from chatactions.models import Approval, Conversation, ConversationValue

from . import agents
from .approvals import answer_ids
from .conftest import Socket, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

Tabs = tuple[Conversation, Socket, Socket]


@pytest.fixture
async def tabs(visitor: Visitor) -> AsyncIterator[Tabs]:
    """A conversation of the agent's app, open in two tabs."""
    agents.RAN.clear()
    conversation = await sync_to_async(visitor.start)()
    await Conversation.objects.filter(pk=conversation.pk).aupdate(app=agents.app.name)
    one, two = visitor.socket(conversation), visitor.socket(conversation)
    await one.connect()
    await two.connect()
    yield conversation, one, two
    await one.close()
    await two.close()


async def ask(socket: Socket, prompt: str) -> list[dict[str, str]]:
    """Say ``prompt``; the answers' ids of each approval the agent asked for."""
    frames, ack = await socket.request({"type": "message", "content": prompt})
    assert ack["status"] == "ok"
    return [answer_ids(f["html"]) for f in frames if "wants to run" in f.get("content", "")]


async def reply_in(socket: Socket, start: str) -> dict[str, Any]:
    """The streamed reply's end: the ``message.update`` whose content starts with ``start``."""
    while True:
        frame = await socket.receive()
        if frame["type"] == "message.update" and frame["content"].startswith(start):
            return frame


async def test_approve_runs_the_tool_once_and_the_reply_streams_into_every_tab(tabs: Tabs) -> None:
    conversation, one, two = tabs
    (ids,) = await ask(one, "delete a.txt")
    assert agents.RAN == []  # asked, not run
    row = await Approval.objects.aget(message__conversation=conversation)
    assert (row.tool, row.arguments) == ("delete_file", {"path": "a.txt"})
    assert row.payload["agent"] == "assistant"
    frames, ack = await one.request({"type": "action", "id": ids["approve"]})
    assert ack["status"] == "ok"
    assert agents.RAN == [("a.txt", False)]
    assert any(f["type"] == "message.stream" for f in frames)  # the reply was streamed
    final = [f for f in frames if f["type"] == "message.update"][-1]
    assert final["content"] == "Tool said: deleted a.txt "
    shown = await reply_in(two, "Tool said:")
    assert shown["content"] == final["content"]
    _, again = await one.request({"type": "action", "id": ids["approve"]})
    assert again["status"] == "gone" and len(agents.RAN) == 1


async def test_an_edit_runs_the_tool_with_the_edited_arguments(tabs: Tabs) -> None:
    _, one, _ = tabs
    (ids,) = await ask(one, "delete a.txt")
    data = {"path": "b.txt", "recursive": True}
    _, ack = await one.request({"type": "submit", "id": ids["edit"], "data": data})
    assert ack["status"] == "ok"
    assert agents.RAN == [("b.txt", True)]


async def test_a_rejection_reaches_the_model_as_tool_denied_with_the_reason(tabs: Tabs) -> None:
    _, one, two = tabs
    (ids,) = await ask(one, "delete a.txt")
    data = {"reason": "that is the backup"}
    frames, ack = await one.request({"type": "submit", "id": ids["reject"], "data": data})
    assert ack["status"] == "ok" and agents.RAN == []
    final = [f for f in frames if f["type"] == "message.update"][-1]
    assert final["content"] == "Tool said: that is the backup "
    assert (await reply_in(two, "Tool said:"))["content"] == final["content"]


async def test_a_run_resumes_once_when_its_last_approval_is_decided(tabs: Tabs) -> None:
    _, one, _ = tabs
    first, second = await ask(one, "delete a.txt and b.txt")
    frames, ack = await one.request({"type": "action", "id": first["approve"]})
    assert ack["status"] == "ok" and agents.RAN == []  # one of two decided: still waiting
    assert not any(f.get("content", "").startswith("Tool said") for f in frames)
    frames, ack = await one.request({"type": "submit", "id": second["reject"], "data": {}})
    assert ack["status"] == "ok"
    assert agents.RAN == [("a.txt", False)]
    final = [f for f in frames if f["type"] == "message.update"][-1]
    assert final["content"] == "Tool said: deleted a.txt; The user rejected this tool call. "


async def test_an_expired_approval_is_denied_to_the_model(tabs: Tabs) -> None:
    conversation, one, _ = tabs
    await ask(one, "delete a.txt")
    await Approval.objects.filter(message__conversation=conversation).aupdate(
        expires_at="2000-01-01T00:00:00Z"
    )
    assert await dispatch.expire_approvals() == 1
    assert agents.RAN == []
    final = await reply_in(one, "Tool said:")
    assert final["content"] == "Tool said: No one approved this tool call in time. "


async def test_the_history_is_kept_in_the_database_across_runs(tabs: Tabs) -> None:
    conversation, one, _ = tabs
    (ids,) = await ask(one, "delete a.txt")
    await one.request({"type": "action", "id": ids["approve"]})
    frames, _ = await one.request({"type": "message", "content": "how many?"})
    final = [f for f in frames if f["type"] == "message.update"][-1]
    # prompt, tool call, approved call's return, reply, then this prompt: five messages
    assert final["content"] == "I have seen 5 messages."
    keys = [
        key
        async for key in ConversationValue.objects.filter(conversation=conversation)
        .order_by("key")
        .values_list("key", flat=True)
    ]
    assert keys[0] == "chatactions.agents.assistant.history"
    assert all(k.endswith(".resumed") for k in keys[1:])  # the run's record is gone
