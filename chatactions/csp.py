"""A strict Content-Security-Policy on the package's own pages, unless the site has one.

The chat pages have no inline script, style or handler (``chat.js`` and
``chat.css`` come from ``STATIC_URL``), so a policy that allows only the site's
own origin costs nothing and keeps an injected tag from running even if one
slipped through the escaping. Django 6 can send a policy (``SECURE_CSP``),
Django 5.2 cannot, so the views send ``STRICT`` themselves (or the directives
of ``CHATACTIONS["CONTENT_SECURITY_POLICY"]``). A site's own policy always
wins: with ``SECURE_CSP`` (or its report-only twin) set, with django-csp's
middleware installed, or with the header already on the response, nothing is
added.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBase

from .conf import chat_settings

HEADER = "Content-Security-Policy"
# Enough for every page of the package, and nothing more.
STRICT: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],  # same-origin ws:// and wss:// too (CSP Level 3)
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# Middleware of django-csp that sets the header on every response.
POLICY_MIDDLEWARE = ("csp.middleware.CSPMiddleware",)

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def site_has_policy() -> bool:
    """Whether the site sends a policy of its own, which ours must not fight."""
    if getattr(settings, "SECURE_CSP", None) or getattr(settings, "SECURE_CSP_REPORT_ONLY", None):
        return True
    return any(name in settings.MIDDLEWARE for name in POLICY_MIDDLEWARE)


def policy() -> str:
    """The configured directives as a header; a ``STATIC_URL`` on another host is allowed."""
    configured = chat_settings.CONTENT_SECURITY_POLICY
    chosen = STRICT if configured is True else configured or {}
    directives = {name: list(sources) for name, sources in chosen.items()}
    static = urlsplit(str(settings.STATIC_URL or ""))
    if static.scheme and static.netloc:
        for name in ("script-src", "style-src"):
            if name in directives:
                directives[name].append(f"{static.scheme}://{static.netloc}")
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def strict_policy(view: View) -> View:
    """Send the package's policy with the view's responses, where the site sends none."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(*args, **kwargs)
        if HEADER not in response and not site_has_policy() and (header := policy()):
            response[HEADER] = header
        return response

    return wrapped  # type: ignore[return-value]
