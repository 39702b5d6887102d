"""WebSocket routes, and the one call that serves them safely.

A browser sends a site's cookies with a WebSocket opened from *any* page, so
without an origin check another site could open a chat socket as your visitor
and click their buttons (cross-site WebSocket hijacking). ``websocket_application``
puts the routes behind Channels' ``AllowedHostsOriginValidator`` and
``AuthMiddlewareStack``, so a site cannot forget either.

The allowed hosts are read from settings at each connect, not when ``asgi.py``
is imported: a test run adds ``testserver`` to ``ALLOWED_HOSTS`` (and
``override_settings`` changes it) after the site's ``asgi.py`` was loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.urls import URLPattern, URLResolver, path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:conversation_id>/", ChatConsumer.as_asgi()),
]


class AllowedHostsOriginValidator(OriginValidator):  # type: ignore[misc]
    """Channels' validator of the same name, with ``ALLOWED_HOSTS`` read at each connect."""

    def __init__(self, application: Any) -> None:
        super().__init__(application, [])

    @property
    def allowed_origins(self) -> list[str]:
        """Channels' rule: ``ALLOWED_HOSTS``, or the local names when it is empty with DEBUG."""
        hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not hosts:
            hosts = ["localhost", "127.0.0.1", "[::1]"]
        return hosts

    @allowed_origins.setter
    def allowed_origins(self, value: Any) -> None:
        """Channels' ``__init__`` stores the hosts; here they always come from settings."""


def websocket_application(extra: Sequence[URLPattern | URLResolver] = ()) -> Any:
    """The chat sockets (and your own ``extra`` routes) behind the origin check and auth.

    Use it as the ``"websocket"`` entry of your ``ProtocolTypeRouter``. Only pages
    served from ``ALLOWED_HOSTS`` may open a socket; the session and user come
    from the cookies, as for a page view.
    """
    return AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *extra]))
    )
