"""A socket lives as long as the session that opened it, and the identity it had.

Every chat socket joins a channel-layer group named after its session key
(hashed: a group name is visible in Redis, a session key is a password).
Logout and login end the session they happened in (login gives the session
a new key), so their signals tell that group, on every process, to close
with ``4401``; ``chat.js`` then reloads the page. A session ended another
way (``flush()`` in your code, a deleted row, expiry) is noticed by the
socket's own checks: at the next frame once its expiry date has passed, at
each ``sync``, and every ``SOCKET_CHECK_INTERVAL`` seconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from importlib import import_module
from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends.base import SessionBase
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from . import owners, protocol
from .context import Chat
from .owners import Requester

#: The channel-layer message a session's sockets get when it ends.
ENDED = {"type": "chat.session_ended"}


def group(session_key: str) -> str:
    """The group of the sockets opened with ``session_key``; the key itself never shows.

    The algorithm is named rather than Django's default, which is deprecated
    (SHA-1, becoming SHA-256 in Django 7.0): every process must compute the
    same name, so it must not change with the Django version a process runs.
    """
    digest = salted_hmac("chatactions.lifetime.group", session_key, algorithm="sha256").hexdigest()
    return f"chatactions.session.{digest[:40]}"


def end_session(*session_keys: str | None) -> None:
    """Close every socket opened with these sessions, on every process.

    Called for logout and login; call it yourself where your code ends a
    session in another way and the sockets should not wait for their next check.
    """
    layer = get_channel_layer()
    for key in dict.fromkeys(k for k in session_keys if k):
        async_to_sync(layer.group_send)(group(key), ENDED)


def _cookie_key(request: Any) -> str | None:
    cookies = getattr(request, "COOKIES", None) or {}
    return cookies.get(settings.SESSION_COOKIE_NAME)


@receiver(auth.user_logged_out)
def end_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Logout flushes the session: its sockets must not keep speaking for the user."""
    session = getattr(request, "session", None)
    end_session(_cookie_key(request), getattr(session, "session_key", None))


@receiver(auth.user_logged_in)
def end_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Login gave the session a new key: sockets of the old key (other copies of it too) close.

    The old key is the cookie the login request came with; ``login()`` has
    already replaced it in ``request.session``.
    """
    old = _cookie_key(request)
    if old != getattr(getattr(request, "session", None), "session_key", None):
        end_session(old)


class SessionBound:
    """What a chat socket does when its session ends: stop at once, then close with 4401."""

    chat: Chat
    requester: Requester
    ended: bool
    session_key: str | None
    expires_at: datetime.datetime | None
    channel_layer: Any
    channel_name: str
    close: Callable[..., Awaitable[None]]

    async def chat_session_ended(self, event: dict[str, Any]) -> None:
        """The session logged out or in, on any process."""
        await self.end()

    async def end(self) -> None:
        """Stop reading and receiving at once, then close: the session no longer speaks here."""
        if self.ended:
            return
        self.ended = True
        await self.channel_layer.group_discard(self.chat.group, self.channel_name)
        await self.close(code=protocol.CLOSE_SESSION_ENDED)

    async def alive(self) -> bool:
        """Read the session afresh: does it still exist and speak for this conversation's owner?"""
        alive: bool
        alive, self.expires_at = await database_sync_to_async(self._check)()
        return alive

    def _check(self) -> tuple[bool, datetime.datetime | None]:
        owned = self.requester.conversation(self.chat.conversation.uuid) is not None
        if self.session_key is None:  # a site's own auth without sessions: ownership only
            return owned, None
        if not (owned and still_speaks_for(self.session_key, self.requester)):
            return False, None
        if self.expires_at is not None and self.expires_at > timezone.now():
            return True, self.expires_at  # not due yet: no query for it
        return True, expiry(self.session_key)  # passed, yet alive: the site extended it


def store(session_key: str) -> SessionBase:
    engine = import_module(settings.SESSION_ENGINE)
    session: SessionBase = engine.SessionStore(session_key)
    return session


def expiry(session_key: str) -> datetime.datetime | None:
    """When the session's row expires, for database-backed engines; ``None`` if not known.

    Other engines keep no readable expiry date: the periodic check covers them.
    """
    session = store(session_key)
    model = getattr(session, "get_model_class", None)
    if model is None:
        return None
    found: datetime.datetime | None = (
        model()
        .objects.filter(session_key=session_key)
        .values_list("expire_date", flat=True)
        .first()
    )
    return found


def still_speaks_for(session_key: str, requester: Requester) -> bool:
    """True while the session exists, is not expired, and still names ``requester``.

    Reads the session afresh, and the user as ``django.contrib.auth`` does for a
    request (a changed password ends other sessions); one database hop's work.
    """
    request = HttpRequest()
    request.session = store(session_key)
    user = auth.get_user(request)
    if request.session.session_key is None:  # gone or expired: load() forgot the key
        return False
    return owners.resolve(user, request.session) == requester
