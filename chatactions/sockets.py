"""The socket a ``ChatConsumer`` stands on: who may open it, and how long it stays.

It authenticates at connect, takes its places under the socket caps, joins the
conversation's group and its session's (``lifetime``), checks the session and
renews the places while it is open (``check``, run by its event loop's
``sweep.Sweeper``: no task of its own while idle), and leaves all of them at
disconnect. It
also holds the way out: ``reply`` (to this socket only, through the channel
layer) and what the layer brings in (``chat.frames``, ``chat.deleted``). What a
frame means is the consumer's (``consumers``), not this module's.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from . import caps, dispatch, lifetime, limits, owners, protocol, sweep, texts
from .context import Chat
from .models import Conversation

# The name the consumer's log lines always had, so a site's logging config still finds them.
logger = logging.getLogger("chatactions.consumers")


class ChatSocket(lifetime.SessionBound, AsyncWebsocketConsumer):  # type: ignore[misc]
    """One WebSocket's lifetime: connect, checks while open, disconnect; its way out."""

    async def connect(self) -> None:
        """Accept only the conversation's owner; anyone else sees "not found" (4404).

        An anonymous visitor on a site without anonymous chats gets 4403 instead,
        whatever the id: that says "log in", not whether the conversation exists.
        A socket over a cap (``MAX_SOCKETS_PER_*``) gets 4429.
        """
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
        sweep.sweeper().add(self)

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
        places = caps.take(conversation.uuid, self.ident)
        if places is None:
            return protocol.CLOSE_TOO_MANY_SOCKETS
        self.places = places if places.keys else None  # no cap applies: nothing to keep
        self.session_key = getattr(session, "session_key", None)
        if self.session_key is not None:
            self.expires_at = lifetime.expiry(self.session_key)
        return conversation

    async def disconnect(self, code: int) -> None:
        """Leave the groups and the caps; running handlers finish: their rows must be saved."""
        sweep.sweeper().discard(self)  # nothing, if it never got so far as to be added
        if self.places is not None:
            await limits.in_cache(self.places.release)
        if hasattr(self, "chat"):
            await self.channel_layer.group_discard(self.chat.group, self.channel_name)
            if self.session_key is not None:
                await self.channel_layer.group_discard(
                    lifetime.group(self.session_key), self.channel_name
                )

    async def check(self) -> None:
        """Every ``SOCKET_CHECK_INTERVAL`` (``sweep``): renew the places, check the session.

        A failed check (the database is down) raises and closes nothing: the
        sweeper logs it, and the next one comes an interval later.
        """
        if self.ended:
            return
        if self.places is not None:
            await limits.in_cache(self.places.renew)
        if not await self.alive():
            await self.end()

    # Sending and what the channel layer brings ----------------------------------------

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
        """Channels' own dispatch, except for the messages of every click.

        Channels hops to the database thread before every message to close
        stale connections. A click brings its socket one ``websocket.receive``
        and two or more ``chat.frames`` (the broadcasts, the ack). The frames
        touch no database; the frame's handler reaches it only through
        ``database_sync_to_async``, which closes stale connections in its own
        hop. Their extra hops would queue on the thread that is a busy
        process's bottleneck. Everything else (connect, disconnect, the
        socket's own events) goes through ``super()``.
        """
        if message["type"] == "chat.frames":
            await self.chat_frames(message)
        elif message["type"] == "websocket.receive":
            await self.websocket_receive(message)
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
