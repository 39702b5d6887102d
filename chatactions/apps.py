from __future__ import annotations

from django.apps import AppConfig


class SimpleChatActionsConfig(AppConfig):
    """chatactions without autodiscovery, for sites that register callbacks by hand."""

    name = "chatactions"
    verbose_name = "Chat actions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, owners, static_checks  # noqa: F401  (checks; the login signal)


class ChatActionsConfig(SimpleChatActionsConfig):
    """The default: imports every installed app's ``actions.py`` at start-up."""

    default = True

    def ready(self) -> None:
        super().ready()
        from .registry import autodiscover

        autodiscover()
