"""The "live" chat app: callbacks whose effects a test of several processes can observe.

A registry of its own, so the demo bot stays as it is; ``/live/`` starts one of
its conversations, greeted by one button per callback below. Whatever a
callback does shows up as a message, so a test watching a socket on another
process sees where and how often it ran.
"""

from __future__ import annotations

import asyncio
import os

import chatactions as ca
from chatactions.ask import AskFormMessage

from .. import agents, graphs  # noqa: F401  (the agents' apps, for /live-agent/, /live-graph/)
from ..forms import NameForm
from . import gate  # noqa: F401  (the default app's "gate" button, for test_live_claims.py)

live = ca.ChatRegistry("live")

GREETING = "Live test chat."
BUTTONS = ("whoami", "remove_me", "slow", "send_then_hang", "count")
#: How often ``slow`` looks for "release" (in the database: any process may write it).
POLLS, POLL = 1200, 0.05


@live.on_chat_start
async def start() -> None:
    await ca.Message(GREETING, actions=[ca.Action(name, name) for name in BUTTONS]).send()


@live.on_message
async def reply(message: ca.Message) -> None:
    """``ask`` asks a question; ``release`` lets a running ``slow`` finish; the rest echoes."""
    if message.content == "ask":
        picked = await ca.AskActionMessage(
            "Which colour?",
            actions=[
                ca.Action("pick", "Red", payload={"colour": "red"}),
                ca.Action("pick", "Blue", payload={"colour": "blue"}),
            ],
            timeout=30,
        ).send()
        await ca.Message(f"picked {picked.payload['colour']}" if picked else "no pick").send()
    elif message.content == "ask form":
        data = await AskFormMessage("Your name?", NameForm, timeout=30).send()
        await ca.Message(f"named {data['name']}" if data else "no name").send()
    elif message.content == "ask name":
        typed = await ca.AskUserMessage("What is your name?", timeout=30).send()
        await ca.Message(f"hello {typed.content}" if typed else "no name").send()
    elif message.content.startswith("propose "):
        path = message.content.removeprefix("propose ")
        await ca.Approval(
            f"Delete {path}?", tool="live_delete", arguments={"path": path}, schema=PATH_SCHEMA
        ).send()
        await ca.Message(f"proposed in process {os.getpid()}").send()
    elif message.content == "release":
        await ca.state.aset("released", True)
    else:
        await ca.Message(f"heard: {message.content}").send()


PATH_SCHEMA = {
    "type": "object",
    "properties": {"path": {"type": "string", "minLength": 1}},
    "required": ["path"],
}


@live.approval_callback("live_delete")
async def live_delete(decision: ca.Decision) -> None:
    """Says what it would run, and where: a test on another process counts the runs."""
    path = decision.arguments.get("path", "-")
    said = f"{decision.outcome} {path} {decision.reason or '-'} in process {os.getpid()}"
    await ca.Message(said).send()


@live.action_callback("whoami")
async def whoami() -> None:
    await ca.Message(f"ran in process {os.getpid()}").send()


@live.action_callback("remove_me")
async def remove_me(action: ca.Action) -> None:
    await action.remove()


@live.action_callback("slow")
async def slow() -> str:
    """Runs until someone writes "release": long enough for a second click to find it busy."""
    await ca.Message("slow started").send()
    for _ in range(POLLS):
        if await ca.state.aget("released"):
            break
        await asyncio.sleep(POLL)
    await ca.Message("slow finished").send()
    return "released"


@live.action_callback("send_then_hang")
async def send_then_hang() -> str:
    """The first run saves a message, then hangs until its process is killed."""
    if await ca.state.aget("hung"):
        await ca.Message("ran again").send()
        return "ran again"
    await ca.state.aset("hung", True)
    await ca.Message("saved before the crash").send()
    await asyncio.sleep(3600)
    return "unreachable"  # pragma: no cover


@live.action_callback("count")
def count() -> str:
    """A plain ``def``: its queries run in a worker thread, on that thread's connection."""
    clicks = ca.state.get("clicks", 0) + 1
    ca.state.set("clicks", clicks)
    return f"count {clicks}"
