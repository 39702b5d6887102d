"""A conversation, and the sequence its changes take their positions from.

Every change a tab must see takes the next position of its conversation's
sequence (``Conversation.seq``); ``keep_seq`` is here with it because only the
core may move a position, whatever model carries one.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One chat, owned by a logged-in user or by an anonymous visitor's session."""

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    app = models.CharField(
        _("chat app"),
        max_length=100,
        default="default",
        help_text=_("Name of the chat registry that answers."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chatactions_conversations",
        verbose_name=_("user"),
    )
    visitor = models.UUIDField(
        _("visitor"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Random id kept in an anonymous visitor's session."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("Set by code (chat.set_title) or its owner; empty shows the first message."),
    )
    last_activity_at = models.DateTimeField(
        _("last activity at"),
        default=timezone.now,
        help_text=_("When its newest message was saved: the history's order."),
    )
    deleted_at = models.DateTimeField(
        _("deleted at"),
        null=True,
        blank=True,
        help_text=_("Deleted by its owner: hidden from them, its rows kept for the audit trail."),
    )
    seq = models.BigIntegerField(
        _("position"),
        default=0,
        editable=False,
        help_text=_("The position of the conversation's latest change a tab must see."),
    )

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            # The history page and GET /chat/: one owner's conversations of one app,
            # newest activity first.
            models.Index(
                fields=["user", "app", "-last_activity_at"], name="chatactions_history_user"
            ),
            models.Index(
                fields=["visitor", "app", "-last_activity_at"], name="chatactions_history_visitor"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(visitor__isnull=False),
                name="chatactions_conversation_has_owner",
            )
        ]

    def __str__(self) -> str:
        return gettext("Conversation %(uuid)s") % {"uuid": self.uuid}

    def save(self, **kwargs: Any) -> None:
        """Save, but never write back a ``seq`` read earlier: only the core moves it."""
        keep_seq(self, kwargs)
        super().save(**kwargs)


def keep_seq(instance: models.Model, kwargs: dict[str, Any]) -> None:
    """Leave ``seq`` out of a full save of an existing row (the admin's, a site's).

    A copy read before a change and saved after it would otherwise move the
    position back, and a tab could then be told a position twice.
    """
    if not instance._state.adding and kwargs.get("update_fields") is None:
        kwargs["update_fields"] = [
            f.name for f in instance._meta.concrete_fields if not f.primary_key and f.name != "seq"
        ]
