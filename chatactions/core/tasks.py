"""Running handlers as tasks every tab sees, and stopping them from any process.

Each handler (``on_message``, an action callback, ``on_chat_start``) runs as a
task with a ``RunningTask`` row (a lease, renewed while it runs) and the
frames ``task.start`` / ``task.end`` in every tab; a tab that connects
meanwhile reads the row. ``task.start`` is sent again at each renewal, so a
tab whose worker died stops showing "working" when the lease lapses.

Stop is a channel-layer message to the conversation's stop group, which every
running task of the conversation joins with a channel of its own: whichever
process runs it, the task is cancelled there, its open streams end
``stopped``, and its outcome is ``cancelled``. A plain ``def`` callback runs in
a thread, which Python cannot interrupt: its task is cancelled, the thread
finishes on its own and what it sends afterwards still saves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone

from .. import protocol
from ..conf import chat_settings
from ..context import Chat
from ..models import Message as MessageRow
from ..models import RunningTask
from ..outcome import Outcome, Status
from . import fanout, messages, streams
from .sql import inserts, statements

logger = logging.getLogger(__name__)

#: Sync work done in a task's last database hop, given its outcome and error.
Settle = Callable[[Outcome, str], None]

STOPPED = Outcome(Status.CANCELLED, "Stopped.")


def stop_group(chat: Chat) -> str:
    """The channel-layer group every running task of this conversation listens on."""
    return f"chatactions.stop.{chat.conversation.uuid.hex}"


def begin(chat: Chat) -> uuid.UUID:
    """Write a task's ``RunningTask`` row; sync, so a click writes it in its claim's hop."""
    token = uuid.uuid4()
    inserts.insert(
        RunningTask(conversation=chat.conversation, token=token, until=messages.stream_lease())
    )
    return token


def _renew(token: uuid.UUID) -> None:
    RunningTask.objects.filter(token=token).update(until=messages.stream_lease())


def end(token: uuid.UUID | None, settle: Settle | None, outcome: Outcome, error: str) -> None:
    """The task's last hop: ``settle`` (a click's release), then its row is deleted.

    Also for a task that never ran (its callback is not registered): the row goes.
    """
    try:
        if settle is not None:
            settle(outcome, error)
    finally:
        if token is not None:
            statements.finish_task(token)


def running_frames(chat: Chat) -> list[str]:
    """``task.start`` for each task of this chat whose lease holds: for a tab connecting now."""
    now = timezone.now()
    rows = RunningTask.objects.filter(conversation=chat.conversation, until__gt=now)
    return [protocol.dumps(_start(row.token, (row.until - now).total_seconds())) for row in rows]


def _start(token: uuid.UUID, lease: float) -> dict[str, object]:
    return protocol.task_frame("task.start", token, lease=round(lease, 3))


async def run(
    chat: Chat,
    work: Callable[[], Awaitable[tuple[Outcome, str]]],
    begun: uuid.UUID | None = None,
    settle: Settle | None = None,
) -> tuple[Outcome, str]:
    """Run one handler as a task that every tab sees and any process can stop.

    ``begun``: the token of the row ``begin`` already wrote (a click writes it in
    its claim's hop); ``settle``: sync work for the task's last database hop,
    given the outcome (a click's release), before ``task.end`` is sent. Each
    saves a trip to the database thread per click.
    """
    token = begun if begun is not None else await database_sync_to_async(begin)(chat)
    await fanout.broadcast(chat, protocol.dumps(_start(token, chat_settings.STREAM_LEASE)))
    channel = await _listen(chat)
    left_open: set[streams.Stream] = set()
    marker = streams.opened.set(left_open)
    handler = asyncio.ensure_future(work())  # copies the context: its streams are tracked
    streams.opened.reset(marker)
    helpers: list[asyncio.Future[Any]] = [asyncio.ensure_future(_keep_alive(chat, token))]
    how = MessageRow.Stream.DONE
    outcome, error = STOPPED, ""  # what it came to if this task itself is cancelled
    try:
        if channel is not None and await _stop_came(handler, channel, helpers):
            handler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await handler
            how = MessageRow.Stream.STOPPED
        else:
            outcome, error = await handler
            how = MessageRow.Stream.INTERRUPTED if outcome.status == Status.ERROR else how
    finally:
        for helper in [handler, *helpers]:
            helper.cancel()
        await streams.end_all(left_open, how)
        await _unlisten(chat, channel)
        try:
            await database_sync_to_async(end)(token, settle, outcome, error)
        finally:  # the tabs stop showing "working" even if the database is gone
            frame = protocol.task_frame("task.end", token, status=str(outcome.status))
            await fanout.broadcast(chat, protocol.dumps(frame))
    return outcome, error


async def _listen(chat: Chat) -> str | None:
    """A channel of this task's own in the conversation's stop group; ``None`` without a layer.

    If the layer fails (Redis is down) the handler still runs, only unstoppable.
    """
    layer = get_channel_layer()
    if layer is None:
        return None
    try:
        channel: str = await layer.new_channel()
        await layer.group_add(stop_group(chat), channel)
    except Exception:
        logger.exception("chatactions: no stop channel for a task of %s", chat.id)
        return None
    return channel


async def _unlisten(chat: Chat, channel: str | None) -> None:
    if channel is None:
        return
    try:
        await get_channel_layer().group_discard(stop_group(chat), channel)
    except Exception:
        logger.exception("chatactions: could not leave the stop group of %s", chat.id)


async def _stop_came(
    handler: asyncio.Future[tuple[Outcome, str]], channel: str, helpers: list[asyncio.Future[Any]]
) -> bool:
    """Wait for the handler to end or a stop to arrive; true if the stop came first."""
    listener = asyncio.ensure_future(get_channel_layer().receive(channel))
    helpers.append(listener)
    await asyncio.wait([handler, listener], return_when=asyncio.FIRST_COMPLETED)
    if handler.done():
        return False
    if listener.exception() is not None:  # the layer failed: the handler runs on
        logger.warning("chatactions: lost the stop channel of a running task")
        await asyncio.wait([handler])
        return False
    return True


async def _keep_alive(chat: Chat, token: uuid.UUID) -> None:
    """Renew the task's lease, and remind the tabs it runs, three times per lease."""
    every = float(chat_settings.STREAM_LEASE) / 3
    while True:
        await asyncio.sleep(every)
        await database_sync_to_async(_renew)(token)
        await fanout.broadcast(chat, protocol.dumps(_start(token, chat_settings.STREAM_LEASE)))


async def stop(chat: Chat) -> None:
    """Cancel every running task of this conversation, on whichever process runs it."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(stop_group(chat), {"type": "chat.stop"})
    except Exception:
        logger.exception("chatactions: could not send stop for %s", chat.id)
