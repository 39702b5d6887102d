"""A LangGraph graph in a conversation, offline: its ``interrupt()`` waits for the owner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from chatactions.models import Approval, Conversation

from . import graphs
from .approvals import answer_ids
from .conftest import Socket, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

Tabs = tuple[Conversation, Socket, Socket]


@pytest.fixture
async def tabs(visitor: Visitor, tmp_path: Path) -> AsyncIterator[Tabs]:
    """A conversation of the graph's app, open in two tabs, on a fresh checkpoint file."""
    graphs.RAN.clear()
    graphs.DATABASE = tmp_path / "checkpoints.sqlite"
    graphs.assistant._built = None
    conversation = await sync_to_async(visitor.start)()
    await Conversation.objects.filter(pk=conversation.pk).aupdate(app=graphs.app.name)
    one, two = visitor.socket(conversation), visitor.socket(conversation)
    await one.connect()
    await two.connect()
    yield conversation, one, two
    await one.close()
    await two.close()
    if graphs.assistant._built is not None:
        await graphs.assistant._built.checkpointer.conn.close()
    graphs.assistant._built = None


async def ask(socket: Socket, prompt: str) -> list[dict[str, str]]:
    frames, ack = await socket.request({"type": "message", "content": prompt})
    assert ack["status"] == "ok"
    asked = [f for f in frames if f["type"] == "message" and "wants to run" in f["content"]]
    return [answer_ids(f["html"]) for f in asked]


async def said(frames: list[dict[str, Any]]) -> str:
    return str([f for f in frames if f["type"] == "message.update"][-1]["content"])


async def restart() -> None:
    """Forget the graph and its connection, as a new process would: only the file is left."""
    assert graphs.assistant._built is not None
    await graphs.assistant._built.checkpointer.conn.close()
    graphs.assistant._built = None


async def test_approve_resumes_the_thread_and_the_reply_streams_to_every_tab(tabs: Tabs) -> None:
    conversation, one, two = tabs
    (ids,) = await ask(one, "delete a.txt")
    row = await Approval.objects.aget(message__conversation=conversation)
    assert (row.tool, row.arguments, row.payload["graph"]) == (
        "delete_file",
        {"path": "a.txt"},
        "assistant",
    )
    await restart()  # the decision comes to a process that never ran the graph
    frames, ack = await one.request({"type": "action", "id": ids["approve"]})
    assert ack["status"] == "ok"
    assert graphs.RAN == [("a.txt", False)]
    assert any(f["type"] == "message.stream" for f in frames)
    text = await said(frames)
    assert text.startswith("Graph said: deleted a.txt in process")
    while (frame := await two.receive())["type"] != "message.update" or "Graph" not in frame[
        "content"
    ]:
        pass
    assert frame["content"] == text


async def test_an_edit_reaches_the_node_as_the_arguments_to_run_with(tabs: Tabs) -> None:
    _, one, _ = tabs
    (ids,) = await ask(one, "delete a.txt")
    data = {"path": "b.txt", "recursive": True}
    _, ack = await one.request({"type": "submit", "id": ids["edit"], "data": data})
    assert ack["status"] == "ok" and graphs.RAN == [("b.txt", True)]


async def test_a_rejection_reaches_the_node_with_the_reason(tabs: Tabs) -> None:
    _, one, _ = tabs
    (ids,) = await ask(one, "delete a.txt")
    data = {"reason": "that is the backup"}
    frames, ack = await one.request({"type": "submit", "id": ids["reject"], "data": data})
    assert ack["status"] == "ok" and graphs.RAN == []
    assert await said(frames) == "Graph said: kept it (that is the backup) "


async def test_interrupts_in_turn_are_asked_in_turn_and_the_tool_runs_once_each(
    tabs: Tabs,
) -> None:
    _, one, _ = tabs
    (first,) = await ask(one, "delete a.txt and b.txt")
    frames, ack = await one.request({"type": "action", "id": first["approve"]})
    assert ack["status"] == "ok" and graphs.RAN == []  # the node now waits on b.txt
    asked = [f for f in frames if f["type"] == "message" and "wants to run" in f["content"]]
    (second,) = [answer_ids(f["html"]) for f in asked]
    frames, ack = await one.request({"type": "action", "id": second["approve"]})
    assert ack["status"] == "ok"
    assert graphs.RAN == [("a.txt", False), ("b.txt", False)]
    _, again = await one.request({"type": "action", "id": first["approve"]})
    assert again["status"] == "gone" and len(graphs.RAN) == 2
