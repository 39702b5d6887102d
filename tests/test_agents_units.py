"""The adapters' edges: what they register, which schemas draw Edit, whose decisions they take."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from pydantic_ai import Agent, DeferredToolRequests
from pydantic_ai.models.test import TestModel

from chatactions.agents import runs
from chatactions.agents.langgraph import GraphChat
from chatactions.agents.pydantic_ai import AgentChat
from chatactions.models import Conversation
from chatactions.registry import ChatRegistry
from chatactions.store import State

pytestmark = pytest.mark.django_db(transaction=True)


def agent() -> Agent[None, str | DeferredToolRequests]:
    made: Agent[None, str | DeferredToolRequests] = Agent(
        TestModel(), output_type=[str, DeferredToolRequests]
    )

    @made.tool_plain(requires_approval=True)
    def tag(paths: list[str]) -> str:  # an array: no Edit form for it
        return "tagged"

    @made.tool_plain(requires_approval=True)
    def rename(old: str, new: str) -> str:
        return "renamed"

    @made.tool_plain
    def look(path: str) -> str:  # asks nothing
        return "seen"

    return made


def test_an_agent_chat_registers_each_tool_requiring_approval_and_forgets_them() -> None:
    registry = ChatRegistry("t_units_agent")
    chat = AgentChat("units", agent(), registry=registry)
    assert repr(chat) == "<AgentChat 'units': rename, tag>"
    assert registry.approval_tools() == ["rename", "tag"]
    assert chat._schema("rename") is not None  # strings: drawn as Edit
    assert chat._schema("tag") is None  # an array: approve or reject only
    assert chat._schema("nothing") is None
    chat.unregister()
    assert registry.approval_tools() == []


def test_a_graph_chat_registers_its_tools_and_refuses_foreign_interrupts() -> None:
    registry = ChatRegistry("t_units_graph")
    chat = GraphChat("units", SimpleNamespace(astream=None), tools=["rm"], registry=registry)
    assert repr(chat) == "<GraphChat 'units': rm>"
    assert chat.thread(uuid.UUID(int=1)) == {
        "configurable": {"thread_id": f"chatactions:units:{uuid.UUID(int=1)}"}
    }
    with pytest.raises(TypeError, match="request_approval"):
        chat._approval(SimpleNamespace(value="continue?", id="i1"), "b1")
    chat.unregister()
    assert registry.approval_tools() == []


async def test_decisions_of_another_agent_or_graph_are_left_alone() -> None:
    registry = ChatRegistry("t_units_other")
    pydantic_chat = AgentChat("mine", agent(), registry=registry, tools=["rename"])
    graph_chat = GraphChat("mine", SimpleNamespace(astream=None), tools=["rm"], registry=registry)
    theirs: Any = SimpleNamespace(payload={"agent": "theirs", "graph": "theirs"})
    assert await pydantic_chat.decided(theirs) is None
    await graph_chat.decided(theirs)  # returns at once: not its decision
    conversation = await Conversation.objects.acreate(visitor=uuid.uuid4())
    gone: Any = SimpleNamespace(
        payload={"agent": "mine", "graph": "mine", "run": "r0", "batch": "b0"},
        chat=SimpleNamespace(conversation=conversation),
    )
    assert await pydantic_chat.decided(gone) is None  # no record of that run: nothing to resume
    await graph_chat.decided(gone)  # no record of that batch either


async def test_a_run_is_resumed_by_one_claim_only() -> None:
    conversation = await Conversation.objects.acreate(visitor=uuid.uuid4())
    state = State(conversation)
    assert await runs.claim(state, "k") is True
    assert await runs.claim(state, "k") is False
    assert await runs.ready(state, "missing") is None
    assert await sync_to_async(state.get)("k.resumed") is True
