"""A scripted Pydantic AI agent for the tests: no model, no key, no network.

Asked "delete a.txt" (or "delete a.txt and b.txt") it calls the ``delete_file``
tool, which requires approval; given the tool's results it streams them back
as text; anything else it answers with how many messages it has seen, so a
test can tell that the history was kept.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

from pydantic_ai import Agent, DeferredToolRequests
from pydantic_ai.messages import ModelMessage, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, DeltaToolCall, FunctionModel

import chatactions as ca
from chatactions.agents.pydantic_ai import AgentChat

#: Every run of the tool, as (path, recursive): what the tests count.
RAN: list[tuple[str, bool]] = []


async def script(messages: list[ModelMessage], info: AgentInfo) -> AsyncIterator[Any]:
    parts = messages[-1].parts
    returns = [p for p in parts if isinstance(p, ToolReturnPart)]
    if returns:
        said = "; ".join(str(p.content) for p in returns)
        for word in f"Tool said: {said}".split(" "):
            yield word + " "
        return
    prompt = next((str(p.content) for p in parts if isinstance(p, UserPromptPart)), "")
    if prompt.startswith("delete "):
        paths = prompt.removeprefix("delete ").split(" and ")
        yield {
            i: DeltaToolCall(
                name="delete_file", json_args=json.dumps({"path": p}), tool_call_id=f"c{i}"
            )
            for i, p in enumerate(paths)
        }
        return
    yield f"I have seen {len(messages)} messages."


agent: Agent[None, str | DeferredToolRequests] = Agent(
    FunctionModel(stream_function=script), output_type=[str, DeferredToolRequests]
)


@agent.tool_plain(requires_approval=True)
async def delete_file(path: str, recursive: bool = False) -> str:
    """Delete a file (pretend)."""
    RAN.append((path, recursive))
    await ca.Message(f"tool ran: {path} in process {os.getpid()}").send()
    return f"deleted {path}"


app = ca.ChatRegistry("t_agents")
assistant = AgentChat("assistant", agent, registry=app)


@app.on_message
async def reply(message: ca.Message) -> None:
    await assistant.run(message.content)
