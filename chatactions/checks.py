"""System checks for the deployment mistakes that fail quietly or far from their cause.

A chat that works in development can still break in production without a
traceback: an in-memory channel layer splits one conversation across daphne
processes (``check --deploy`` says so), a layer whose package is missing fails
at the first socket, a socket route that never reaches ``ChatConsumer`` just
404s, and a socket route without an origin check (or with Channels' host-only
one) works for a hostile page too. ``manage.py check`` (and ``migrate``,
``runserver``) say so, with the fix. (``daphne`` after ``staticfiles`` is
daphne's own ``daphne.E001``.)
"""

from __future__ import annotations

import difflib
from typing import Any

from channels.security.websocket import OriginValidator
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning
from django.core.handlers.asgi import ASGIHandler
from django.utils.module_loading import import_string

from .conf import DEFAULTS
from .origins import SiteOriginValidator

IN_MEMORY = "channels.layers.InMemoryChannelLayer"
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
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A misspelt ``CHATACTIONS`` key would be ignored without a word: name it, and its fix."""
    user = getattr(settings, "CHATACTIONS", None) or {}
    if not isinstance(user, dict):
        return [
            Error(
                f"CHATACTIONS must be a dict, not {type(user).__name__}.",
                hint="See docs/settings.md for its keys.",
                id="chatactions.E006",
            )
        ]
    errors: list[CheckMessage] = []
    for key in user:
        if key in DEFAULTS:
            continue
        close = difflib.get_close_matches(str(key), DEFAULTS, n=1)
        if close:
            hint = f"Did you mean {close[0]!r}? (docs/settings.md)"
        else:
            hint = f"The known keys are {', '.join(DEFAULTS)} (docs/settings.md)."
        errors.append(
            Error(
                f"CHATACTIONS has an unknown key {key!r}; chatactions would ignore it.",
                hint=hint,
                id="chatactions.E005",
            )
        )
    return errors + _stream_lease(user)


def _stream_lease(user: dict[str, Any]) -> list[CheckMessage]:
    """A lease shorter than the saves that renew it marks every live stream interrupted."""
    lease = user.get("STREAM_LEASE", DEFAULTS["STREAM_LEASE"])
    interval = user.get("STREAM_SAVE_INTERVAL", DEFAULTS["STREAM_SAVE_INTERVAL"])
    try:
        too_short = float(lease) <= float(interval)
    except (TypeError, ValueError):
        too_short = True
    if not too_short:
        return []
    return [
        Error(
            f"CHATACTIONS STREAM_LEASE ({lease!r}) must be a number of seconds above "
            f"STREAM_SAVE_INTERVAL ({interval!r}): each save renews a stream's lease, so a "
            "shorter lease marks streams interrupted while they still stream.",
            hint="Keep the lease several save intervals long, e.g. the defaults 10.0 and 1.0 "
            "(docs/settings.md).",
            id="chatactions.E008",
        )
    ]


@register("chatactions")
def check_channel_layer(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Every frame to a socket travels through the channel layer: there must be one."""
    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get("default")
    if not layer:
        return [
            Error(
                'CHANNEL_LAYERS has no "default" layer: chatactions sends every frame, even '
                "the answer to a socket's own click, through the channel layer.",
                hint=f'Add CHANNEL_LAYERS = {{"default": {{"BACKEND": "{IN_MEMORY}"}}}} for '
                "one process, or channels_redis for several (docs/deploy.md).",
                id="chatactions.E004",
            )
        ]
    return _layer_backends_import()


def _layer_backends_import() -> list[CheckMessage]:
    """A layer whose package is not installed fails only at the first socket: say it now."""
    errors: list[CheckMessage] = []
    for alias, layer in (getattr(settings, "CHANNEL_LAYERS", None) or {}).items():
        backend = str(layer.get("BACKEND"))
        try:
            import_string(backend)
        except ImportError as exc:
            redis = backend.startswith("channels_redis.")
            errors.append(
                Error(
                    f"The {alias!r} channel layer's BACKEND {backend!r} cannot be imported: {exc}",
                    hint='pip install "django-chatactions[redis]" (channels-redis)'
                    if redis
                    else "Install the package that provides it, or fix the dotted path.",
                    id="chatactions.E007",
                )
            )
    return errors


@register("chatactions", deploy=True)
def check_layer_for_production(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: one process's layer in production splits a conversation's tabs.

    Only a deploy check, since a single-process site runs the in-memory layer
    legitimately and ``manage.py test`` runs with DEBUG off.
    """
    layer = (getattr(settings, "CHANNEL_LAYERS", None) or {}).get("default") or {}
    if _in_memory(layer.get("BACKEND")) and not settings.DEBUG:
        return [
            CheckWarning(
                "The default channel layer is in memory, with DEBUG off: with more than one "
                "daphne process, tabs of one conversation on different processes never see "
                "each other's messages, and an answer clicked on another process is only "
                "found by polling.",
                hint="Use channels_redis (docs/deploy.md); silence this warning if the site "
                "really runs one process.",
                id="chatactions.W003",
            )
        ]
    return []


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
    from .consumers import ChatConsumer

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


def _in_memory(backend: Any) -> bool:
    """Is this layer Channels' in-memory one (or built on it): the sockets of one process only?"""
    try:
        layer = import_string(str(backend))
    except ImportError:
        return False
    return isinstance(layer, type) and issubclass(layer, import_string(IN_MEMORY))
