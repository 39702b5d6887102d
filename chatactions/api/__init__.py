"""The HTTP API: the same conversation for clients that keep no socket open.

Mobile apps, server-to-server integrations and tests speak plain HTTP through
Django REST framework. Include ``chatactions.api.urls`` (the demo mounts it at
``/api/chat/``). Every write goes through ``chatactions.dispatch``, like the
socket and the no-JavaScript forms, so ownership, claims, limits and the audit
trail are the same whatever door a click comes in by. See ``docs/http-api.md``.
"""

from __future__ import annotations

from importlib.util import find_spec

from django.core.exceptions import ImproperlyConfigured

_MISSING = [name for name in ("rest_framework", "drf_spectacular") if find_spec(name) is None]
if _MISSING:  # the core installs without them: say which extra brings them
    raise ImproperlyConfigured(
        f"chatactions.api needs Django REST framework and drf-spectacular ({', '.join(_MISSING)} "
        'cannot be imported): pip install "django-chatactions[api]"'
    )
