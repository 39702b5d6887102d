"""``ChatConsumer``: one WebSocket, thin: each frame checked and handed to ``dispatch``.

The socket under it (``sockets.ChatSocket``) authenticates at connect, takes
its places under the socket caps and joins the conversation's group and its
session's. Here each frame is checked (session, budget, size, shape) and handed
to ``dispatch``. Each frame's handler runs as its own task, so a callback that
runs long or waits for a click never stops the socket from reading the next
frame. Answers to the sender travel through the channel layer to this
consumer's own channel, behind the group frames the handler produced, so a
frame's ``ack`` always comes last.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import dispatch, limits, protocol
from .outcome import failure
from .sockets import ChatSocket

logger = logging.getLogger(__name__)

#: The frame handlers running, of every socket: the event loop keeps only weak references.
running: set[asyncio.Task[None]] = set()


class ChatConsumer(ChatSocket):
    """Wire protocol v1 on ``/ws/chat/<conversation-uuid>/``."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Check one frame and start its handler as a task, in the page's language.

        The task copies the active language with the rest of its context, so
        everything the frame causes (acks, messages drawn for the broadcast) is
        in the language of the page that opened the socket.
        """
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data: str | None) -> None:
        if not hasattr(self, "chat") or self.ended:
            return
        expired = self.expires_at is not None and timezone.now() >= self.expires_at
        if expired and not await self.alive():
            await self.end()
            return
        if not (await limits.aspend(self.ident)).allowed:
            await self.refuse_flood(text_data)
            return
        if text_data is None:
            await self.reply(protocol.error(_("Binary frames are not part of the protocol.")))
            return
        try:
            frame = protocol.parse(text_data)
        except protocol.FrameError as exc:
            await self.refuse(exc)
            return
        if isinstance(frame, protocol.MessageFrame):
            self.start(self.handle_message(frame), frame.ref)
        elif isinstance(frame, protocol.ActionFrame):
            self.start(self.handle_action(frame), frame.ref)
        elif isinstance(frame, protocol.SubmitFrame):
            self.start(self.handle_submit(frame), frame.ref)
        elif isinstance(frame, protocol.SyncFrame):
            self.start(self.handle_sync(frame), frame.ref)
        elif isinstance(frame, protocol.FetchFrame):
            self.start(self.handle_fetch(frame), frame.ref)
        else:
            self.start(self.handle_stop(frame), frame.ref)

    def start(self, handler: Awaitable[None], ref: str | None) -> None:
        """Run a frame's handler as its own task, so the socket keeps reading meanwhile."""
        task = asyncio.ensure_future(self._answered(handler, ref))
        running.add(task)
        task.add_done_callback(running.discard)

    async def _answered(self, handler: Awaitable[None], ref: str | None) -> None:
        """Run a frame's handler; if it fails (a database error, say), log it and still answer.

        User code's exceptions are caught deeper, in ``dispatch``; this is the net
        under everything else, so no frame is ever left without its ``ack``.
        """
        try:
            await handler
        except Exception as exc:
            logger.exception("chatactions: frame handler failed")
            outcome = failure(exc)
            await self.reply(protocol.ack(ref, outcome.status, outcome.detail))

    async def refuse_flood(self, text: str | None) -> None:
        """Answer ``rate_limited``; a click on an existing button still gets its audit row.

        Awaited here rather than run as a task, so a flooding client waits for
        its refusals to be written before the next frame is read.
        """
        try:
            frame = None if text is None else protocol.parse(text)
        except protocol.FrameError:
            frame = None
        if isinstance(frame, protocol.ActionFrame | protocol.SubmitFrame):
            try:
                await dispatch.refuse_click(
                    self.requester, frame.id, "websocket", protocol.RATE_LIMITED
                )
            except Exception:  # the database is gone: the refusal still goes out
                logger.exception("chatactions: could not record a rate-limited click")
        ref = None if text is None else protocol.peek_ref(text)
        await self.refuse(
            protocol.FrameError(
                _("Too many frames; slow down."), ref=ref, status=protocol.RATE_LIMITED
            )
        )

    # Frame handlers, one per client frame type ----------------------------------------

    async def handle_message(self, frame: protocol.MessageFrame) -> None:
        """A user's message: ``dispatch.user_message``, then its ``ack``."""
        outcome = await dispatch.user_message(
            self.requester, self.chat.conversation.uuid, frame.content
        )
        await self.reply(protocol.ack(frame.ref, outcome.status, outcome.detail, outcome.notice))

    async def handle_action(self, frame: protocol.ActionFrame) -> None:
        """A click: ``dispatch.click``, then its ``ack``."""
        outcome = await dispatch.click(
            self.requester, self.chat.conversation.uuid, frame.id, "websocket"
        )
        await self.reply(protocol.ack(frame.ref, outcome.status, outcome.detail, outcome.notice))

    async def handle_submit(self, frame: protocol.SubmitFrame) -> None:
        """A form's values: ``dispatch.submit``, then its ``ack`` (with errors if invalid)."""
        outcome = await dispatch.submit(
            self.requester, self.chat.conversation.uuid, frame.id, frame.values, "websocket"
        )
        await self.reply(
            protocol.ack(
                frame.ref,
                outcome.status,
                outcome.detail,
                outcome.notice,
                outcome.errors,
                outcome.html,
            )
        )

    async def handle_sync(self, frame: protocol.SyncFrame) -> None:
        """What a reconnecting tab missed, then the ``ack`` (with ``since``: a page of it)."""
        if not await self.alive():  # history is what a stale session must not read
            await self.end()
            return
        if frame.since is not None:
            page = await dispatch.changes(self.chat, frame.since)
            await self.reply(*page.texts, protocol.sync_ack(frame.ref, page.seq, page.has_more))
            return
        texts = await dispatch.missed(self.chat, frame.after)
        if texts is None:
            await self.reply(protocol.ack(frame.ref, protocol.NOT_FOUND, _("No such message.")))
            return
        await self.reply(*texts, protocol.ack(frame.ref, protocol.OK))

    async def handle_fetch(self, frame: protocol.FetchFrame) -> None:
        """One message again (a tab saw a gap in its stream), then the ``ack``."""
        text = await dispatch.fetch(self.chat, frame.id)
        if text is None:
            await self.reply(protocol.ack(frame.ref, protocol.NOT_FOUND, "No such message."))
            return
        await self.reply(text, protocol.ack(frame.ref, protocol.OK))

    async def handle_stop(self, frame: protocol.StopFrame) -> None:
        """Stop: ``dispatch.stop`` cancels the running handlers wherever they run."""
        outcome = await dispatch.stop(self.requester, self.chat.conversation.uuid)
        await self.reply(protocol.ack(frame.ref, outcome.status, outcome.detail, outcome.notice))
