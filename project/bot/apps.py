from __future__ import annotations

from django.apps import AppConfig


class BotConfig(AppConfig):
    """The demo's confirmation bot; its callbacks live in ``actions.py``."""

    name = "project.bot"
    label = "bot"
