"""Checks of the ASGI application: its sockets must reach ``ChatConsumer`` past an origin check.

A socket route that never reaches ``ChatConsumer`` just 404s, and one without
an origin check (or with Channels' host-only one) works for a hostile page too.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.core.handlers.asgi import ASGIHandler
from django.utils.module_loading import import_string

from ..origins import SiteOriginValidator

ORIGIN_HINT = (
    'Use chatactions.routing.websocket_application() as the "websocket" entry of your '
    "ProtocolTypeRouter, or wrap your routes in "
    "chatactions.origins.SiteOriginValidator(AuthMiddlewareStack(...)) yourself."
)
ROUTING_HINT = (
    "Route chatactions.routing.websocket_urlpatterns in the URLRouter of the "
    '"websocket" entry of your ProtocolTypeRouter, as the README\'s asgi.py does.'
)


@register("chatactions")
def check_asgi_application(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``ASGI_APPLICATION`` must name an application whose sockets reach ``ChatConsumer``."""
    path = getattr(settings, "ASGI_APPLICATION", None)
    if not path:
        return [
            Error(
                "ASGI_APPLICATION is not set: chatactions needs an ASGI server, such as "
                "daphne, serving WebSockets.",
                hint='Set ASGI_APPLICATION = "mysite.asgi.application", the application of '
                "an asgi.py like the README's.",
                id="chatactions.E001",
            )
        ]
    try:
        application = import_string(path)
    except ImportError as exc:
        return [
            Error(
                f"ASGI_APPLICATION {path!r} cannot be imported: {exc}",
                hint="Give the dotted path of the application in your asgi.py.",
                id="chatactions.E002",
            )
        ]
    if _reaches_chat(application) is False:
        return [
            Error(
                f"The ASGI application {path!r} does not route WebSockets to "
                "chatactions.consumers.ChatConsumer: every chat socket will be refused.",
                hint=ROUTING_HINT,
                id="chatactions.E003",
            )
        ]
    return []


@register("chatactions", Tags.security)
def check_websocket_origin(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Browsers send a site's cookies with a socket that *any* page opens: check the Origin."""
    websocket = _websocket_route()
    if websocket is None:
        return []  # no ASGI application, or one that E001-E003 already report
    if isinstance(websocket, SiteOriginValidator):
        return [*_wildcard_hosts(), *_tls_unseen()]
    if not isinstance(websocket, OriginValidator):
        return [
            CheckWarning(
                "The WebSocket route of ASGI_APPLICATION has no origin check: any web page "
                "can open a chat socket with your visitors' cookies and click their buttons.",
                hint=ORIGIN_HINT,
                id="chatactions.W001",
            )
        ]
    if "*" in websocket.allowed_origins:
        return [
            CheckWarning(
                "The WebSocket origin check allows every origin (ALLOWED_HOSTS contains '*'): "
                "any web page can open a chat socket with your visitors' cookies.",
                hint=ORIGIN_HINT,
                id="chatactions.W002",
            )
        ]
    return [
        CheckWarning(
            "The WebSocket route uses Channels' origin validator, which compares host names "
            "only: a page on another scheme or port of an allowed host (http://localhost:1 "
            "for a site on http://localhost) can open a chat socket with your visitors' "
            "cookies, where a form post from it fails the CSRF check.",
            hint=ORIGIN_HINT,
            id="chatactions.W005",
        )
    ]


def _wildcard_hosts() -> list[CheckMessage]:
    """The site's origin is the socket's Host: a wildcard makes any such host "the site"."""
    wild = [h for h in settings.ALLOWED_HOSTS if h == "*" or h.startswith(".")]
    if not wild:
        return []
    return [
        CheckWarning(
            f"ALLOWED_HOSTS has the wildcard {wild[0]!r}: a socket's origin is checked "
            "against the host it was opened on, so the origin check cannot tell your pages "
            "from those of any other host the wildcard lets in that reaches this server.",
            hint="List your host names in ALLOWED_HOSTS; put the other origins your pages "
            "are served from in CSRF_TRUSTED_ORIGINS.",
            id="chatactions.W006",
        )
    ]


def _tls_unseen() -> list[CheckMessage]:
    """A site on HTTPS whose sockets arrive as ws:// refuses its own pages' sockets."""
    https = (
        settings.SECURE_SSL_REDIRECT
        or settings.SESSION_COOKIE_SECURE
        or settings.CSRF_COOKIE_SECURE
        or settings.SECURE_HSTS_SECONDS
    )
    if not https or settings.SECURE_PROXY_SSL_HEADER:
        return []
    if any(origin.startswith("https://") for origin in settings.CSRF_TRUSTED_ORIGINS):
        return []
    return [
        CheckWarning(
            "The site is served over HTTPS, but nothing tells a socket's handshake it came "
            "over TLS (daphne reports no scheme for WebSockets, and behind a proxy they "
            "arrive as ws://): the origin check would expect http:// and refuse every "
            "socket of your https:// pages.",
            hint='Behind a proxy, set SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", '
            '"https") and have the proxy set that header; or list your https:// origin '
            "in CSRF_TRUSTED_ORIGINS.",
            id="chatactions.W007",
        )
    ]


def _websocket_route() -> Any:
    path = getattr(settings, "ASGI_APPLICATION", None)
    if not path:
        return None
    try:
        application = import_string(path)
    except ImportError:
        return None
    mapping = getattr(application, "application_mapping", None)
    return mapping.get("websocket") if isinstance(mapping, dict) else None


def _reaches_chat(app: Any, depth: int = 0) -> bool | None:
    """Whether ``app`` routes sockets to ``ChatConsumer``; ``None`` when it cannot be seen into.

    Follows what Channels' own pieces expose: a ``ProtocolTypeRouter``'s mapping,
    a middleware's ``inner`` (or an origin validator's ``application``), a
    ``URLRouter``'s routes, and the ``consumer_class`` of ``as_asgi()``.
    """
    from ..consumers import ChatConsumer

    if depth > 20:
        return None
    if isinstance(app, ASGIHandler):
        return False  # Django alone: HTTP only
    if isinstance(mapping := getattr(app, "application_mapping", None), dict):
        return False if "websocket" not in mapping else _reaches_chat(mapping["websocket"], depth)
    if (consumer := getattr(app, "consumer_class", None)) is not None:
        return isinstance(consumer, type) and issubclass(consumer, ChatConsumer)
    if isinstance(routes := getattr(app, "routes", None), list):
        found = [_reaches_chat(getattr(route, "callback", None), depth + 1) for route in routes]
        if True in found:
            return True
        return None if None in found else False
    for attribute in ("inner", "application"):
        if (inner := getattr(app, attribute, None)) is not None:
            return _reaches_chat(inner, depth + 1)
    return None
