"""What every adapter shares: a paused run's approvals, and the claim that resumes it once.

A paused run (a Pydantic AI run with deferred tool calls, a LangGraph thread at
an interrupt) is recorded in its conversation's store with the ids of the
approvals it waits for. Each decision runs its tool's callback; the one that
finds all of them decided claims the resume by inserting a unique row, so two
decisions landing at once, on two processes, resume the run once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.db import database_sync_to_async
from django.db import IntegrityError, transaction

from ..decision import Decision
from ..models import Approval as ApprovalRow
from ..models import ConversationValue
from ..registry import ChatRegistry
from ..store import State

Outcome = ApprovalRow.Outcome


class Adapter:
    """What every adapter is: a name, and the tools whose approvals it takes, on a registry.

    Its ``decided`` is the approval callback of each of ``tools``: the one
    place a decision comes back to the run, on whichever process takes it.
    """

    def __init__(
        self, name: str, registry: ChatRegistry, tools: Sequence[str], ttl: float | None
    ) -> None:
        self.name = name
        self.registry = registry
        self.tools = list(tools)
        self.ttl = ttl
        for tool in self.tools:
            registry.approval_callback(tool)(self.decided)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {', '.join(self.tools)}>"

    def unregister(self) -> None:
        """Forget this adapter's approval callbacks (tests, reloads)."""
        for tool in self.tools:
            self.registry.unregister_approval(tool)

    async def decided(self, decision: Decision) -> Any:
        """Resume the paused run once its last approval is decided."""
        raise NotImplementedError


async def approvals(ids: list[str]) -> list[ApprovalRow]:
    """The approval rows of a paused run, decided or not."""
    rows: list[ApprovalRow] = await database_sync_to_async(_rows)(ids)
    return rows


def _rows(ids: list[str]) -> list[ApprovalRow]:
    return list(ApprovalRow.objects.filter(uuid__in=ids))


async def claim(state: State, key: str) -> bool:
    """Take the resume of the run recorded under ``key``: true for exactly one caller."""
    won: bool = await database_sync_to_async(_take)(state, key)
    return won


def _take(state: State, key: str) -> bool:
    try:
        with transaction.atomic():
            ConversationValue.objects.create(
                conversation=state.conversation, key=f"{key}.resumed", value=True
            )
    except IntegrityError:
        return False
    return True


async def ready(state: State, key: str) -> tuple[dict[str, Any], list[ApprovalRow]] | None:
    """The run's record and rows if every approval is decided and this caller won the resume."""
    record: dict[str, Any] | None = await state.aget(key)
    if record is None:
        return None
    rows = await approvals(record["approvals"])
    if any(row.is_pending for row in rows) or not await claim(state, key):
        return None  # another approval is still open, or another decision resumed it
    return record, rows


def approved(row: ApprovalRow) -> bool:
    """Whether the tool may run (as asked, or with the owner's edit)."""
    return row.outcome in (Outcome.APPROVED, Outcome.EDITED)
