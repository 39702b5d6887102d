"""An approval's rows: saved with its message, decided once, expired once, its callback's end.

``dispatch`` decides who may decide; this module writes the decision. The
decision is one conditional UPDATE of the approval row (pending to decided),
in the same transaction as the message's redraw, so whichever door, tab,
process or expiry sweep comes first wins and every other one finds it
decided. The stored arguments are checked against their digest first: if
they changed after they were shown, the approval is settled ``rejected``
and nothing is run with them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .. import digests
from ..context import Chat
from ..models import Approval as ApprovalRow
from ..models import Message as MessageRow
from ..owners import Requester
from . import fanout, messages
from .drafts import ApprovalDraft, MessageDraft

Outcome = ApprovalRow.Outcome


def save(chat: Chat, message: MessageDraft, approval: ApprovalDraft) -> str:
    """Save the asking message, its three answers and the approval row together; its frame."""
    with transaction.atomic():
        row, text = messages.save_message(chat, message)
        ApprovalRow.objects.create(
            uuid=approval.id,
            message=row,
            tool=approval.tool,
            arguments=approval.arguments,
            digest=approval.digest,
            schema=approval.schema,
            payload=approval.payload,
            expires_at=approval.expires_at,
        )
    return text


async def send(chat: Chat, message: MessageDraft, approval: ApprovalDraft) -> None:
    """Save the approval, then show it in every open tab."""
    text = await database_sync_to_async(save)(chat, message, approval)
    await fanout.broadcast(chat, text)


def send_sync(chat: Chat, message: MessageDraft, approval: ApprovalDraft) -> None:
    """``send`` for sync code: saved in the caller's thread (and transaction)."""
    fanout.broadcast_sync(chat, save(chat, message, approval))


def of_message(message: MessageRow) -> ApprovalRow | None:
    """The approval a message asks for, if it is one."""
    return ApprovalRow.objects.filter(message=message).first()


@dataclass
class Taken:
    """A decision that won: the decided row, the redrawn message's frame, and if it was forged."""

    row: ApprovalRow
    text: str | None
    tampered: bool = False


def take(
    chat: Chat,
    approval: ApprovalRow,
    outcome: str,
    arguments: dict[str, Any] | None,
    reason: str = "",
    requester: Requester | None = None,
    via: str = "",
) -> Taken | None:
    """Decide a pending approval, once; ``None`` if it was decided (or expired) already.

    ``arguments`` is what the tool may run with: ``None`` means the stored
    ones (approve), after their digest is checked. Rejected and expired
    approvals run with nothing.
    """
    tampered = not digests.matches(
        approval.uuid, approval.tool, approval.arguments, approval.digest
    )
    if tampered:
        outcome, arguments = Outcome.REJECTED, None
        reason = gettext("The arguments changed after they were shown; nothing was run.")
    elif outcome == Outcome.APPROVED:
        arguments = approval.arguments
    elif outcome in (Outcome.REJECTED, Outcome.EXPIRED):
        arguments = None
    fields = {
        "outcome": outcome,
        "decided_at": timezone.now(),
        "decided_by_id": requester.user_id if requester else None,
        "decided_by_visitor": requester.visitor if requester else None,
        "via": via,
        "final_arguments": arguments,
        "reason": reason,
    }
    with transaction.atomic():
        messages.lock_conversation(chat)  # the conversation first, as every change locks
        won = ApprovalRow.objects.filter(pk=approval.pk, outcome=Outcome.PENDING).update(**fields)
        if not won:
            return None
        for name, value in fields.items():
            setattr(approval, name, value)
        text = messages.save_update(chat, _decided(approval))
    return Taken(approval, text, tampered)


def _decided(approval: ApprovalRow) -> MessageDraft:
    """The asking message as it stays: its question, then what became of it, no buttons."""
    message = approval.message
    note = {
        Outcome.APPROVED: gettext("Approved."),
        Outcome.EDITED: gettext("Approved with changes:"),
        Outcome.REJECTED: gettext("Rejected."),
        Outcome.EXPIRED: gettext("Expired: no one decided in time."),
    }[Outcome(approval.outcome)]
    text = f"{message.content}\n\n**{note}**"
    if approval.outcome == Outcome.EDITED:
        text += "\n\n" + code_block(approval.final_arguments)
    if approval.reason:
        text += "\n\n" + gettext("Reason: %(reason)s") % {"reason": approval.reason}
    return MessageDraft(id=message.uuid, content=text, exclusive=True)


def code_block(value: Any) -> str:
    """``value`` as pretty JSON in a Markdown fence no backtick inside it can close."""
    text = digests.pretty(value)
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}json\n{text}\n{fence}"


def due(conversation_pk: int | None = None, now: datetime | None = None) -> list[ApprovalRow]:
    """Pending approvals past their expiry (of one conversation, or all), oldest first."""
    rows = ApprovalRow.objects.filter(
        outcome=Outcome.PENDING, expires_at__lte=now or timezone.now()
    ).select_related("message__conversation")
    if conversation_pk is not None:
        rows = rows.filter(message__conversation_id=conversation_pk)
    return list(rows.order_by("expires_at", "pk"))


def find(approval_id: uuid.UUID) -> ApprovalRow | None:
    """An approval by id with its message and conversation, whoever owns it."""
    return (
        ApprovalRow.objects.select_related("message__conversation", "decided_by")
        .filter(uuid=approval_id)
        .first()
    )


def record_callback(approval: ApprovalRow, status: str, error: str) -> None:
    """Write how the approval callback ended (the decision itself is already saved)."""
    ApprovalRow.objects.filter(pk=approval.pk).update(callback_status=status, callback_error=error)
