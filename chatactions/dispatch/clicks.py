"""Clicks: whether a button's callback runs, answers a question or is refused.

A click is claimed and refused in one database hop (``_claim``), so two tabs
pressing the same button cannot both run it, and every refusal leaves its
audit row. The callback runs outside that hop, then the lease is released.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from ..action import Action
from ..context import Chat
from ..core import asks, clicks, fanout, frames, running
from ..exceptions import NotRegistered
from ..models import Action as ActionRow
from ..outcome import CONNECTION_ERRORS, Outcome, Status, failure
from ..owners import Requester
from ..registry import get_registry

logger = logging.getLogger(__name__)


@dataclass
class _Claim:
    """A click that won its button: run the callback, then release."""

    row: ActionRow
    chat: Chat
    started: float
    lease: clicks.Lease

    @property
    def removed(self) -> list[frames.Removal]:
        """Buttons an exclusive message lost to this click."""
        return self.lease.removed


@dataclass
class _Answer:
    """A click that answered an ``AskActionMessage``: wake the asker, run no callback."""

    row: ActionRow
    chat: Chat
    removed: list[frames.Removal]


async def click(
    requester: Requester, conversation_id: uuid.UUID, action_id: uuid.UUID, via: str
) -> Outcome:
    """Run the callback of one button, at most once at a time, and record the click."""
    try:
        claim = await database_sync_to_async(_claim)(requester, conversation_id, action_id, via)
    except CONNECTION_ERRORS as exc:
        logger.exception("chatactions: no database to claim action %s", action_id)
        return failure(exc)
    if isinstance(claim, Outcome):
        return claim
    await fanout.announce_removed(claim.chat, claim.removed)
    if isinstance(claim, _Answer):
        await asks.notify(claim.row.message.uuid, claim.row.uuid)
        return Outcome(Status.OK)
    outcome, error = await _run_callback(claim)
    try:
        await database_sync_to_async(_release)(claim, outcome, error)
    except CONNECTION_ERRORS:
        # The callback has run: say how. Its claim lapses with the lease.
        logger.exception("chatactions: no database to release action %s", action_id)
    return outcome


def _claim(
    requester: Requester, conversation_id: uuid.UUID, action_id: uuid.UUID, via: str
) -> _Claim | _Answer | Outcome:
    """Decide, in one database hop, whether this click runs, answers or is refused."""
    started = time.perf_counter()
    row = clicks.find(action_id)
    if row is None:
        return Outcome(Status.NOT_FOUND, _("No such action."))
    conversation = row.message.conversation

    def refuse(status: str, detail: str) -> Outcome:
        """Record the refused click (every click on a button leaves a row) and answer."""
        clicks.record(clicks.new_click(row, requester, via, status, started))
        return Outcome(status, detail)

    if conversation.uuid != conversation_id or not requester.owns(conversation):
        # Same answer as for an id that does not exist: no leak of which ids exist.
        # The row is still written: someone tried a button that is not theirs.
        return refuse(Status.NOT_FOUND, _("No such action."))
    if (reason := row.unavailable_reason()) is not None:
        return refuse(Status.GONE, reason)
    chat = Chat(conversation, requester)
    if row.message.awaiting:
        removed = clicks.answer(row, chat, requester, via, started)
        if removed is None:
            return refuse(Status.GONE, _("This question was already answered."))
        return _Answer(row, chat, removed)
    lease = clicks.claim(row, chat, requester, via, started)
    if lease is None:
        if clicks.is_removed(row):
            return refuse(Status.GONE, _("This button is no longer available."))
        return refuse(Status.BUSY, _("This action is already running."))
    return _Claim(row, chat, started, lease)


async def _run_callback(claim: _Claim) -> tuple[Outcome, str]:
    try:
        registration = get_registry(claim.chat.conversation.app).get_action_callback(
            claim.row.name
        )
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        return failure(exc), str(exc)
    action = Action.from_row(claim.row, claim.chat)
    return await running.run_handler(registration, claim.chat, action)


def _release(claim: _Claim, outcome: Outcome, error: str) -> None:
    clicks.release(claim.row, claim.lease, outcome.status, claim.started, error)


async def refuse_click(requester: Requester, action_id: uuid.UUID, via: str, status: str) -> None:
    """Record a click refused before dispatch (``rate_limited``), so the audit trail has it.

    Only a click on an action that exists leaves a row, whoever owns it; the
    caller's answer does not depend on that, so it reveals nothing. A flood
    writes one row per requester per budget window, whose ``count`` says how
    many clicks were refused in it.
    """
    await database_sync_to_async(_record_refusal)(requester, action_id, via, status)


def _record_refusal(requester: Requester, action_id: uuid.UUID, via: str, status: str) -> None:
    started = time.perf_counter()
    clicks.record_refusal(requester, action_id, via, status, started)
