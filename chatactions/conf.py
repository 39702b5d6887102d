"""The one settings dict, ``CHATACTIONS``, read through one object.

Like Django REST framework's ``api_settings``: defaults live here, a site
overrides only what it needs, and tests that use ``override_settings`` see
their values because the cache is dropped on ``setting_changed``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, Any] = {
    # Let visitors who are not logged in own a conversation through their session.
    "ALLOW_ANONYMOUS": True,
    # Author shown on messages the bot sends when the callback names none; the
    # default is translated into the active language when the message is saved.
    "DEFAULT_AUTHOR": _("Assistant"),
    # Largest JSON payload an action may carry, in bytes of its UTF-8 JSON.
    "MAX_PAYLOAD_BYTES": 8 * 1024,
    # Largest WebSocket text frame the server reads, in bytes.
    "MAX_FRAME_BYTES": 16 * 1024,
    # Longest message a user may write, in characters.
    "MAX_MESSAGE_LENGTH": 4000,
    # Seconds a click holds its action: a crashed worker's claim expires after this.
    "CLAIM_TIMEOUT": 30.0,
    # Frames, form posts and API requests one requester (user or visitor) may
    # make per RATE_LIMIT_PERIOD, over every door and socket; 0 turns it off.
    "RATE_LIMIT": 30,
    # Seconds of one budget window.
    # Seconds between saves of a streamed message's text (what a reload shows mid-stream).
    "STREAM_SAVE_INTERVAL": 1.0,
    # Seconds a stream's tokens are gathered into one ``message.stream`` frame; 0 sends each.
    "STREAM_COALESCE": 0.05,
    # Seconds a stream or a running task holds its lease without news: after that, a
    # killed worker's stream is shown interrupted and its "working" indicator goes.
    "STREAM_LEASE": 10.0,
    "RATE_LIMIT_PERIOD": 10.0,
    # Most sockets open at once on one conversation, and for one requester; 0: no cap.
    "MAX_SOCKETS_PER_CONVERSATION": 20,
    "MAX_SOCKETS_PER_REQUESTER": 50,
    # Seconds between an open socket's checks of its session (and renewals of
    # its place under the socket caps, which lapses after three of these).
    "SOCKET_CHECK_INTERVAL": 60.0,
    # Largest set of values one form submission may carry, in bytes of their UTF-8 JSON.
    "MAX_FORM_BYTES": 8 * 1024,
    # Largest file one form field may upload (the HTTP doors only), in bytes.
    "MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    # Keep a form submission's values in its audit row (``ActionClick.values``), not only
    # the names of its fields. Off: submissions may hold what the audit trail should not.
    "AUDIT_FORM_VALUES": False,
    # Messages one ``sync`` frame resends at most: a page; ``has_more`` asks for the next.
    "SYNC_LIMIT": 500,
    # Seconds a ``*_sync`` call (sync code: a task, a management command) waits for the
    # channel layer to take its frames; past it they are dropped and logged, the rows saved.
    "LAYER_SEND_TIMEOUT": 5.0,
    # The chat pages' Content-Security-Policy where the site sends none (csp.py):
    # True for the strict one, a dict of directives for another, None for none.
    "CONTENT_SECURITY_POLICY": True,
}


class ChatActionsSettings:
    """Attribute access to ``CHATACTIONS`` with defaults; unknown names are errors."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"Unknown chatactions setting: {name!r}")
        if name not in self._cache:
            user = getattr(settings, "CHATACTIONS", {}) or {}
            self._cache[name] = user.get(name, DEFAULTS[name])
        return self._cache[name]

    def reload(self) -> None:
        """Forget cached values, so ``override_settings`` takes effect at once."""
        self._cache.clear()


chat_settings = ChatActionsSettings()


@receiver(setting_changed)
def _reload(*, setting: str, **kwargs: Any) -> None:
    if setting == "CHATACTIONS":
        chat_settings.reload()
