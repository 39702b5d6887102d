"""The demo's assistant: a Pydantic AI agent whose one tool, ``delete_file``, asks first.

Its own chat app (``/assistant/``, registry ``"assistant"``), and the demo
bot's answer to "delete the file ...". By default its model is scripted
(``scripted.py``: no key, no network); ``CHATACTIONS_DEMO_MODEL`` (the
setting ``DEMO_MODEL``) names a real one instead, e.g. ``openai:gpt-5`` with
``OPENAI_API_KEY`` set, as Pydantic AI reads it. Each call becomes a
``ca.Approval`` (Approve, Edit, Reject) through ``AgentChat``, and the tool
runs once, with the arguments approved, on whichever process takes the
decision, hours later too. Nothing is really deleted.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from django.conf import settings
from pydantic import Field
from pydantic_ai import Agent, DeferredToolRequests

import chatactions as ca
from chatactions.agents.pydantic_ai import AgentChat

from . import scripted

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "You are the assistant of a demo site. You can delete files with the delete_file tool; "
    "the user approves, edits or rejects each call before it runs. Answer briefly."
)
GREETING = "Hello! I'm an assistant with one tool, delete_file, which asks you first. " + (
    "Try 'delete the file notes.txt'."
)

#: Pydantic AI drops fields' titles from a tool's schema: the Edit form labels them by name.
Path = Annotated[str, Field(min_length=1, max_length=200)]


async def delete_file(path: Path, recursive: bool = False) -> dict[str, Any]:
    """Delete a file (here: pretend to), with the arguments its owner approved."""
    log.info("delete_file(%r, recursive=%r): pretending", path, recursive)
    return {"deleted": path, "recursive": recursive, "really": False}


def build_agent(model: str | None = None) -> Agent[None, str | DeferredToolRequests]:
    """The agent on ``model`` (a Pydantic AI model name), ``DEMO_MODEL``, or the scripted one."""
    name = model or settings.DEMO_MODEL
    agent: Agent[None, str | DeferredToolRequests] = Agent(
        name or scripted.model(),
        output_type=[str, DeferredToolRequests],
        instructions=INSTRUCTIONS,
    )
    agent.tool_plain(requires_approval=True)(delete_file)
    return agent


agent = build_agent()
app = ca.ChatRegistry("assistant")
#: The assistant in its own app, and in the demo bot's conversations (their own history).
chat = AgentChat("assistant", agent, registry=app, ttl=3600)
in_demo_bot = AgentChat("assistant", agent, ttl=3600)


@app.on_chat_start
async def start() -> None:
    await ca.Message(GREETING).send()


@app.on_message
async def reply(message: ca.Message) -> None:
    await chat.run(message.content)
