"""A button on a message: what is drawn, what is kept back, and who holds it."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Action(models.Model):
    """A button or a form on a message. The payload stays here; the browser only sees ``uuid``.

    A form (``kind`` ``form``) is the same row as a button, so it is found,
    owned, claimed, refused ``gone`` and removed by the same code: ``label`` is
    its submit button's text, ``form_class`` the dotted path of the Django form
    every process rebuilds it from, ``initial`` what it is drawn with.

    ``variant`` and ``confirm`` change how the button is drawn and asked for;
    a ``disabled`` button, or one clicked after ``expires_at``, answers ``gone``.

    ``claimed_until`` is a lease: a click sets it with one conditional UPDATE,
    so two clicks cannot both win, and a worker that dies mid-callback frees the
    button when the lease runs out instead of wedging it forever.
    """

    class Variant(models.TextChoices):
        """How a button is drawn: its colour and weight."""

        PRIMARY = "primary", _("Primary")
        SECONDARY = "secondary", _("Secondary")
        DANGER = "danger", _("Danger")

    class Kind(models.TextChoices):
        """What the owner answers: a click on a button, or a filled-in form."""

        BUTTON = "button", _("Button")
        FORM = "form", _("Form")

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(
        "Message", on_delete=models.CASCADE, related_name="actions", verbose_name=_("message")
    )
    name = models.CharField(_("name"), max_length=100)
    label = models.CharField(_("label"), max_length=200, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    tooltip = models.CharField(_("tooltip"), max_length=300, blank=True)
    icon = models.CharField(_("icon"), max_length=64, blank=True)
    variant = models.CharField(
        _("variant"), max_length=16, choices=Variant.choices, default=Variant.PRIMARY
    )
    disabled = models.BooleanField(_("disabled"), default=False)
    confirm = models.CharField(_("confirmation question"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True, editable=False)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.BUTTON)
    form_class = models.CharField(
        _("form class"),
        max_length=300,
        blank=True,
        help_text=_("Dotted path of the form's Django form class."),
    )
    initial = models.JSONField(_("initial values"), default=dict, blank=True)
    submitted = models.JSONField(
        _("submitted values"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("An AskFormMessage's answer, as submitted, until its asker reads it."),
    )

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["message_id", "order", "id"]

    def __str__(self) -> str:
        return self.label or self.name

    @property
    def is_removed(self) -> bool:
        """For templates and the admin: a removed button is drawn nowhere."""
        return self.removed_at is not None

    @property
    def is_expired(self) -> bool:
        """For templates and the admin: an expired button answers ``gone``."""
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def unavailable_reason(self) -> str | None:
        """Why a click on this button is ``gone``, or ``None`` if it may run.

        Checked by every door (socket, forms, API) through ``dispatch``, and by
        the no-JavaScript confirmation page before it asks.
        """
        if self.removed_at is not None or self.message.removed_at is not None:
            if self.kind == self.Kind.FORM:
                return gettext("This form is no longer available.")
            return gettext("This button is no longer available.")
        if self.disabled:
            if self.kind == self.Kind.FORM:
                return gettext("This form is disabled.")
            return gettext("This button is disabled.")
        if self.is_expired:
            if self.kind == self.Kind.FORM:
                return gettext("This form has expired.")
            return gettext("This button has expired.")
        return None
