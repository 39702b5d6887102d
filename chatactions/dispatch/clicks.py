"""Clicks and submissions: whether a button's (or a form's) callback runs, answers or is refused.

A click is claimed and refused in one database hop (``_claim``), so two tabs
pressing the same button cannot both run it, and every refusal leaves its
audit row. The callback runs outside that hop, then the lease is released.
A form is an action row too: its submission is validated by its form class in
that same hop, then claimed exactly as a click is, so the two share this module.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

from channels.db import database_sync_to_async
from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _

from ..action import Action
from ..context import Chat
from ..core import asks, clicks, fanout, frames, removal, running, submissions, tasks
from ..exceptions import NotRegistered
from ..formclass import Values
from ..models import Action as ActionRow
from ..outcome import CONNECTION_ERRORS, Outcome, Status, failure
from ..owners import Requester
from ..registry import get_registry
from ..submission import Submission
from . import approvals

logger = logging.getLogger(__name__)


@dataclass
class _Claim:
    """A click that won its button: run the callback, then release."""

    row: ActionRow
    chat: Chat
    started: float
    lease: clicks.Lease
    form: forms.BaseForm | None = None  # a submission's form, valid
    files: dict[str, str] | None = None  # its uploads, as stored
    task: uuid.UUID | None = None  # its callback's ``RunningTask`` row, written in the claim's hop

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


@dataclass(frozen=True)
class _Submitted:
    """A form's values (and files) as a door received them, to validate in the claim's hop."""

    values: Values
    files: MultiValueDict[str, Any] | None = None


async def click(
    requester: Requester, conversation_id: uuid.UUID, action_id: uuid.UUID, via: str
) -> Outcome:
    """Run the callback of one button, at most once at a time, and record the click."""
    return await _answer(requester, conversation_id, action_id, via, None)


async def submit(
    requester: Requester,
    conversation_id: uuid.UUID,
    form_id: uuid.UUID,
    values: Values,
    via: str,
    files: MultiValueDict[str, Any] | None = None,
) -> Outcome:
    """Validate a form's values, then run its callback exactly once, as a click runs a button's.

    Ownership and ``gone`` come first, then the form class (on the server, the
    only place that counts); invalid values are answered ``invalid`` with
    Django's errors and the form drawn again, and claim nothing.
    """
    submitted = _Submitted(values, files)
    return await _answer(requester, conversation_id, form_id, via, submitted)


async def _answer(
    requester: Requester,
    conversation_id: uuid.UUID,
    action_id: uuid.UUID,
    via: str,
    submitted: _Submitted | None,
) -> Outcome:
    """What a click and a submission share: claim, run, release; refusals recorded."""
    try:
        claim = await database_sync_to_async(_claim)(
            requester, conversation_id, action_id, via, submitted
        )
    except CONNECTION_ERRORS as exc:
        logger.exception("chatactions: no database to claim action %s", action_id)
        return failure(exc)
    if isinstance(claim, Outcome):
        return claim
    await fanout.announce_removed(claim.chat, claim.removed)
    if isinstance(claim, _Answer):
        await asks.notify(claim.row.message.uuid, claim.row.uuid)
        return Outcome(Status.OK)
    removed: list[frames.Removal] = []

    def settle(outcome: Outcome, error: str) -> None:
        """The release, in the task's last hop (one trip to the database thread, not two)."""
        try:
            removed.extend(_release(claim, outcome, error))
        except CONNECTION_ERRORS:
            # The callback has run: say how. Its claim lapses with the lease.
            logger.exception("chatactions: no database to release action %s", action_id)

    outcome, _ = await _run_callback(claim, settle)
    await fanout.announce_removed(claim.chat, removed)
    return outcome


