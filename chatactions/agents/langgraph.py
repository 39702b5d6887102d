"""A LangGraph graph in a conversation: each ``interrupt()`` for approval is a ``ca.Approval``.

A node asks with ``request_approval(tool, arguments)``, which calls LangGraph's
``interrupt()`` and returns what the owner decided. The graph runs on the
conversation's thread (``thread_id`` ``chatactions:<name>:<conversation>``) of
the checkpointer it was compiled with: give it one on the site's database
(LangGraph's PostgreSQL or SQLite savers, or your own), so the decision that
resumes it may come on any process, after a restart. When every approval of
the thread's current interrupts is decided, the graph resumes with
``Command(resume={interrupt_id: answer})``, claimed once; text a node writes
with ``get_stream_writer()`` streams into a message.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from . import missing, runs

try:
    from langgraph.types import Command, interrupt
except ImportError as exc:  # the core installs without it
    raise missing("langgraph", "langgraph") from exc

from ..approval import Approval
from ..context import current_chat
from ..decision import Decision
from ..message import Message
from ..models import Approval as ApprovalRow
from ..registry import ChatRegistry, default_registry
from ..store import State


def request_approval(
    tool: str,
    arguments: dict[str, Any],
    *,
    content: str = "",
    schema: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Pause the graph until the owner decides; inside a node. Returns the decision as a dict.

    ``{"outcome": ..., "approved": bool, "arguments": {...}, "reason": "..."}``:
    ``arguments`` is what the tool may run with (the stored ones or the owner's
    edit, empty unless ``approved``). A node runs again from its start when
    resumed, so do the tool's work after this call, not before it.
    """
    request = {"tool": tool, "arguments": arguments, "content": content, "schema": schema}
    answer: dict[str, Any] = interrupt(request)
    return answer


Graph = Any  # a compiled LangGraph graph (``CompiledStateGraph``), with a checkpointer


class GraphChat(runs.Adapter):
    """``GraphChat("assistant", graph, tools=["delete_file"])``: run ``graph`` in conversations.

    ``await chat_graph.run({"prompt": message.content})`` in an ``on_message``
    handler runs the graph on the conversation's thread and asks for each
    pending ``request_approval``. ``graph`` is a compiled graph, or an async
    function that builds one (called once per process, for a checkpointer that
    needs a connection opened in the event loop). The approval callbacks of
    ``tools`` are registered on ``registry``.
    """

    def __init__(
        self,
        name: str,
        graph: Graph | Callable[[], Awaitable[Graph]],
        *,
        tools: Sequence[str],
        registry: ChatRegistry = default_registry,
        ttl: float | None = None,
    ) -> None:
        self._graph = graph
        self._built: Graph | None = (
            None if callable(graph) and not hasattr(graph, "astream") else graph
        )
        super().__init__(name, registry, tools, ttl)

    async def graph(self) -> Graph:
        """The compiled graph, built on first use in this process if given as a builder."""
        if self._built is None:
            self._built = await self._graph()
        return self._built

    def thread(self, conversation_id: uuid.UUID) -> dict[str, Any]:
        """The run config of a conversation's thread."""
        return {"configurable": {"thread_id": f"chatactions:{self.name}:{conversation_id}"}}

    def _batch_key(self, batch: str) -> str:
        return f"chatactions.agents.{self.name}.interrupts.{batch}"

    async def run(self, graph_input: Any) -> None:
        """Run the graph on the conversation's thread; ask for whatever it pauses on."""
        chat = current_chat()
        await self._stream(State(chat.conversation), graph_input, chat.conversation.uuid)

    async def _stream(self, state: State, graph_input: Any, conversation_id: uuid.UUID) -> None:
        graph = await self.graph()
        config = self.thread(conversation_id)
        reply = Message("")
        streamed = False
        async for mode, chunk in graph.astream(graph_input, config, stream_mode=["custom"]):
            if mode == "custom" and isinstance(chunk, str) and chunk:
                await reply.stream_token(chunk)
                streamed = True
        if streamed:
            await reply.send()
        snapshot = await graph.aget_state(config)
        if snapshot.interrupts:
            await self._ask(state, list(snapshot.interrupts))

    async def _ask(self, state: State, interrupts: list[Any]) -> None:
        """One approval per interrupt; the batch recorded first, so any process resumes it."""
        batch = uuid.uuid4().hex
        approvals = [self._approval(pending, batch) for pending in interrupts]
        record = {"approvals": [str(a.id) for a in approvals]}
        await state.aset(self._batch_key(batch), record)
        for approval in approvals:
            await approval.send()

    def _approval(self, pending: Any, batch: str) -> Approval:
        request = pending.value
        if not isinstance(request, dict) or "tool" not in request:
            raise TypeError(
                "GraphChat asks for interrupts made by request_approval(); "
                f"this one carries {request!r}."
            )
        return Approval(
            request.get("content") or f"The assistant wants to run `{request['tool']}`.",
            tool=request["tool"],
            arguments=request["arguments"],
            schema=request.get("schema"),
            payload={"graph": self.name, "batch": batch, "interrupt": pending.id},
            ttl=self.ttl,
        )

    async def decided(self, decision: Decision) -> None:
        """Every tool's approval callback: resume the thread once its batch is decided."""
        if decision.payload.get("graph") != self.name:
            return
        state = State(decision.chat.conversation)
        key = self._batch_key(str(decision.payload["batch"]))
        found = await runs.ready(state, key)
        if found is None:
            return
        _, rows = found
        resume: Command[Any] = Command(
            resume={row.payload["interrupt"]: answer(row) for row in rows}
        )
        await self._stream(state, resume, decision.chat.conversation.uuid)
        await state.adelete(key)


def answer(row: ApprovalRow) -> dict[str, Any]:
    """What ``request_approval`` returns: plain JSON, as a checkpointer stores it."""
    ok = runs.approved(row)
    return {
        "outcome": row.outcome,
        "approved": ok,
        "arguments": dict(row.final_arguments or {}) if ok else {},
        "reason": row.reason,
    }
