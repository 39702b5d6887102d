"""Who may use the HTTP API, and the CSRF rule for writes that a cookie vouches for.

Django REST framework checks CSRF only for users it logged in from the session.
An anonymous visitor is known by the session too (``owners``), so a forged
cross-site POST could chat in their name just the same: here every write whose
identity comes from the session cookie needs the CSRF token, as the
no-JavaScript forms do under Django's middleware. Other authentication
classes are trusted as DRF trusts them: a token header is never sent by a
browser on its own (HTTP Basic is, once cached, so keep Basic for scripts).
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from ..conf import chat_settings


class MayChat(BasePermission):
    """Logged-in users may chat; visitors only while ``ALLOW_ANONYMOUS`` is on."""

    def has_permission(self, request: Request, view: Any) -> bool:
        """DRF's hook: the ``ALLOW_ANONYMOUS`` rule of every door."""
        return bool(request.user and request.user.is_authenticated) or bool(
            chat_settings.ALLOW_ANONYMOUS
        )


class SessionWritesNeedCsrf(BasePermission):
    """A write authenticated by the session cookie (or by nothing) must carry the CSRF token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        """DRF's hook: a cookie-authenticated write without a token could be forged."""
        if request.method in SAFE_METHODS:
            return True
        authenticator = request.successful_authenticator
        if authenticator is None or isinstance(authenticator, SessionAuthentication):
            SessionAuthentication().enforce_csrf(request)  # raises PermissionDenied
        return True
