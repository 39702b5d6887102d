"""WebSocket routes, and the one call that serves them safely.

A browser sends a site's cookies with a WebSocket opened from *any* page, so
without an origin check another site could open a chat socket as your visitor
and click their buttons (cross-site WebSocket hijacking). ``websocket_application``
puts the routes behind ``SiteOriginValidator`` (the origin checked as Django's
CSRF check does it, see ``origins``) and ``AuthMiddlewareStack``, so a site
cannot forget either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import URLRouter
from django.urls import URLPattern, URLResolver, path

from .consumers import ChatConsumer
from .origins import SiteOriginValidator

websocket_urlpatterns = [
    path("ws/chat/<uuid:conversation_id>/", ChatConsumer.as_asgi()),
]


def websocket_application(extra: Sequence[URLPattern | URLResolver] = ()) -> Any:
    """The chat sockets (and your own ``extra`` routes) behind the origin check and auth.

    Use it as the ``"websocket"`` entry of your ``ProtocolTypeRouter``. Only the
    site's own pages (the scheme, host and port the socket was opened on) and
    ``CSRF_TRUSTED_ORIGINS`` may open a socket, the origins a form may post
    from; the session and user come from the cookies, as for a page view.
    """
    return SiteOriginValidator(AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *extra])))
