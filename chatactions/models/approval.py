"""An agent's request to run a tool, and the owner's decision: the approval's own audit row.

The message that asks carries three answerable rows (Approve, Edit, Reject),
so a decision comes in by any door and is claimed like a click. This row
holds what those buttons cannot: the tool, the exact arguments shown and
their digest, and, once decided, who decided what, when and with which
arguments, so the audit trail answers "who let the agent do this?".
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Approval(models.Model):
    """One tool call waiting for (or settled by) its conversation's owner.

    ``digest`` is an HMAC of the approval's id, tool and ``arguments`` (keyed
    by ``SECRET_KEY``): a decision runs only if the stored arguments still
    match it, so arguments changed after they were shown are never executed.
    ``outcome`` is empty while pending and is set once, by one conditional
    UPDATE, whichever door, tab, process or expiry gets there first.
    """

    class Outcome(models.TextChoices):
        """What the owner decided (or that no one did in time)."""

        PENDING = "", _("Pending")
        APPROVED = "approved", _("Approved")
        EDITED = "edited", _("Edited")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    message = models.OneToOneField(
        "Message", on_delete=models.CASCADE, related_name="approval", verbose_name=_("message")
    )
    tool = models.CharField(_("tool"), max_length=100)
    arguments = models.JSONField(_("arguments"), default=dict, blank=True)
    digest = models.CharField(_("digest"), max_length=64, editable=False)
    schema = models.JSONField(_("schema"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default="", blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chatactions_approvals",
        verbose_name=_("decided by"),
    )
    decided_by_visitor = models.UUIDField(_("decided by visitor"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=16, blank=True)
    final_arguments = models.JSONField(
        _("final arguments"),
        null=True,
        blank=True,
        help_text=_("What the tool may run with: the arguments approved, or the owner's edit."),
    )
    reason = models.TextField(_("reason"), blank=True)
    callback_status = models.CharField(_("callback status"), max_length=16, blank=True)
    callback_error = models.TextField(_("callback error"), blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["outcome", "expires_at"], name="ca_approval_due")]

    def __str__(self) -> str:
        return f"{self.tool} {self.outcome or 'pending'}"

    @property
    def is_pending(self) -> bool:
        """For the admin and templates: no one has decided yet."""
        return self.outcome == self.Outcome.PENDING
