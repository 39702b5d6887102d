"""A message streamed token by token: saved as it grows, sent to the tabs in batches.

The row exists from the first token (``streaming``, with a lease). Tokens
gather for ``STREAM_COALESCE`` seconds into one ``message.stream`` frame that
says at which offset its text begins, so a tab that already has some of it
(from the page or a ``sync``) skips what it knows, and one that sees a gap asks
for the message again. Every ``STREAM_SAVE_INTERVAL`` seconds the text so far
is saved and the lease renewed; a process that dies stops renewing it, and the
next reader marks the message ``interrupted`` (``leases.mark_lapsed_streams``).
The end is a message update: the full text, drawn as Markdown, its buttons.

The streams a handler left open are tracked per running task (``opened``),
so a stopped or failed handler's stream is ended with what it has.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from contextvars import ContextVar

from channels.db import database_sync_to_async

from .. import protocol
from ..conf import chat_settings
from ..context import Chat
from . import fanout, leases, messages
from .drafts import MessageDraft

#: The streams left open by the running task, for ``tasks`` to end if it stops.
opened: ContextVar[set[Stream] | None] = ContextVar("chatactions_streams", default=None)


def utf16_length(text: str) -> int:
    """The length JavaScript gives ``text``: the unit of a stream frame's ``at``."""
    return len(text.encode("utf-16-le")) // 2


class Stream:
    """One message being streamed by this process."""

    def __init__(self, chat: Chat, message_id: uuid.UUID, text: str) -> None:
        self.chat = chat
        self.id = message_id
        self.text = text  # everything streamed so far
        self.pending: list[str] = []  # tokens not yet sent to the tabs
        self.sent_at = utf16_length(text)  # the ``at`` of the next frame
        self.saved = text
        self.saved_when = time.monotonic()
        self.lock = asyncio.Lock()  # one frame at a time, so the layer keeps their order
        self.ticker = asyncio.ensure_future(self._tick())
        tracked = opened.get()
        if tracked is not None:
            tracked.add(self)

    @classmethod
    async def start(cls, chat: Chat, draft: MessageDraft) -> Stream:
        """Save the message at its first token, ``streaming``, and show it in every tab."""
        _, text = await database_sync_to_async(messages.save_message)(chat, draft)
        await fanout.broadcast(chat, text)
        return cls(chat, draft.id, draft.content)

    @classmethod
    async def resume(cls, chat: Chat, message_id: uuid.UUID) -> Stream | None:
        """Stream into a message already sent (``send()`` first); ``None`` if it is gone."""
        found = await database_sync_to_async(leases.mark_streaming)(chat, message_id)
        if found is None:
            return None
        content, text = found
        await fanout.broadcast(chat, text)
        return cls(chat, message_id, content)

    async def push(self, token: str) -> None:
        """Add a token: sent with the next batch (or now, with coalescing off)."""
        self.text += token
        self.pending.append(token)
        if chat_settings.STREAM_COALESCE <= 0:
            await self.flush()

    async def flush(self) -> None:
        """Send what is pending as one ``message.stream`` frame."""
        async with self.lock:
            if not self.pending:
                return
            delta = "".join(self.pending)
            self.pending.clear()
            at = self.sent_at
            self.sent_at += utf16_length(delta)
            frame = protocol.stream_frame(self.id, at, delta)
            await fanout.broadcast(self.chat, protocol.dumps(frame))

    async def _tick(self) -> None:
        """Send batches every ``STREAM_COALESCE`` and save every ``STREAM_SAVE_INTERVAL``."""
        every = float(chat_settings.STREAM_SAVE_INTERVAL)
        coalesce = float(chat_settings.STREAM_COALESCE)
        while True:
            await asyncio.sleep(coalesce if coalesce > 0 else every)
            # Shielded: the end cancels this loop, and a frame cut off mid-send would
            # leave the tabs a gap; its own flush waits for this one (the lock).
            await asyncio.shield(self.flush())
            if time.monotonic() - self.saved_when >= every:
                self.saved_when = time.monotonic()
                await database_sync_to_async(leases.save_stream_text)(
                    self.chat, self.id, self.text
                )

    async def _close(self) -> None:
        self.ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.ticker
        tracked = opened.get()
        if tracked is not None:
            tracked.discard(self)
        await self.flush()

    async def finish(self, draft: MessageDraft) -> bool:
        """The end: save the full text as an update (Markdown, buttons) in every tab."""
        await self._close()
        return await messages.update_message(self.chat, draft)

    async def end(self, how: str) -> None:
        """End with the text it has, ``stopped`` or ``interrupted`` (the handler cannot)."""
        await self._close()
        text = await database_sync_to_async(leases.mark_stream_ended)(
            self.chat, self.id, self.text, how
        )
        if text is not None:
            await fanout.broadcast(self.chat, text)


async def end_all(streams: set[Stream], how: str) -> None:
    """End the streams a task left open, each with what it has."""
    for stream in list(streams):
        await stream.end(how)
