"""WebSocket routes, and the one call that serves them safely.

A browser sends a site's cookies with a WebSocket opened from *any* page, so
without an origin check another site could open a chat socket as your visitor
and click their buttons (cross-site WebSocket hijacking). ``websocket_application``
puts the routes behind ``SiteOriginValidator`` (the origin checked as Django's
CSRF check does it, see ``origins``) and ``SessionAuth`` (Channels'
``AuthMiddlewareStack`` in one layer), so a site cannot forget either.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from channels.auth import UserLazyObject, get_user
from channels.routing import URLRouter
from channels.sessions import InstanceSessionWrapper
from django.http.cookie import parse_cookie
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
    return SiteOriginValidator(SessionAuth(URLRouter([*websocket_urlpatterns, *extra])))


class SessionAuth:
    """Channels' ``AuthMiddlewareStack`` (cookies, session, user) as one ASGI layer.

    The same scope keys, from Channels' own parts (its session wrapper, its
    ``get_user``), but one copy of the scope and one coroutine where the stack
    keeps four copies and four coroutines alive for as long as each socket is
    open: about 1.5 KiB of an idle socket (``docs/benchmarks.md``).
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        cookies: dict[str, str] = {}
        for name, value in scope["headers"]:
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
                break
        wrapper = InstanceSessionWrapper(dict(scope, cookies=cookies), send)
        await wrapper.resolve_session()
        scope = wrapper.scope
        if "user" not in scope:
            scope["user"] = UserLazyObject()
        scope["user"]._wrapped = await get_user(scope)
        return await self.inner(scope, receive, wrapper.send)
