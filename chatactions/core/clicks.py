"""A click's rows: its button's lease (claim, release) and its audit row (record).

``dispatch`` decides what a click may do; this module writes what it did.
Every click on an existing button leaves one ``ActionClick`` row, announced
once by ``action_clicked`` when its outcome is final. The hot statements run
through ``statements`` and ``inserts``, the only hand-written SQL.
"""

from __future__ import annotations

import math
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .. import limits
from ..conf import chat_settings
from ..context import Chat
from ..formclass import Values
from ..models import Action as ActionRow
from ..models import ActionClick
from ..outcome import Status
from ..owners import Requester
from ..signals import action_clicked
from . import asks, messages, removal
from .frames import Removal
from .sql import inserts, statements

# Written with the claim and overwritten at release: if the worker dies between
# the two, the audit trail still shows the click, and says why it has no outcome.
UNFINISHED = (
    "No outcome recorded: the callback was still running, or its worker stopped "
    "before it finished."
)


@dataclass
class Lease:
    """A won claim: the token that frees it, and the audit row written with it."""

    token: uuid.UUID
    click: ActionClick
    removed: list[Removal]  # buttons an exclusive message lost to this click


def find(action_id: uuid.UUID) -> ActionRow | None:
    """The button with its message and conversation, whoever owns it."""
    return statements.find_action(action_id)


def new_click(
    row: ActionRow,
    requester: Requester,
    via: str,
    outcome: str,
    started: float,
    error: str = "",
    **audit: Any,
) -> ActionClick:
    """An audit row, not saved yet; ``audit`` is a submission's ``fields`` (and ``values``)."""
    return ActionClick(
        action=row,
        via=via,
        outcome=outcome,
        duration_ms=(time.perf_counter() - started) * 1000,
        error=error,
        **audit,
        **requester.owner_fields(),
    )


def record(click: ActionClick) -> None:
    """Save an audit row whose outcome is already final, and announce it."""
    _announce(inserts.insert(click))


_WRITING = "writing"  # the window's row is being written by another request


def record_refusal(
    requester: Requester, action_id: uuid.UUID, via: str, status: str, started: float
) -> None:
    """Audit a click refused before dispatch: one row per requester per budget window.

    The window's first refusal writes the row; the others raise its ``count``
    (the cache remembers which row), so a flood cannot write without end. Only
    a click on an action that exists leaves a row, whoever owns it.
    """
    window, left = limits.window_key(limits.identity(requester))
    ttl = math.ceil(left) + 1
    refused = limits.count(f"{window}:refused", ttl)
    row_key = f"{window}:row"
    row_pk = cache.get(row_key)
    if row_pk is None and cache.add(row_key, _WRITING, timeout=ttl):
        row = find(action_id)
        if row is None:
            cache.delete(row_key)
            return
        click = new_click(row, requester, via, status, started)
        click.count = refused
        record(click)
        cache.set(row_key, click.pk, timeout=ttl)
    elif row_pk not in (None, _WRITING):
        ActionClick.objects.filter(pk=row_pk, count__lt=refused).update(count=refused)


def answer(
    row: ActionRow,
    chat: Chat,
    requester: Requester,
    via: str,
    started: float,
    values: Values | None = None,
    files: dict[str, str] | None = None,
    **audit: Any,
) -> list[Removal] | None:
    """Make this click (or a form's ``values`` and stored ``files``) its question's answer.

    ``None`` if too late. The answer and its audit row commit together.
    Returns the buttons (and form) the question lost.
    """
    with transaction.atomic():  # the answer and its audit row commit together
        messages.lock_conversation(chat)
        removed = asks.answer(row, chat, values, files)
        if removed is not None:
            record(new_click(row, requester, via, Status.OK, started, **audit))
    return removed


def claim(
    row: ActionRow,
    chat: Chat,
    requester: Requester,
    via: str,
    started: float,
    **audit: Any,
) -> Lease | None:
    """Take the button's lease for ``CLAIM_TIMEOUT`` seconds; ``None`` if another click has it.

    The claim and its audit row are written together (in one statement on
    PostgreSQL); an exclusive message's other buttons go in the same commit.
    """
    now = timezone.now()
    token = uuid.uuid4()
    until = now + timedelta(seconds=chat_settings.CLAIM_TIMEOUT)
    click = new_click(row, requester, via, Status.ERROR, started, UNFINISHED, **audit)
    exclusive = row.message.exclusive
    with transaction.atomic() if exclusive else nullcontext():
        if exclusive:
            messages.lock_conversation(chat)
        if not statements.claim(row, now, until, token, click):
            return None
        removed = []
        if exclusive:
            removed = removal.mark_message_actions_removed(chat, row.message.uuid)
    return Lease(token, click, removed)


def is_removed(row: ActionRow) -> bool:
    """Was the button removed since it was read (why a claim was lost, if not busy)?"""
    return ActionRow.objects.filter(pk=row.pk, removed_at__isnull=False).exists()


def release(row: ActionRow, lease: Lease, status: str, started: float, error: str) -> None:
    """Free the button and write the click's final outcome; then announce it."""
    click = lease.click
    click.outcome = status
    click.duration_ms = (time.perf_counter() - started) * 1000
    click.error = error
    statements.release(row, lease.token, click)
    _announce(click)


def _announce(click: ActionClick) -> None:
    """``action_clicked``, once per click, when its outcome is final."""
    row = click.action
    action_clicked.send(
        ActionClick, click=click, action=row, conversation=row.message.conversation
    )
