"""A conversation's persisted key-value store, one row per key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .conversation import Conversation


class ConversationValue(models.Model):
    """One key of a conversation's persisted key-value store (like Chainlit's user_session).

    A row per key, not one JSON blob, so two callbacks writing different keys at
    once cannot overwrite each other's work.
    """

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="values",
        verbose_name=_("conversation"),
    )
    key = models.CharField(_("key"), max_length=200)
    value = models.JSONField(_("value"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("conversation value")
        verbose_name_plural = _("conversation values")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "key"], name="chatactions_value_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.key
