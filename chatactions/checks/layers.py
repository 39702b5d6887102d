"""Checks of the channel layer, through which every frame to a socket travels.

A layer whose package is missing fails at the first socket, and an in-memory
layer splits one conversation across daphne processes (``check --deploy``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register
from django.core.checks import Warning as CheckWarning
from django.utils.module_loading import import_string

IN_MEMORY = "channels.layers.InMemoryChannelLayer"


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


def _in_memory(backend: Any) -> bool:
    """Is this layer Channels' in-memory one (or built on it): the sockets of one process only?"""
    try:
        layer = import_string(str(backend))
    except ImportError:
        return False
    return isinstance(layer, type) and issubclass(layer, import_string(IN_MEMORY))
