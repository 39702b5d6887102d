"""The checks of the ``CHATACTIONS`` dict itself: a misspelt key, a stream lease too short."""

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
