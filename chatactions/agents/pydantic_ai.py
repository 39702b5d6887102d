"""A Pydantic AI agent in a conversation: its text streamed, its tool calls asked as approvals.

Pydantic AI ends a run whose model called a tool that ``requires_approval``
with ``DeferredToolRequests``; the run goes on later, in a new ``run()`` given
the message history and ``DeferredToolResults``. Here the history is saved in
the conversation's store (``ca.State``, a row per key), each requested call
becomes an approval, and the decision that settles the run's last approval
resumes it, on whichever process takes it: each call approved runs with the
approved (or edited) arguments as ``override_args``, never with what the
history says; a rejection reaches the model as ``ToolDenied`` with the
owner's reason. The resume is claimed by inserting a unique row, so two
decisions landing at once resume the run once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from .. import schemaform
from ..approval import Approval
from ..context import current_chat
from ..decision import Decision
from ..message import Message
from ..models import Approval as ApprovalRow
from ..registry import ChatRegistry, default_registry
from ..store import State
from . import missing, runs

try:
    from pydantic_ai import (
        Agent,
        DeferredToolRequests,
        DeferredToolResults,
        ModelMessagesTypeAdapter,
        ToolApproved,
        ToolDenied,
    )
    from pydantic_ai.messages import (
        ModelMessage,
        PartDeltaEvent,
        PartStartEvent,
        TextPart,
        TextPartDelta,
        ToolCallPart,
    )
    from pydantic_ai.run import AgentRunResultEvent
    from pydantic_ai.toolsets import FunctionToolset
except ImportError as exc:  # the core installs without it
    raise missing("pydantic_ai", "pydantic-ai") from exc

#: What the model hears when no one decided in time.
EXPIRED = "No one approved this tool call in time."
REJECTED = "The user rejected this tool call."


class AgentChat(runs.Adapter):
    """``AgentChat("assistant", agent)``: run ``agent`` in conversations, asking before tools.

    ``await chat_agent.run(message.content)`` in an ``on_message`` handler
    streams the reply into a message; each call of a tool that requires
    approval becomes a ``ca.Approval`` (its schema drawn as Edit when the
    generator supports it). The approval callbacks are registered on
    ``registry`` for ``tools`` (by default every function tool of the agent
    marked ``requires_approval``). ``deps`` builds the run's dependencies, for
    the first run and every resume alike. The agent's ``output_type`` must
    allow ``DeferredToolRequests``.
    """

    def __init__(
        self,
        name: str,
        agent: Agent[Any, Any],
        *,
        registry: ChatRegistry = default_registry,
        tools: Sequence[str] | None = None,
        deps: Callable[[], Any] | None = None,
        ttl: float | None = None,
    ) -> None:
        self.agent = agent
        self.deps = deps
        chosen = self._approval_tools() if tools is None else tools
        super().__init__(name, registry, chosen, ttl)

    def _approval_tools(self) -> list[str]:
        return sorted(
            name
            for toolset in self.agent.toolsets
            if isinstance(toolset, FunctionToolset)
            for name, tool in toolset.tools.items()
            if tool.requires_approval
        )

    def _schema(self, tool: str) -> dict[str, Any] | None:
        """The tool's JSON Schema if the form generator supports it (else: no Edit)."""
        for toolset in self.agent.toolsets:
            if isinstance(toolset, FunctionToolset) and tool in toolset.tools:
                schema = dict(toolset.tools[tool].tool_def.parameters_json_schema)
                try:
                    schemaform.check(schema)
                except schemaform.SchemaError:
                    return None
                return schema
        return None

    # Keys of the conversation's store ------------------------------------------

    @property
    def _history_key(self) -> str:
        return f"chatactions.agents.{self.name}.history"

    def _run_key(self, run_id: str) -> str:
        return f"chatactions.agents.{self.name}.run.{run_id}"

    # Running --------------------------------------------------------------------

    async def run(self, prompt: str) -> Any:
        """Run the agent on ``prompt`` after the conversation's history; its output.

        The output is the agent's (its text), or ``DeferredToolRequests`` when
        it waits for approvals: then the run goes on when they are decided.
        """
        state = State(current_chat().conversation)
        saved = await state.aget(self._history_key)
        history = ModelMessagesTypeAdapter.validate_json(saved) if saved else None
        return await self._run(state, prompt, history, None)

    async def _run(
        self,
        state: State,
        prompt: str | None,
        history: list[ModelMessage] | None,
        results: DeferredToolResults | None,
    ) -> Any:
        reply = Message("")
        streamed = False
        outcome = None
        async with self.agent.run_stream_events(
            prompt,
            message_history=history,
            deferred_tool_results=results,
            deps=self.deps() if self.deps is not None else None,
        ) as events:
            async for event in events:
                text = _text_of(event)
                if text:
                    await reply.stream_token(text)
                    streamed = True
                elif isinstance(event, AgentRunResultEvent):
                    outcome = event.result
        if streamed:
            await reply.send()
        assert outcome is not None, "a Pydantic AI run ends with its result"
        messages = outcome.all_messages_json().decode()
        if isinstance(outcome.output, DeferredToolRequests):
            await self._ask(state, messages, outcome.output)
        else:
            await state.aset(self._history_key, messages)
        return outcome.output

    async def _ask(self, state: State, messages: str, requests: DeferredToolRequests) -> None:
        """An approval per waiting call; the run's record is saved first, for any process."""
        if requests.calls:
            raise NotImplementedError(
                "chatactions.agents.pydantic_ai asks for approvals; tools executed "
                f"externally ({', '.join(c.tool_name for c in requests.calls)}) are not supported."
            )
        run_id = uuid.uuid4().hex
        approvals = [self._approval(call, run_id) for call in requests.approvals]
        record = {"messages": messages, "approvals": [str(a.id) for a in approvals]}
        await state.aset(self._run_key(run_id), record)
        for approval in approvals:
            await approval.send()

    def _approval(self, call: ToolCallPart, run_id: str) -> Approval:
        return Approval(
            f"The assistant wants to run `{call.tool_name}`.",
            tool=call.tool_name,
            arguments=call.args_as_dict(),
            schema=self._schema(call.tool_name),
            payload={"agent": self.name, "run": run_id, "call": call.tool_call_id},
            ttl=self.ttl,
        )

    # Resuming -------------------------------------------------------------------

    async def decided(self, decision: Decision) -> Any:
        """Every tool's approval callback: resume the run once its last approval is decided."""
        if decision.payload.get("agent") != self.name:
            return None
        run_id = str(decision.payload["run"])
        state = State(decision.chat.conversation)
        found = await runs.ready(state, self._run_key(run_id))
        if found is None:
            return None
        record, rows = found
        results = DeferredToolResults(
            approvals={row.payload["call"]: _result(row) for row in rows}
        )
        history = ModelMessagesTypeAdapter.validate_json(record["messages"])
        output = await self._run(state, None, history, results)
        await state.adelete(self._run_key(run_id))
        return output


def _text_of(event: Any) -> str:
    """The text an event adds to the reply (a text part's start, or a delta of one)."""
    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
        return event.part.content
    if isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
        return event.delta.content_delta
    return ""


def _result(row: ApprovalRow) -> ToolApproved | ToolDenied:
    """What the model is told of one call: run with these (approved) arguments, or denied."""
    if runs.approved(row):
        return ToolApproved(override_args=dict(row.final_arguments or {}))
    if row.outcome == ApprovalRow.Outcome.EXPIRED:
        return ToolDenied(EXPIRED)
    return ToolDenied(row.reason or REJECTED)
