"""A plain LangGraph graph for the tests, checkpointed in SQLite: no model, no network.

Asked "delete a.txt" (or "delete a.txt and b.txt") its node asks approval for
each file in turn (``request_approval``), then "deletes" the approved ones and
streams what it did. The checkpointer is a SQLite file (``DATABASE``), opened
per process on first use, so a test can drop the graph and build it again
from the file, as a restarted process does.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypedDict

import aiosqlite
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

import chatactions as ca
from chatactions.agents.langgraph import GraphChat, request_approval

#: Every deletion the node did, as (path, recursive).
RAN: list[tuple[str, bool]] = []
DATABASE = Path(os.environ.get("CHATACTIONS_TEST_GRAPH_DB", "/tmp/chatactions-graphs.sqlite"))
SCHEMA = {
    "type": "object",
    "properties": {"path": {"type": "string", "minLength": 1}, "recursive": {"type": "boolean"}},
    "required": ["path"],
}


class Turn(TypedDict, total=False):
    prompt: str
    said: str


def propose(state: Turn) -> Turn:
    prompt = state.get("prompt", "")
    if not prompt.startswith("delete "):
        return {"said": "nothing to do"}
    answers = [
        request_approval("delete_file", {"path": path}, schema=SCHEMA)
        for path in prompt.removeprefix("delete ").split(" and ")
    ]
    done = []
    for answer in answers:  # after every approval: a node runs again from its start
        if answer["approved"]:
            path, recursive = (
                answer["arguments"]["path"],
                answer["arguments"].get("recursive", False),
            )
            RAN.append((path, recursive))
            done.append(f"deleted {path} in process {os.getpid()}")
        else:
            done.append(f"kept it ({answer['reason'] or answer['outcome']})")
    said = "; ".join(done)
    write = get_stream_writer()
    for word in f"Graph said: {said}".split(" "):
        write(word + " ")
    return {"said": said}


async def build() -> Any:
    """The graph on its SQLite checkpointer, opened in the running event loop."""
    connection = await aiosqlite.connect(DATABASE)
    saver = AsyncSqliteSaver(connection)
    await saver.setup()
    builder = StateGraph(Turn)
    builder.add_node("propose", propose)
    builder.add_edge(START, "propose")
    builder.add_edge("propose", END)
    return builder.compile(checkpointer=saver)


app = ca.ChatRegistry("t_graphs")
assistant = GraphChat("assistant", build, tools=["delete_file"], registry=app)


@app.on_message
async def reply(message: ca.Message) -> None:
    await assistant.run({"prompt": message.content})
