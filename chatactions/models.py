"""Conversations, messages, buttons and clicks: the database is the source of truth.

Each row has an integer primary key for ordering and joins, and a random
``uuid`` that is the only id the browser ever sees, so ids cannot be guessed or
counted. Every change a tab must see takes the next position of its
conversation's sequence (``Conversation.seq``) and stamps it on the message it
changed (``Message.seq``), so a ``sync`` asks "what changed after position N"
and is answered from the rows as they are now (docs/protocol.md).
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

from .outcome import Status


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
        _keep_seq(self, kwargs)
        super().save(**kwargs)


def _keep_seq(instance: models.Model, kwargs: dict[str, Any]) -> None:
    """Leave ``seq`` out of a full save of an existing row (the admin's, a site's).

    A copy read before a change and saved after it would otherwise move the
    position back, and a tab could then be told a position twice.
    """
    if not instance._state.adding and kwargs.get("update_fields") is None:
        kwargs["update_fields"] = [
            f.name for f in instance._meta.concrete_fields if not f.primary_key and f.name != "seq"
        ]


class MessageQuerySet(models.QuerySet["Message"]):
    """The queries every reader shares, so the page, ``sync`` and the API draw the same thing."""

    def live(self, conversation: Conversation, after: uuid.UUID | None = None) -> MessageQuerySet:
        """What a tab shows: messages not removed, each with its live buttons as ``live_actions``.

        With ``after``, only those saved after that message of the conversation
        (``Message.DoesNotExist`` if it has none such). The page, ``sync`` and
        the HTTP API all read through here, so they draw the same thing.
        """
        rows = self.filter(conversation=conversation)
        if after is not None:
            rows = rows.filter(pk__gt=rows.values_list("pk", flat=True).get(uuid=after))
        return rows.filter(removed_at__isnull=True).prefetch_related(_live_actions())

    def changed(self, conversation: Conversation, since: int, until: int) -> MessageQuerySet:
        """Messages whose latest change is at a position in ``(since, until]``, oldest first.

        Removed ones too: a tab that still shows one must be told it went.
        Each has its live buttons as ``live_actions``, as in ``live()``.
        """
        return (
            self.filter(conversation=conversation, seq__gt=since, seq__lte=until)
            .order_by("seq", "pk")
            .prefetch_related(_live_actions())
        )


def _live_actions() -> models.Prefetch[Any]:
    return models.Prefetch(
        "actions", queryset=Action.objects.filter(removed_at__isnull=True), to_attr="live_actions"
    )


class Message(models.Model):
    """A message of the user or of the bot; its buttons are ``Action`` rows.

    A streamed message (``Message.stream_token``) is saved at its first token
    with ``stream`` set to ``streaming`` and a lease (``streaming_until``) that
    every save of its text renews; it ends with ``stream`` empty (finished),
    ``stopped`` (its owner pressed Stop) or ``interrupted`` (the lease lapsed:
    its worker died).
    """

    class Stream(models.TextChoices):
        """Where a streamed message is: empty for one that is complete."""

        DONE = "", "done"
        STREAMING = "streaming", "streaming"
        STOPPED = "stopped", "stopped"
        INTERRUPTED = "interrupted", "interrupted"

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    author = models.CharField(_("author"), max_length=100)
    from_user = models.BooleanField(_("from the user"), default=False)
    content = models.TextField(_("content"), blank=True)
    content_html = models.TextField(
        _("content as HTML"),
        blank=True,
        editable=False,
        help_text=_("The content as sanitised HTML, rendered once."),
    )
    exclusive = models.BooleanField(
        _("exclusive"),
        default=False,
        help_text=_("The first click on any button removes all of them."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    awaiting = models.BooleanField(
        _("awaiting an answer"),
        default=False,
        help_text=_("An AskActionMessage still waiting for its answer."),
    )
    answer = models.ForeignKey(
        "Action",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answer"),
    )
    stream = models.CharField(max_length=12, choices=Stream.choices, default="", blank=True)
    streaming_until = models.DateTimeField(
        null=True, blank=True, help_text="The lease of a message being streamed."
    )
    seq = models.BigIntegerField(
        _("position"),
        default=0,
        editable=False,
        help_text=_(
            "The position of this message's latest change in its conversation's sequence."
        ),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "seq"])]

    def __str__(self) -> str:
        return f"{self.author}: {self.content[:40]}"

    def save(self, **kwargs: Any) -> None:
        """Save, but never write back a ``seq`` read earlier: only the core moves it."""
        _keep_seq(self, kwargs)
        super().save(**kwargs)


class Action(models.Model):
    """A button on a message. The payload stays here; the browser only sees ``uuid``.

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

    uuid = models.UUIDField(_("UUID"), default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="actions", verbose_name=_("message")
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
            return gettext("This button is no longer available.")
        if self.disabled:
            return gettext("This button is disabled.")
        if self.is_expired:
            return gettext("This button has expired.")
        return None


class ActionClick(models.Model):
    """The audit trail: every click on an existing button, whoever sent it.

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

    class Meta:
        verbose_name = _("action click")
        verbose_name_plural = _("action clicks")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.action} {self.outcome}"


class RunningTask(models.Model):
    """A handler running for a conversation: what a tab connecting meanwhile shows.

    One row per running ``on_message``, callback or ``on_chat_start``, with a
    lease its process renews; a row whose lease lapsed belongs to a dead worker
    and counts as not running.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="running_tasks"
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"Task {self.token}"


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
