"""The audit trail of clicks, in the outcome vocabulary the wire and the doors share."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..outcome import Status
from .action import Action


class ActionClick(models.Model):
    """The audit trail: every click on an existing button or submission of a form.

    Rate-limited clicks are the exception that keeps a flood from writing
    without end: one row per requester per budget window, with their ``count``.
    """

    #: The one outcome vocabulary, shared with the wire and the doors.
    Outcome = Status

    class Via(models.TextChoices):
        """Which door a click came in by, for the audit trail."""

        WEBSOCKET = "websocket", _("WebSocket")
        FORM = "form", _("Form")
        API = "api", _("API")

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="clicks", verbose_name=_("action")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chatactions_clicks",
        verbose_name=_("user"),
    )
    visitor = models.UUIDField(_("visitor"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=16, choices=Via.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    duration_ms = models.FloatField(_("duration (ms)"), default=0.0)
    error = models.TextField(_("error"), blank=True)
    count = models.PositiveIntegerField(
        _("count"),
        default=1,
        help_text=_(
            "Clicks this row stands for: the rate-limited clicks of one requester "
            "in one budget window share one row."
        ),
    )
    fields = models.JSONField(
        _("fields"), default=list, blank=True, help_text=_("A form submission's field names.")
    )
    values = models.JSONField(
        _("values"),
        null=True,
        blank=True,
        help_text=_("A form submission's values, kept only with AUDIT_FORM_VALUES."),
    )

    class Meta:
        verbose_name = _("action click")
        verbose_name_plural = _("action clicks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome}"
