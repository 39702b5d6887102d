"""The one place a click, a user message or a chat start is handled.

Whatever door a request came in by (the WebSocket, the no-JavaScript form, the
HTTP API), it ends here, so ownership, claiming and the audit trail are checked
the same way for all of them. Each step does its database work in one thread
hop: the database thread is the bottleneck of a Channels process.

A lost database connection is not a bug in anyone's code: every hop goes through
``database_sync_to_async``, whose ``close_old_connections`` lets Django's health
check replace a dead connection before the next query, and a hop that still
fails (the database is down) answers ``error`` with a plain "try again".
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta

from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import ask, emitter, inserts, limits, protocol, statements
from .action import Action
from .conf import chat_settings
from .context import Chat
from .handlers import CONNECTION_ERRORS, Outcome, failure, run_handler
from .message import Message
from .models import Action as ActionRow
from .models import ActionClick, Conversation
from .models import Message as MessageRow
from .owners import Requester
from .registry import NotRegistered, get_registry
from .signals import action_clicked
from .storable import text_problem

logger = logging.getLogger(__name__)


@dataclass
class _Claim:
    """A click that won its button: run the callback, then release."""

    row: ActionRow
    chat: Chat
    token: uuid.UUID
    started: float
    removed: list[uuid.UUID]  # buttons an exclusive message lost to this click
    click: ActionClick  # its audit row, written with the claim


@dataclass
class _Answer:
    """A click that answered an ``AskActionMessage``: wake the asker, run no callback."""

    row: ActionRow
    chat: Chat
    removed: list[uuid.UUID]


# Written with the claim and overwritten at release: if the worker dies between
# the two, the audit trail still shows the click, and says why it has no outcome.
UNFINISHED = (
    "No outcome recorded: the callback was still running, or its worker stopped "
    "before it finished."
)


# Clicks -----------------------------------------------------------------------


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
    await emitter.announce_removed(claim.chat, claim.removed)
    if isinstance(claim, _Answer):
        await ask.notify(claim.row.message.uuid, claim.row.uuid)
        return Outcome(protocol.OK)
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
    started = time.perf_counter()
    row = statements.find_action(action_id)
    if row is None:
        return Outcome(protocol.NOT_FOUND, _("No such action."))
    conversation = row.message.conversation

    def refuse(status: str, detail: str) -> Outcome:
        _record(_new_click(row, requester, via, status, started))
        return Outcome(status, detail)

    if conversation.uuid != conversation_id or not requester.owns(conversation):
        # Same answer as for an id that does not exist: no leak of which ids exist.
        # The row is still written: someone tried a button that is not theirs.
        return refuse(protocol.NOT_FOUND, _("No such action."))
    if (reason := row.unavailable_reason()) is not None:
        return refuse(protocol.GONE, reason)
    chat = Chat(conversation, requester)
    if row.message.awaiting:
        with transaction.atomic():  # the answer and its audit row commit together
            removed = ask.answer(row, chat)
            if removed is None:
                return refuse(protocol.GONE, _("This question was already answered."))
            _record(_new_click(row, requester, via, protocol.OK, started))
        return _Answer(row, chat, removed)
    now = timezone.now()
    token = uuid.uuid4()
    until = now + timedelta(seconds=chat_settings.CLAIM_TIMEOUT)
    click = _new_click(row, requester, via, protocol.ERROR, started, UNFINISHED)
    exclusive = row.message.exclusive
    # The claim and its audit row are written together (in one statement on
    # PostgreSQL); an exclusive message's other buttons go in the same commit.
    with transaction.atomic() if exclusive else nullcontext():
        won = statements.claim(row, now, until, token, click)
        removed = []
        if won and exclusive:
            removed = emitter.mark_message_actions_removed(chat, row.message.uuid)
    if not won:
        if ActionRow.objects.filter(pk=row.pk, removed_at__isnull=False).exists():
            return refuse(protocol.GONE, _("This button is no longer available."))
        return refuse(protocol.BUSY, _("This action is already running."))
    return _Claim(row, chat, token, started, removed, click)


async def _run_callback(claim: _Claim) -> tuple[Outcome, str]:
    try:
        registration = get_registry(claim.chat.conversation.app).get_action_callback(
            claim.row.name
        )
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        return failure(exc), str(exc)
    action = Action.from_row(claim.row, claim.chat)
    return await run_handler(registration, claim.chat, action)


def _release(claim: _Claim, outcome: Outcome, error: str) -> None:
    click = claim.click
    click.outcome = outcome.status
    click.duration_ms = (time.perf_counter() - claim.started) * 1000
    click.error = error
    statements.release(claim.row, claim.token, click)
    _announce(click)


async def refuse_click(requester: Requester, action_id: uuid.UUID, via: str, status: str) -> None:
    """Record a click refused before dispatch (``rate_limited``), so the audit trail has it.

    Only a click on an action that exists leaves a row, whoever owns it; the
    caller's answer does not depend on that, so it reveals nothing. A flood
    writes one row per requester per budget window, whose ``count`` says how
    many clicks were refused in it.
    """
    await database_sync_to_async(_record_refusal)(requester, action_id, via, status)


_WRITING = "writing"  # the window's row is being written by another request


def _record_refusal(requester: Requester, action_id: uuid.UUID, via: str, status: str) -> None:
    started = time.perf_counter()
    window, left = limits.window_key(limits.identity(requester))
    ttl = math.ceil(left) + 1
    refused = limits.count(f"{window}:refused", ttl)
    row_key = f"{window}:row"
    row_pk = cache.get(row_key)
    if row_pk is None and cache.add(row_key, _WRITING, timeout=ttl):
        row = statements.find_action(action_id)
        if row is None:
            cache.delete(row_key)
            return
        click = _new_click(row, requester, via, status, started)
        click.count = refused
        _record(click)
        cache.set(row_key, click.pk, timeout=ttl)
    elif row_pk not in (None, _WRITING):
        ActionClick.objects.filter(pk=row_pk, count__lt=refused).update(count=refused)


def _record(click: ActionClick) -> None:
    """Save an audit row whose outcome is already final, and announce it."""
    _announce(inserts.insert(click))


def _new_click(
    row: ActionRow,
    requester: Requester,
    via: str,
    outcome: str,
    started: float,
    error: str = "",
) -> ActionClick:
    """An audit row, not saved yet."""
    return ActionClick(
        action=row,
        via=via,
        outcome=outcome,
        duration_ms=(time.perf_counter() - started) * 1000,
        error=error,
        **requester.owner_fields(),
    )


def _announce(click: ActionClick) -> None:
    """``action_clicked``, once per click, when its outcome is final."""
    row = click.action
    action_clicked.send(
        ActionClick, click=click, action=row, conversation=row.message.conversation
    )


# Messages and chat start --------------------------------------------------------


async def user_message(requester: Requester, conversation_id: uuid.UUID, content: str) -> Outcome:
    """Save what the user wrote, show it in every tab, then run ``on_message``."""
    if len(content) > chat_settings.MAX_MESSAGE_LENGTH:
        return Outcome(
            protocol.INVALID,
            _("Message is longer than %(limit)d characters.")
            % {"limit": chat_settings.MAX_MESSAGE_LENGTH},
        )
    if (problem := text_problem(content)) is not None:
        return Outcome(protocol.INVALID, f"Message {problem}.")
    try:
        saved = await database_sync_to_async(_save_user_message)(
            requester, conversation_id, content
        )
    except CONNECTION_ERRORS as exc:
        logger.exception("chatactions: no database to save a message")
        return failure(exc)
    if saved is None:
        return Outcome(protocol.NOT_FOUND, _("No such conversation."))
    chat, message, text = saved
    await emitter.broadcast(chat, text)
    return await _run_hook(chat, "on_message", message)


def _save_user_message(
    requester: Requester, conversation_id: uuid.UUID, content: str
) -> tuple[Chat, Message, str] | None:
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        return None
    chat = Chat(conversation, requester)
    message = Message(content, conversation=chat)
    message.from_user = True
    row, text = emitter.save_message(chat, message)
    return chat, Message.from_row(row, chat), text


async def missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    """Message frames saved after message ``after`` (``None``: the newest ones).

    ``None`` if ``after`` is not a message of this chat. Removed messages are
    left out, and only live buttons are drawn, exactly as a reload would.
    """
    texts: list[str] | None = await database_sync_to_async(_missed)(chat, after)
    return texts


def _missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    try:
        live = MessageRow.objects.live(chat.conversation, after)
    except MessageRow.DoesNotExist:
        return None
    rows = list(live.order_by("-pk")[: chat_settings.SYNC_LIMIT])[::-1]
    for row in rows:
        row.conversation = chat.conversation
    return [emitter.render_message(row, row.live_actions) for row in rows]  # type: ignore[attr-defined]


async def start_conversation(requester: Requester, app: str) -> Conversation:
    """Create a conversation of chat app ``app`` for the requester and run its start."""
    conversation = await Conversation.objects.acreate(app=app, **requester.owner_fields())
    await start_chat(Chat(conversation, requester))
    return conversation


async def start_chat(chat: Chat) -> Outcome:
    """Run ``on_chat_start`` for a new conversation."""
    return await _run_hook(chat, "on_chat_start", chat)


async def _run_hook(chat: Chat, name: str, argument: object) -> Outcome:
    """Run the conversation app's ``name`` handler, if it has one.

    A conversation whose app is no longer registered (renamed, removed) gets an
    ``error`` answer, as a button without a callback does, not a crash.
    """
    try:
        registration = get_registry(chat.conversation.app).get_hook(name)
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        return failure(exc)
    if registration is None:
        return Outcome(protocol.OK)
    outcome, _ = await run_handler(registration, chat, argument)
    return outcome
