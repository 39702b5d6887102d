"""A test client for your own bot: start a chat, write, click by label, read what a tab shows.

Modelled on Channels' communicators and Django's test ``Client``/``AsyncClient``:
``AsyncChatClient`` for ``async def`` tests, ``ChatClient`` for plain ones. Both
speak wire protocol v1 to your site's own ``ASGI_APPLICATION`` (its origin check
and session middleware included), with the session cookie of the visitor or
user the chat belongs to, so a test sees exactly what a browser tab would.

Each call opens a socket, catches up with ``sync`` (as a reconnecting tab
does), sends one frame, reads until its ``ack`` and closes again. That keeps
no socket open between calls, so nothing needs closing, and lets the sync
client run every call in one ``async_to_sync`` on the test's own thread, where
Django's ``TestCase`` keeps its transaction. Under pytest-django, plain tests
need ``django_db``; ``async def`` ones need ``django_db(transaction=True)``, as
for any Channels test.

New kinds of frames (forms, when they land) are one method each on top of
``request()``, which sends any frame and reads the answer.
"""

from __future__ import annotations

from .client import AsyncChatClient, ChatClient
from .frames import Answer, Button, ChatMessage

__all__ = ["Answer", "AsyncChatClient", "Button", "ChatClient", "ChatMessage"]
