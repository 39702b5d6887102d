"""ASGI applications a careless site might write, for the system checks to catch."""

from __future__ import annotations

from typing import Any

from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator, OriginValidator

from chatactions.routing import websocket_urlpatterns

unguarded = ProtocolTypeRouter(
    {"websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns))}
)

open_to_all = ProtocolTypeRouter(
    {"websocket": OriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)), ["*"])}
)


async def bare(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI callable the check cannot see into."""


host_only = ProtocolTypeRouter(
    {
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        )
    }
)
