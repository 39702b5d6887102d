from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimpleChatActionsConfig(AppConfig):
    """chatactions without autodiscovery, for sites that register callbacks by hand."""

    name = "chatactions"
    verbose_name = _("Chat actions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Register the checks; connect the login, logout and message signals, once apps load."""
        from . import checks, history, lifetime, owners  # noqa: F401


class ChatActionsConfig(SimpleChatActionsConfig):
    """The default: imports every installed app's ``actions.py`` at start-up."""

    default = True

    def ready(self) -> None:
        """Also import every installed app's ``actions.py``, as the admin does ``admin.py``."""
        super().ready()
        from .registry import autodiscover

        autodiscover()
