"""The check of the ``CHATACTIONS`` dict itself: a misspelt key would be ignored silently."""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

from ..conf import DEFAULTS


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
    return errors
