"""``Decision``: what an approval callback receives, read back from the database.

Built from the decided approval row, never from what a client sent: the
arguments are the stored ones (checked against their digest) or the owner's
edit (validated by the form generated from the schema); a rejection or an
expiry carries no arguments to run with.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from . import digests
from .context import Chat
from .message import Message
from .models import Approval as ApprovalRow


class Decision:
    """One approval, decided: ``outcome``, ``arguments``, ``reason``, ``by``, ``payload``.

    ``outcome`` is ``"approved"``, ``"edited"``, ``"rejected"`` or
    ``"expired"``. ``arguments`` is what the tool may run with (empty unless
    ``approved`` is true); ``requested`` what the agent asked for. ``by`` is
    the user who decided, the visitor's id for an anonymous owner, or ``None``
    for an expiry. ``message`` is the asking message.
    """

    def __init__(self, row: ApprovalRow, chat: Chat) -> None:
        self.id: uuid.UUID = row.uuid
        self.tool = row.tool
        self.outcome: str = row.outcome
        self.requested: dict[str, Any] = row.arguments
        self.arguments: dict[str, Any] = dict(row.final_arguments or {}) if self.approved else {}
        self.reason: str = row.reason
        self.by: Any = row.decided_by if row.decided_by_id is not None else row.decided_by_visitor
        self.via: str = row.via
        self.decided_at: datetime | None = row.decided_at
        self.payload: dict[str, Any] = row.payload
        self.message = Message.from_row(row.message, chat)
        self.chat = chat

    def __repr__(self) -> str:
        return f"<Decision {self.tool!r} {self.outcome} {self.id}>"

    @property
    def approved(self) -> bool:
        """True if the tool may run (approved as asked, or with the owner's edit)."""
        return self.outcome in (ApprovalRow.Outcome.APPROVED, ApprovalRow.Outcome.EDITED)

    def allows(self, tool: str, arguments: Any) -> bool:
        """Whether running ``tool`` with ``arguments`` is exactly what was approved.

        An adapter resuming a run checks each call with this, so a resumed run
        cannot execute other arguments than the ones the owner let through.
        """
        if not self.approved or tool != self.tool:
            return False
        return digests.canonical(arguments) == digests.canonical(self.arguments)
