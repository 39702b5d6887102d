"""``ChatConsumer``: one WebSocket, thin.

It authenticates at connect, takes its places under the socket caps, joins the
conversation's group and its session's (``lifetime``), checks each frame
(session, budget, size, shape) and hands it to ``dispatch``. Each frame's handler runs as
its own task, so a callback that runs long or waits for a click never stops
the socket from reading the next frame. Answers to the sender travel through
the channel layer to this consumer's own channel, behind the group frames the
handler produced, so a frame's ``ack`` always comes last.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import caps, dispatch, lifetime, limits, owners, protocol, texts
from .context import Chat
from .models import Conversation
from .outcome import failure

logger = logging.getLogger(__name__)


class ChatConsumer(lifetime.SessionBound, AsyncWebsocketConsumer):  # type: ignore[misc]
    """Wire protocol v1 on ``/ws/chat/<conversation-uuid>/`` (an untyped base)."""

    async def connect(self) -> None:
        """Accept only the conversation's owner; anyone else sees "not found" (4404).

        An anonymous visitor on a site without anonymous chats gets 4403 instead,
        whatever the id: that says "log in", not whether the conversation exists.
        A socket over a cap (``MAX_SOCKETS_PER_*``) gets 4429.
        """
        self.tasks: set[asyncio.Task[None]] = set()
        self.language = texts.requested_language(self.scope)
        self.ended = False
        self.places: caps.Places | None = None
        self.session_key: str | None = None
        self.expires_at: datetime | None = None
        conversation_id: uuid.UUID = self.scope["url_route"]["kwargs"]["conversation_id"]
        found = await database_sync_to_async(self._find)(conversation_id)
        await self.accept()
        if isinstance(found, int):
            await self.close(code=found)
            return
        self.chat = Chat(found, self.requester)
        if self.session_key is not None:
            await self.channel_layer.group_add(lifetime.group(self.session_key), self.channel_name)
        await self.channel_layer.group_add(self.chat.group, self.channel_name)
        self.watcher = asyncio.ensure_future(self.watch())

    def _find(self, conversation_id: uuid.UUID) -> Conversation | int:
        """The requester's conversation, with a place under the caps, or the close code."""
        user = self.scope.get("user")
        if owners.login_required(user):
            return protocol.CLOSE_FORBIDDEN
        session = self.scope.get("session")
        requester = owners.resolve(user, session)
        if requester is None:
            return protocol.CLOSE_NOT_FOUND
        conversation = requester.conversation(conversation_id)
        if conversation is None:
            return protocol.CLOSE_NOT_FOUND
        self.requester, self.ident = requester, limits.identity(requester)
        self.places = caps.take(conversation.uuid, self.ident)
        if self.places is None:
            return protocol.CLOSE_TOO_MANY_SOCKETS
        self.session_key = getattr(session, "session_key", None)
        if self.session_key is not None:
            self.expires_at = lifetime.expiry(self.session_key)
        return conversation

    async def disconnect(self, code: int) -> None:
        """Leave the groups and the caps; running handlers finish: their rows must be saved."""
        if hasattr(self, "watcher"):
            self.watcher.cancel()
        if self.places is not None:
            await limits.in_cache(self.places.release)
        if hasattr(self, "chat"):
            await self.channel_layer.group_discard(self.chat.group, self.channel_name)
            if self.session_key is not None:
                await self.channel_layer.group_discard(
                    lifetime.group(self.session_key), self.channel_name
                )

    async def watch(self) -> None:
        """Every ``SOCKET_CHECK_INTERVAL``: renew the places under the caps, check the session.

        The first check comes after a random part of the interval, so sockets
        opened together do not all check at once. A failed check (the database
        is down) closes nothing: the next one tries again.
        """
        interval = caps.check_interval()
        await asyncio.sleep(interval * random.uniform(0.5, 1.0))
        while True:
            try:
                if self.places is not None:
                    await limits.in_cache(self.places.renew)
                if not await self.alive():
                    await self.end()
                    return
            except Exception:
                logger.exception("chatactions: could not check a socket's session")
            await asyncio.sleep(interval)

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
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

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

    # Sending ------------------------------------------------------------------------

    async def reply(self, *frames: dict[str, Any] | str) -> None:
        """Send frames to this socket only, behind everything the layer already holds.

        If the layer cannot take them, this socket may also have missed broadcasts
        (its own echo, the replies): answer directly, then close with 4503 so the
        client reconnects and resyncs from the database, which has everything.
        """
        texts = [f if isinstance(f, str) else protocol.dumps(f) for f in frames]
        if await dispatch.reply(self.channel_name, *texts):
            return
        for text in texts:
            await self.send(text_data=text)
        await self.close(code=protocol.CLOSE_RESYNC)

    async def refuse(self, exc: protocol.FrameError) -> None:
        """A frame that cannot be handled gets an ``ack`` with why (``error`` without a ref)."""
        if exc.ref is None:
            await self.reply(protocol.error(exc.detail))
        else:
            await self.reply(protocol.ack(exc.ref, exc.status, exc.detail))

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' own dispatch, except for frames that only pass through to the socket.

        Channels hops to the database thread before every message to close
        stale connections. A click brings its socket two or more ``chat.frames``
        (the broadcasts, the ack), which touch no database: their hops would
        queue on the thread that is a busy process's bottleneck. Everything
        else, the socket's own events included, goes through ``super()``.
        """
        if message["type"] == "chat.frames":
            await self.chat_frames(message)
        else:
            await super().dispatch(message)

    async def chat_deleted(self, event: dict[str, Any]) -> None:
        """Its owner deleted the conversation (``history.delete``): close as if it never was."""
        self.ended = True
        await self.close(code=protocol.CLOSE_NOT_FOUND)

    async def chat_frames(self, event: dict[str, Any]) -> None:
        """Frames from the channel layer (group broadcasts and our own replies)."""
        if self.ended:
            return
        for text in event["texts"]:
            await self.send(text_data=text)
