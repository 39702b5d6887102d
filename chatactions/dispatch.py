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
import time
import uuid
from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from .action import Action
from .conf import chat_settings
from .context import Chat
from .core import asks, clicks, fanout, frames, messages, running, tasks
from .exceptions import NotRegistered
from .message import Message
from .models import Action as ActionRow
from .models import Conversation
from .models import Message as MessageRow
from .outcome import CONNECTION_ERRORS, Outcome, Status, failure
from .owners import Requester
from .registry import get_registry
from .storable import text_problem

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
    return await tasks.run(
        claim.chat, lambda: running.run_handler(registration, claim.chat, action)
    )


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


# Messages and chat start --------------------------------------------------------


async def user_message(requester: Requester, conversation_id: uuid.UUID, content: str) -> Outcome:
    """Save what the user wrote, show it in every tab, then run ``on_message``."""
    if len(content) > chat_settings.MAX_MESSAGE_LENGTH:
        return Outcome(
            Status.INVALID,
            _("Message is longer than %(limit)d characters.")
            % {"limit": chat_settings.MAX_MESSAGE_LENGTH},
        )
    if (problem := text_problem(content)) is not None:
        return Outcome(Status.INVALID, f"Message {problem}.")
    try:
        saved = await database_sync_to_async(_save_user_message)(
            requester, conversation_id, content
        )
    except CONNECTION_ERRORS as exc:
        logger.exception("chatactions: no database to save a message")
        return failure(exc)
    if saved is None:
        return Outcome(Status.NOT_FOUND, _("No such conversation."))
    chat, message, text = saved
    await fanout.broadcast(chat, text)
    return await _run_hook(chat, "on_message", message)


def _save_user_message(
    requester: Requester, conversation_id: uuid.UUID, content: str
) -> tuple[Chat, Message, str] | None:
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        return None
    chat = Chat(conversation, requester)
    draft = Message(content, conversation=chat).draft(from_user=True)
    row, text = messages.save_message(chat, draft)
    return chat, Message.from_row(row, chat), text


async def missed(chat: Chat, after: uuid.UUID | None) -> list[str] | None:
    """Message frames saved after message ``after`` (``None``: the newest ones).

    ``None`` if ``after`` is not a message of this chat. Removed messages are
    left out, and only live buttons are drawn, exactly as a reload would.
    """
    await notice_lapsed(chat)
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
    drawn = [frames.render_message(row, row.live_actions) for row in rows]  # type: ignore[attr-defined]
    return drawn + tasks.running_frames(chat)


@dataclass(frozen=True)
class Changes:
    """One page of a ``sync``: the frames, the position they bring a tab to, and if more wait."""

    texts: list[str]
    seq: int
    has_more: bool


async def changes(chat: Chat, since: int) -> Changes:
    """Every change after position ``since``, as each message is now, a page at a time.

    A live message comes as its ``message`` frame with its live buttons, a
    removed one as ``message.remove``; ``SYNC_LIMIT`` of them per page, in the
    order of their positions, so the next page starts where this one stopped.
    A dead worker's streams are marked interrupted first; the last page ends
    with a ``task.start`` for each handler still running.
    """
    await notice_lapsed(chat)
    page: Changes = await database_sync_to_async(_changes)(chat, since)
    return page


def _changes(chat: Chat, since: int) -> Changes:
    # The conversation's position first, then the rows up to it: a change
    # committed in between is left for the next sync (or its live frame),
    # rather than counted as sent. Every lower position has committed already.
    now = Conversation.objects.values_list("seq", flat=True).get(pk=chat.conversation.pk)
    limit = chat_settings.SYNC_LIMIT
    rows = list(MessageRow.objects.changed(chat.conversation, since, now)[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    texts = []
    for row in rows:
        row.conversation = chat.conversation
        if row.removed_at is None:
            texts.append(frames.render_message(row, row.live_actions))  # type: ignore[attr-defined]
        else:
            texts.append(frames.message_removed(row.uuid, row.seq))
    if not has_more:
        texts += tasks.running_frames(chat)
    return Changes(texts, rows[-1].seq if has_more else now, has_more)


async def start_conversation(requester: Requester, app: str) -> Conversation:
    """Create a conversation of chat app ``app`` for the requester and run its start."""
    conversation: Conversation = await database_sync_to_async(Conversation.objects.create)(
        app=app, **requester.owner_fields()
    )
    await start_chat(Chat(conversation, requester))
    return conversation


async def reply(channel: str, *texts: str) -> bool:
    """Send frames to one socket's channel (a door's answer); false if the layer failed.

    Through the layer, not straight down the socket, so an answer arrives
    behind the broadcasts the same click caused.
    """
    return await fanout.send_to(channel, *texts)


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
        return Outcome(Status.OK)
    outcome, _ = await tasks.run(chat, lambda: running.run_handler(registration, chat, argument))
    return outcome


# Stop, and what a tab reads of a stream -------------------------------------------


async def stop(requester: Requester, conversation_id: uuid.UUID) -> Outcome:
    """The owner's Stop: cancel the conversation's running handlers anywhere, run ``on_stop``.

    Anyone else gets ``not_found``, as for a conversation that does not exist.
    ``on_stop`` runs here, on the process that took the request, and is not
    itself a task that a Stop could cancel.
    """
    conversation = await database_sync_to_async(requester.conversation)(conversation_id)
    if conversation is None:
        return Outcome(Status.NOT_FOUND, "No such conversation.")
    chat = Chat(conversation, requester)
    await tasks.stop(chat)
    try:
        registration = get_registry(conversation.app).get_hook("on_stop")
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        return failure(exc)
    if registration is None:
        return Outcome(Status.OK)
    outcome, _ = await running.run_handler(registration, chat, chat)
    return outcome


async def notice_lapsed(chat: Chat) -> None:
    """Mark streams whose worker died ``interrupted``, and tell every tab: readers call this.

    There is no sweeper process: whoever reads the conversation next (the page,
    a ``sync`` or ``fetch``, the API) notices the lapsed lease.
    """
    texts = await database_sync_to_async(messages.mark_lapsed_streams)(chat)
    await fanout.broadcast(chat, *texts)


async def fetch(chat: Chat, message_id: uuid.UUID) -> str | None:
    """One message of this chat drawn again, for a tab that saw a gap in its stream."""
    await notice_lapsed(chat)
    text: str | None = await database_sync_to_async(_fetch)(chat, message_id)
    return text


def _fetch(chat: Chat, message_id: uuid.UUID) -> str | None:
    row = MessageRow.objects.live(chat.conversation).filter(uuid=message_id).first()
    if row is None:
        return None
    row.conversation = chat.conversation
    return frames.render_message(row, row.live_actions, "message.update")  # type: ignore[attr-defined]
