from __future__ import annotations

from django.apps import AppConfig


class LiveAppConfig(AppConfig):
    """Callbacks and commands that tests of real daphne processes drive."""

    name = "tests.liveapp"
    label = "liveapp"
