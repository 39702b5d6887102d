"""The socket's ``Origin``, checked the way Django's CSRF check checks a form's.

A browser sends a site's cookies with a WebSocket that *any* page opens, and a
socket carries no CSRF token, so its ``Origin`` header is all there is to tell
the site's own page from another site's. Channels' ``AllowedHostsOriginValidator``
compares the host name only: pages on ``http://127.0.0.1:1`` or
``https://localhost`` passed for a site on ``http://localhost``. Here the origin
must be exactly the site's (scheme, host and port, as the socket was reached)
or one of ``CSRF_TRUSTED_ORIGINS``, which is what ``CsrfViewMiddleware``
accepts for a POST. Settings are read at every handshake, so tests and sites
that change ``ALLOWED_HOSTS`` after start-up get what they set.

The handshake is seen as a Django ``HttpRequest`` (``HandshakeRequest``), so the
host comes from ``request.get_host()`` (``ALLOWED_HOSTS``,
``USE_X_FORWARDED_HOST``) and the scheme from ``request.is_secure()``
(``SECURE_PROXY_SSL_HEADER``), exactly as for the site's pages.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.utils.http import is_same_domain

logger = logging.getLogger(__name__)


class HandshakeRequest(HttpRequest):
    """A WebSocket handshake's scope as a Django request: headers in ``META``, its scheme.

    ``ws`` is ``http`` and ``wss`` is ``https``; an ASGI server that does not say
    (daphne never does) means ``ws``, as the ASGI spec has it.
    """

    def __init__(self, scope: dict[str, Any]) -> None:
        super().__init__()
        self._secure = scope.get("scheme", "ws") in ("wss", "https")
        server = scope.get("server") or ("unknown", "0")
        self.META["SERVER_NAME"], self.META["SERVER_PORT"] = str(server[0]), str(server[1])
        for raw_name, raw_value in scope.get("headers", []):
            name = "HTTP_" + raw_name.decode("latin1").upper().replace("-", "_")
            value = raw_value.decode("latin1")
            self.META[name] = f"{self.META[name]},{value}" if name in self.META else value

    def _get_scheme(self) -> str:
        return "https" if self._secure else "http"


def site_origin(request: HttpRequest) -> str | None:
    """The origin a page of this site has for ``request``, or ``None`` for a host not allowed."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return f"{'https' if request.is_secure() else 'http'}://{host}"


def trusted(origin: str) -> bool:
    """Whether ``origin`` is one of ``CSRF_TRUSTED_ORIGINS`` (``https://*.example.com`` too)."""
    patterns = settings.CSRF_TRUSTED_ORIGINS
    if origin in patterns:
        return True
    try:
        parsed = urlsplit(origin)
    except ValueError:
        return False
    return any(
        parsed.scheme == pattern.scheme and is_same_domain(parsed.netloc, pattern.netloc[1:])
        for pattern in (urlsplit(p) for p in patterns if "*" in p)
    )


def same_site(request: HttpRequest, origin: str) -> bool:
    """Whether a request with this ``Origin`` comes from the site's own pages, as CSRF sees it."""
    return origin == site_origin(request) or trusted(origin)


class SiteOriginValidator:
    """ASGI middleware: a socket opens only from the site's own origin or a trusted one.

    A refused socket is closed at the handshake (daphne answers 403), before
    the session is read or any consumer runs. A handshake without ``Origin`` is
    refused too: browsers always send one, and a client that is not a browser
    can send the site's.
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not self.allows(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)

    def allows(self, scope: dict[str, Any]) -> bool:
        """Whether this handshake's ``Origin`` is the site's own or a trusted one."""
        request = HandshakeRequest(scope)
        origin = request.META.get("HTTP_ORIGIN")
        if origin is None:
            return False
        expected = site_origin(request)
        if origin == expected or trusted(origin):
            return True
        reason = "the host is not in ALLOWED_HOSTS" if expected is None else f"expected {expected}"
        if expected is not None and origin == "https" + expected.removeprefix("http"):
            reason += (
                "; behind a proxy that ends TLS, set SECURE_PROXY_SSL_HEADER "
                "(the socket arrived as ws://)"
            )
        logger.warning("chatactions: socket refused from origin %r: %s", origin, reason)
        return False
