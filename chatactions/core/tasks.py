"""Running handlers as tasks every tab sees, and stopping them from any process.

Each handler (``on_message``, an action callback, ``on_chat_start``) runs as a
task with a ``RunningTask`` row (a lease, renewed while it runs) and the
frames ``task.start`` / ``task.end`` in every tab; a tab that connects
meanwhile reads the row. ``task.start`` is sent again at each renewal, so a
tab whose worker died stops showing "working" when the lease lapses.

Stop is a channel-layer message to the conversation's stop group, in which
each process that runs a task of the conversation has its event loop's
channel (``stops``): whichever process runs it, the task is cancelled there,
its open streams end ``stopped``, and its outcome is ``cancelled``. A plain
``def`` callback runs in a thread, which Python cannot interrupt: its task is
cancelled, the thread finishes on its own and what it sends afterwards still
saves.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.utils import timezone

from .. import protocol
from ..conf import chat_settings
from ..context import Chat
from ..models import Message as MessageRow
from ..models import RunningTask
from ..outcome import Outcome, Status
from . import fanout, messages, stops, streams
from .sql import inserts, statements

logger = logging.getLogger(__name__)

#: Sync work done in a task's last database hop, given its outcome and error.
Settle = Callable[[Outcome, str], None]

STOPPED = Outcome(Status.CANCELLED, "Stopped.")

#: Seconds ``task.start`` waits to ride in the handler's first broadcast before going alone.
START_HOLD = 0.1


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
    start = protocol.dumps(_start(token, chat_settings.STREAM_LEASE))
    lead = fanout.Leading(chat.group, start)
    left_open: set[streams.Stream] = set()
    opened, leading = streams.opened.set(left_open), fanout.leading.set(lead)
    handler = asyncio.ensure_future(work())  # copies the context: its streams are tracked
    streams.opened.reset(opened)
    fanout.leading.reset(leading)
    quiet = lead.hold_for(START_HOLD)
    group = stop_group(chat)
    watch = await stops.watch(group, handler)
    renewal = _KeepAlive(lead, token)
    how = MessageRow.Stream.DONE
    outcome, error = STOPPED, ""  # what it came to if this task itself is cancelled
    try:
        try:
            outcome, error = await handler
            how = MessageRow.Stream.INTERRUPTED if outcome.status == Status.ERROR else how
        except asyncio.CancelledError:
            if watch is None or not watch.stopped:
                raise  # this task itself was cancelled
            outcome, error = STOPPED, ""
            how = MessageRow.Stream.STOPPED
    finally:
        stops.unwatch(group, watch)
        quiet.cancel()
        handler.cancel()
        renewal.cancel()
        await streams.end_all(left_open, how)
        try:
            await database_sync_to_async(end)(token, settle, outcome, error)
        finally:  # the tabs stop showing "working" even if the database is gone
            frame = protocol.task_frame("task.end", token, status=str(outcome.status))
            await lead.flush(protocol.dumps(frame))  # behind task.start, if it is still held
    return outcome, error


class _KeepAlive:
    """Renew the task's lease, and remind the tabs it runs, three times per lease.

    A timer, not a task: most handlers end long before the first renewal, and
    a timer that never fires costs a heap entry, not a task's steps.
    """

    def __init__(self, lead: fanout.Leading, token: uuid.UUID) -> None:
        self.lead, self.token = lead, token
        self.every = float(chat_settings.STREAM_LEASE) / 3
        self.loop = asyncio.get_running_loop()
        self.timer = self.loop.call_later(self.every, self._due)
        self.renewing: asyncio.Future[None] | None = None

    def _due(self) -> None:
        self.renewing = asyncio.ensure_future(self._renew_now())

    async def _renew_now(self) -> None:
        try:
            await database_sync_to_async(_renew)(self.token)
            start = _start(self.token, chat_settings.STREAM_LEASE)
            await self.lead.flush(protocol.dumps(start))  # behind the first, if still held
        except Exception:  # the database is gone: the lease lapses, the tabs stop waiting
            logger.exception("chatactions: could not renew a task's lease")
        self.timer = self.loop.call_later(self.every, self._due)

    def cancel(self) -> None:
        self.timer.cancel()
        if self.renewing is not None:
            self.renewing.cancel()


async def stop(chat: Chat) -> None:
    """Cancel every running task of this conversation, on whichever process runs it."""
    try:
        await stops.send(stop_group(chat))
    except Exception:
        logger.exception("chatactions: could not send stop for %s", chat.id)
