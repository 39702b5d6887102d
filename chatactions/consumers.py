"""``ChatConsumer``: one WebSocket, thin.

It authenticates at connect, joins the conversation's group, checks each frame
(size, rate, shape) and hands it to ``dispatch``. Each frame's handler runs as
its own task, so a callback that runs long or waits for a click never stops
the socket from reading the next frame. Answers to the sender travel through
the channel layer to this consumer's own channel, behind the group frames the
handler produced, so a frame's ``ack`` always comes last.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import dispatch, owners, protocol
from .conf import chat_settings
from .context import Chat
from .limits import TokenBucket
from .models import Conversation
from .outcome import failure
from .owners import Requester

logger = logging.getLogger(__name__)


class ChatConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]  # untyped base
    """Wire protocol v1 on ``/ws/chat/<conversation-uuid>/``."""

    chat: Chat
    requester: Requester

    async def connect(self) -> None:
        """Accept only the conversation's owner; anyone else sees "not found" (4404).

        An anonymous visitor on a site without anonymous chats gets 4403 instead,
        whatever the id: that says "log in", not whether the conversation exists.
        """
        self.tasks: set[asyncio.Task[None]] = set()
        self.bucket = TokenBucket(chat_settings.RATE_LIMIT, chat_settings.RATE_LIMIT_PERIOD)
        conversation_id: uuid.UUID = self.scope["url_route"]["kwargs"]["conversation_id"]
        found = await database_sync_to_async(self._find)(conversation_id)
        await self.accept()
        if isinstance(found, int):
            await self.close(code=found)
            return
        self.requester, conversation = found
        self.chat = Chat(conversation, self.requester)
        await self.channel_layer.group_add(self.chat.group, self.channel_name)

    def _find(self, conversation_id: uuid.UUID) -> tuple[Requester, Conversation] | int:
        """The requester and their conversation, or the close code to answer with."""
        user = self.scope.get("user")
        if owners.login_required(user):
            return protocol.CLOSE_FORBIDDEN
        requester = owners.resolve(user, self.scope.get("session"))
        if requester is None:
            return protocol.CLOSE_NOT_FOUND
        conversation = requester.conversation(conversation_id)
        return protocol.CLOSE_NOT_FOUND if conversation is None else (requester, conversation)

    async def disconnect(self, code: int) -> None:
        """Leave the group; running handlers finish, since their rows must be saved."""
        if hasattr(self, "chat"):
            await self.channel_layer.group_discard(self.chat.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Check one frame and start its handler as a task."""
        if not hasattr(self, "chat"):
            return
        if not self.bucket.take():
            await self.refuse_flood(text_data)
            return
        if text_data is None:
            await self.reply(protocol.error("Binary frames are not part of the protocol."))
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
        if isinstance(frame, protocol.ActionFrame):
            try:
                await dispatch.refuse_click(
                    self.requester, frame.id, "websocket", protocol.RATE_LIMITED
                )
            except Exception:  # the database is gone: the refusal still goes out
                logger.exception("chatactions: could not record a rate-limited click")
        ref = None if text is None else protocol.peek_ref(text)
        await self.refuse(
            protocol.FrameError(
                "Too many frames; slow down.", ref=ref, status=protocol.RATE_LIMITED
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

    async def handle_sync(self, frame: protocol.SyncFrame) -> None:
        """What a reconnecting tab missed, then the ``ack``."""
        texts = await dispatch.missed(self.chat, frame.after)
        if texts is None:
            await self.reply(protocol.ack(frame.ref, protocol.NOT_FOUND, "No such message."))
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

    async def chat_frames(self, event: dict[str, Any]) -> None:
        """Frames from the channel layer (group broadcasts and our own replies)."""
        for text in event["texts"]:
            await self.send(text_data=text)
