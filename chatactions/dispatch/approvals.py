"""Approvals: a won claim on Approve, Edit or Reject becomes the approval's one decision.

The three answers are action rows, so ``clicks`` has already found them in a
conversation the requester owns, validated an edit with its form and claimed
the row (the message is exclusive: its other answers went in the same
commit). Here the approval row itself is decided, once, and the tool's
``@approval_callback`` runs with a ``Decision`` read back from the database.
Expiry comes the same way, with no requester: ``expire`` settles every
approval past its time (``manage.py chatactions expire``, and each ``sync``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from django import forms
from django.utils.translation import gettext as _

from ..approvalforms import APPROVE, DECISIONS, EDIT, EditForm
from ..context import Chat
from ..core import approvals, fanout, running, tasks
from ..decision import Decision
from ..exceptions import NotRegistered
from ..models import Action as ActionRow
from ..models import Approval as ApprovalRow
from ..models import Conversation
from ..outcome import Outcome, Status, failure
from ..registry import get_registry

logger = logging.getLogger(__name__)
Decided = ApprovalRow.Outcome


def is_decision(row: ActionRow) -> bool:
    """Whether a claimed row is one of an approval's answers."""
    return row.name in DECISIONS


async def decide(
    row: ActionRow,
    chat: Chat,
    form: forms.BaseForm | None,
    via: str,
    begun: uuid.UUID | None = None,
    settle: tasks.Settle | None = None,
) -> tuple[Outcome, str]:
    """Decide the approval of ``row``'s message as its answer says; run the tool's callback.

    ``begun`` and ``settle`` are the click's: its task row, written with the
    claim, and its release, run in the task's last hop whatever happens here.
    """
    if row.name == APPROVE:
        outcome, arguments, reason = Decided.APPROVED, None, ""
    elif row.name == EDIT and isinstance(form, EditForm):
        outcome, arguments, reason = Decided.EDITED, form.arguments(), ""
    else:
        reason = "" if form is None else str(form.cleaned_data.get("reason", "")).strip()
        outcome, arguments = Decided.REJECTED, None
    taken = await database_sync_to_async(_take)(row, chat, outcome, arguments, reason, via)
    if taken is None:
        gone = Outcome(Status.GONE, _("This request was already decided."))
        await database_sync_to_async(tasks.end)(begun, settle, gone, "")
        return gone, ""
    if taken.text is not None:
        await fanout.broadcast(chat, taken.text)
    if not taken.tampered:
        return await _run(chat, taken.row, begun, settle)
    # The stored arguments no longer match what was shown: the click is an error,
    # whatever the callback (told "rejected", with no arguments) answers.
    refused = Outcome(Status.ERROR, taken.row.reason)
    release = settle
    await _run(
        chat,
        taken.row,
        begun,
        None if release is None else lambda _o, _e: release(refused, refused.detail),
    )
    return refused, refused.detail


def _take(
    row: ActionRow,
    chat: Chat,
    outcome: str,
    arguments: dict[str, Any] | None,
    reason: str,
    via: str,
) -> approvals.Taken | None:
    approval = approvals.of_message(row.message)
    if approval is None:  # an answer row without its approval: nothing to decide
        return None
    approval.message = row.message
    return approvals.take(chat, approval, outcome, arguments, reason, chat.requester, via)


async def _run(
    chat: Chat,
    approval: ApprovalRow,
    begun: uuid.UUID | None = None,
    settle: tasks.Settle | None = None,
) -> tuple[Outcome, str]:
    """The tool's ``@approval_callback``, found by name in the chat's app; its end saved."""
    try:
        registration = get_registry(chat.conversation.app).get_approval_callback(approval.tool)
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        outcome, error = failure(exc), str(exc)
        await database_sync_to_async(tasks.end)(begun, settle, outcome, error)
    else:
        decision = await database_sync_to_async(_decision)(approval, chat)
        outcome, error = await tasks.run(
            chat, lambda: running.run_handler(registration, chat, decision), begun, settle
        )
    await database_sync_to_async(approvals.record_callback)(approval, str(outcome.status), error)
    return outcome, error


def _decision(approval: ApprovalRow, chat: Chat) -> Decision:
    if approval.decided_by_id is not None:
        approval.decided_by  # noqa: B018 - loaded here, in the database hop
    return Decision(approval, chat)


async def expire(conversation: Conversation | None = None) -> int:
    """Settle every pending approval past its time as ``expired``, each callback once.

    Of one conversation, or of all (the management command). Another process
    expiring the same one at the same moment loses the conditional UPDATE.
    """
    due = await database_sync_to_async(approvals.due)(
        None if conversation is None else conversation.pk
    )
    settled = 0
    for approval in due:
        chat = Chat(approval.message.conversation)
        taken = await database_sync_to_async(approvals.take)(chat, approval, Decided.EXPIRED, None)
        if taken is None:
            continue
        settled += 1
        if taken.text is not None:
            await fanout.broadcast(chat, taken.text)
        await _run(chat, taken.row)
    return settled
