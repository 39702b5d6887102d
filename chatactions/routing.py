"""WebSocket routes, and the one call that serves them safely.

A browser sends a site's cookies with a WebSocket opened from *any* page, so
without an origin check another site could open a chat socket as your visitor
and click their buttons (cross-site WebSocket hijacking). ``websocket_application``
puts the routes behind Channels' ``AllowedHostsOriginValidator`` and
``AuthMiddlewareStack``, so a site cannot forget either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import URLPattern, URLResolver, path

from .consumers import ChatConsumer

websocket_urlpatterns = [
    path("ws/chat/<uuid:conversation_id>/", ChatConsumer.as_asgi()),
]


def websocket_application(extra: Sequence[URLPattern | URLResolver] = ()) -> Any:
    """The chat sockets (and your own ``extra`` routes) behind the origin check and auth.

    Use it as the ``"websocket"`` entry of your ``ProtocolTypeRouter``. Only pages
    served from ``ALLOWED_HOSTS`` may open a socket; the session and user come
    from the cookies, as for a page view.
    """
    return AllowedHostsOriginValidator(
        AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *extra]))
    )
