"""System checks for the chat's own static files, without which the page is unstyled and mute.

``chat.js`` opens the socket and ``chat.css`` draws the chat; when neither
loads, only the no-JavaScript forms work, and nothing fails loudly. What can be
seen from settings is checked: Django's staticfiles app (``runserver`` and
whitenoise find the files through it), finders that reach ``chatactions``'s
files, and, for ``check --deploy``, a ``STATIC_ROOT`` that ``collectstatic``
has filled. Whether the server in front serves ``STATIC_ROOT`` cannot be seen
from here; the README and docs/deploy.md name the choices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

ASSETS = ("chatactions/chat.js", "chatactions/chat.css")
SERVE_HINT = (
    'See the README\'s "Static files": whitenoise, or your web server serving STATIC_ROOT.'
)


@register("chatactions", Tags.staticfiles)
def check_static_files_found(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The chat's files must be findable, or no server and no ``collectstatic`` has them."""
    if not apps.is_installed("django.contrib.staticfiles"):
        return [
            CheckWarning(
                "'django.contrib.staticfiles' is not in INSTALLED_APPS: nothing finds "
                "chatactions/chat.js and chat.css, so the chat page has no style and opens "
                "no socket.",
                hint="Add 'django.contrib.staticfiles' to INSTALLED_APPS (after 'daphne').",
                id="chatactions.W008",
            )
        ]
    from django.contrib.staticfiles import finders

    missing = [name for name in ASSETS if not finders.find(name)]
    if missing:
        return [
            CheckWarning(
                f"STATICFILES_FINDERS do not find {', '.join(missing)}: the chat page would "
                "have no style and open no socket.",
                hint="Keep 'django.contrib.staticfiles.finders.AppDirectoriesFinder' in "
                "STATICFILES_FINDERS.",
                id="chatactions.W009",
            )
        ]
    return []


@register("chatactions", Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """``check --deploy``: in production the files are served from ``STATIC_ROOT``."""
    root = getattr(settings, "STATIC_ROOT", None)
    if not root:
        return [
            CheckWarning(
                "STATIC_ROOT is not set: collectstatic cannot gather chatactions/chat.js and "
                "chat.css, and with DEBUG off nothing else serves them.",
                hint='Set STATIC_ROOT = BASE_DIR / "staticfiles", run manage.py collectstatic, '
                "and serve it. " + SERVE_HINT,
                id="chatactions.W010",
            )
        ]
    missing = [name for name in ASSETS if not (Path(root) / name).is_file()]
    if missing:
        return [
            CheckWarning(
                f"{', '.join(missing)} not in STATIC_ROOT ({root}): collectstatic has not "
                "run since chatactions was installed or upgraded.",
                hint="Run manage.py collectstatic --noinput at every deploy. " + SERVE_HINT,
                id="chatactions.W011",
            )
        ]
    return []
