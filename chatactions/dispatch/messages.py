"""A user's message and a chat's start: save, show, then run the app's hook.

The message is saved and broadcast before ``on_message`` runs, so every tab
shows what the user wrote even if the hook fails or takes long.
"""

from __future__ import annotations

import logging
import uuid

from channels.db import database_sync_to_async
from django.db import transaction
from django.utils.translation import gettext as _

from ..conf import chat_settings
from ..context import Chat
from ..core import asks, fanout, messages, running, tasks
from ..exceptions import NotRegistered
from ..message import Message
from ..models import Conversation
from ..outcome import CONNECTION_ERRORS, Outcome, Status, failure
from ..owners import Requester
from ..registration import Registration
from ..registry import get_registry
from ..storable import text_problem

logger = logging.getLogger(__name__)


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
    chat, message, text, question, task = saved
    await fanout.broadcast(chat, text)
    if question is not None:  # the answer of an AskUserMessage, not for on_message
        await asks.notify(question, message.id)
        return Outcome(Status.OK)
    return await _run_hook(chat, "on_message", message, task)


def _save_user_message(
    requester: Requester, conversation_id: uuid.UUID, content: str
) -> tuple[Chat, Message, str, uuid.UUID | None, uuid.UUID | None] | None:
    """Save the message and, in the same commit, make it the reply a question waits for.

    If ``on_message`` will run, its task's row is written in this hop too (one
    trip to the database thread fewer per message); its token is returned last.
    """
    conversation = requester.conversation(conversation_id)
    if conversation is None:
        return None
    chat = Chat(conversation, requester)
    draft = Message(content, conversation=chat).draft(from_user=True)
    with transaction.atomic():
        row, text = messages.save_message(chat, draft)
        question = asks.reply(chat, row)
    task = None
    if question is None and _hook(conversation.app, "on_message") is not None:
        task = tasks.begin(chat)
    return chat, Message.from_row(row, chat), text, question, task


def _hook(app: str, name: str) -> Registration | None:
    try:
        return get_registry(app).get_hook(name)
    except NotRegistered:
        return None


async def start_conversation(requester: Requester, app: str) -> Conversation:
    """Create a conversation of chat app ``app`` for the requester and run its start."""
    conversation: Conversation = await database_sync_to_async(Conversation.objects.create)(
        app=app, **requester.owner_fields()
    )
    await start_chat(Chat(conversation, requester))
    return conversation


async def start_chat(chat: Chat) -> Outcome:
    """Run ``on_chat_start`` for a new conversation."""
    return await _run_hook(chat, "on_chat_start", chat)


async def _run_hook(
    chat: Chat, name: str, argument: object, begun: uuid.UUID | None = None
) -> Outcome:
    """Run the conversation app's ``name`` handler, if it has one.

    A conversation whose app is no longer registered (renamed, removed) gets an
    ``error`` answer, as a button without a callback does, not a crash.
    ``begun``: the task's row, already written (``tasks.begin``).
    """
    try:
        registration = get_registry(chat.conversation.app).get_hook(name)
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        registration, outcome = None, failure(exc)
    else:
        outcome = Outcome(Status.OK)
    if registration is None:
        if begun is not None:  # the app changed since the row was written
            await database_sync_to_async(tasks.end)(begun, None, outcome, "")
        return outcome
    outcome, _ = await tasks.run(
        chat, lambda: running.run_handler(registration, chat, argument), begun
    )
    return outcome


async def stop(requester: Requester, conversation_id: uuid.UUID) -> Outcome:
    """The owner's Stop: cancel the conversation's running handlers anywhere, run ``on_stop``.

    Anyone else gets ``not_found``, as for a conversation that does not exist.
    ``on_stop`` runs here, on the process that took the request, and is not
    itself a task that a Stop could cancel.
    """
    conversation = await database_sync_to_async(requester.conversation)(conversation_id)
    if conversation is None:
        return Outcome(Status.NOT_FOUND, _("No such conversation."))
    chat = Chat(conversation, requester)
    await tasks.stop(chat)
    try:
        registration = get_registry(conversation.app).get_hook("on_stop")
    except NotRegistered as exc:
        logger.error("chatactions: %s", exc)
        return failure(exc)
    if registration is None:
        return Outcome(Status.OK)
    outcome, _error = await running.run_handler(registration, chat, chat)
    return outcome
