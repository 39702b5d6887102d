"""Conversations, messages, buttons and clicks: the database is the source of truth.

Each row has an integer primary key for ordering and joins, and a random
``uuid`` that is the only id the browser ever sees, so ids cannot be guessed or
counted. A ``sync`` frame asks for "what came after message X": the integer
key orders messages in the order they were saved, whatever the clocks say.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .outcome import Status


class Conversation(models.Model):
    """One chat, owned by a logged-in user or by an anonymous visitor's session."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    app = models.CharField(
        max_length=100, default="default", help_text="Name of the chat registry that answers."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="chatactions_conversations",
    )
    visitor = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text="Random id kept in an anonymous visitor's session.",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(visitor__isnull=False),
                name="chatactions_conversation_has_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Conversation {self.uuid}"


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
        return rows.filter(removed_at__isnull=True).prefetch_related(
            models.Prefetch(
                "actions",
                queryset=Action.objects.filter(removed_at__isnull=True),
                to_attr="live_actions",
            )
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

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.CharField(max_length=100)
    from_user = models.BooleanField(default=False)
    content = models.TextField(blank=True)
    content_html = models.TextField(
        blank=True, editable=False, help_text="The content as sanitised HTML, rendered once."
    )
    exclusive = models.BooleanField(
        default=False, help_text="The first click on any button removes all of them."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    awaiting = models.BooleanField(
        default=False, help_text="An AskActionMessage still waiting for its answer."
    )
    answer = models.ForeignKey(
        "Action", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stream = models.CharField(max_length=12, choices=Stream.choices, default="", blank=True)
    streaming_until = models.DateTimeField(
        null=True, blank=True, help_text="The lease of a message being streamed."
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.content[:40]}"


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

        PRIMARY = "primary"
        SECONDARY = "secondary"
        DANGER = "danger"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="actions")
    name = models.CharField(max_length=100)
    label = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    tooltip = models.CharField(max_length=300, blank=True)
    icon = models.CharField(max_length=64, blank=True)
    variant = models.CharField(max_length=16, choices=Variant.choices, default=Variant.PRIMARY)
    disabled = models.BooleanField(default=False)
    confirm = models.CharField(max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
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
            return "This button is no longer available."
        if self.disabled:
            return "This button is disabled."
        if self.is_expired:
            return "This button has expired."
        return None


class ActionClick(models.Model):
    """The audit trail: every click on an existing button, whoever sent it."""

    #: The one outcome vocabulary, shared with the wire and the doors.
    Outcome = Status

    class Via(models.TextChoices):
        """Which door a click came in by, for the audit trail."""

        WEBSOCKET = "websocket"
        FORM = "form"
        API = "api"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="clicks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chatactions_clicks",
    )
    visitor = models.UUIDField(null=True, blank=True)
    via = models.CharField(max_length=16, choices=Via.choices)
    outcome = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.FloatField(default=0.0)
    error = models.TextField(blank=True)

    class Meta:
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

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="values")
    key = models.CharField(max_length=200)
    value = models.JSONField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "key"], name="chatactions_value_unique_key"
            )
        ]

    def __str__(self) -> str:
        return self.key