def _claim(
    requester: Requester,
    conversation_id: uuid.UUID,
    action_id: uuid.UUID,
    via: str,
    submitted: _Submitted | None = None,
) -> _Claim | _Answer | Outcome:
    """Decide, in one database hop, whether a click or submission runs, answers or is refused."""
    started = time.perf_counter()
    row = clicks.find(action_id)
    if row is None:
        return Outcome(Status.NOT_FOUND, _("No such action."))
    conversation = row.message.conversation
    audit = {} if submitted is None else submissions.audit(submitted.values, submitted.files or ())

    def refuse(status: str, detail: str, form: forms.BaseForm | None = None) -> Outcome:
        """Record the refused click (every click on a button leaves a row) and answer."""
        clicks.record(clicks.new_click(row, requester, via, status, started, **audit))
        if form is None:
            return Outcome(status, detail)
        drawn = submissions.draw(row, form)
        return Outcome(status, detail, errors=submissions.errors(form), html=drawn, form=form)

    if conversation.uuid != conversation_id or not requester.owns(conversation):
        # Same answer as for an id that does not exist: no leak of which ids exist.
        # The row is still written: someone tried a button that is not theirs.
        return refuse(Status.NOT_FOUND, _("No such action."))
    is_form = row.kind == ActionRow.Kind.FORM
    if is_form != (submitted is not None):
        return refuse(
            Status.INVALID,
            _("This is a form: submit it with its values.") if is_form else _("This is a button."),
        )
    if (reason := row.unavailable_reason()) is not None:
        return refuse(Status.GONE, reason)
    form = None
    if submitted is not None:
        try:
            form = submissions.bind(row, submitted.values, submitted.files)
            valid = form.is_valid() and submissions.files_fit(form)
        except Exception as exc:  # the site's form class is gone or its clean() raised
            logger.exception("chatactions: form %s could not be validated", row.uuid)
            return refuse(Status.ERROR, failure(exc).detail)
        if not valid:
            return refuse(Status.INVALID, _("Please correct the errors in the form."), form)
    chat = Chat(conversation, requester)
    files = None
    if form is not None and form.files:
        try:
            files = submissions.store(row, form)
        except Exception as exc:
            logger.exception("chatactions: the uploads of form %s could not be stored", row.uuid)
            return refuse(Status.ERROR, failure(exc).detail)
    if row.message.awaiting:
        values = None if submitted is None else submitted.values
        removed = clicks.answer(row, chat, requester, via, started, values, files, **audit)
        if removed is None:
            submissions.discard(files or {})
            return refuse(Status.GONE, _("This question was already answered."))
        return _Answer(row, chat, removed)
    lease = clicks.claim(row, chat, requester, via, started, **audit)
    if lease is None:
        submissions.discard(files or {})
        if clicks.is_removed(row):
            if is_form:
                return refuse(Status.GONE, _("This form is no longer available."))
            return refuse(Status.GONE, _("This button is no longer available."))
        return refuse(Status.BUSY, _("This action is already running."))
    return _Claim(row, chat, started, lease, form, files, tasks.begin(chat))


async def _run_callback(claim: _Claim, settle: tasks.Settle) -> tuple[Outcome, str]:
    """Run the callback as a task (its row was written with the claim); ``settle`` releases."""
    if approvals.is_decision(claim.row):  # Approve, Edit, Reject: the approval decides
        return await approvals.decide(
            claim.row, claim.chat, claim.form, claim.lease.click.via, claim.task, settle
        )
    registry = get_registry(claim.chat.conversation.app)
    try:
        if claim.form is None:
            registration = registry.get_action_callback(claim.row.name)
        else:
            registration = registry.get_form_callback(claim.row.name)
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        outcome, error = failure(exc), str(exc)
        await database_sync_to_async(tasks.end)(claim.task, settle, outcome, error)
        return outcome, error
    argument: Action | Submission
    if claim.form is None:
        argument = Action.from_row(claim.row, claim.chat)
    else:
        argument = Submission(claim.row, claim.chat, claim.form.cleaned_data, claim.files)
    return await tasks.run(
        claim.chat,
        lambda: running.run_handler(registration, claim.chat, argument),
        claim.task,
        settle,
    )


def _release(claim: _Claim, outcome: Outcome, error: str) -> list[frames.Removal]:
    """Free the row and write the outcome; a form answered without error is removed too.

    Returns what the tabs must drop: a form is answered once.
    """
    clicks.release(claim.row, claim.lease, outcome.status, claim.started, error)
    if claim.form is None or outcome.status != Status.OK:
        return []
    return removal.mark_removed(claim.chat, [claim.row.uuid])


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


# Messages and chat start --------------------------------------------------------
