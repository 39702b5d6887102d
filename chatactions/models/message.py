"""Messages, and the queries every reader of them shares.

``MessageQuerySet`` is the one place the page, ``sync`` and the HTTP API read
messages from, so the three cannot draw different things.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .action import Action
from .conversation import Conversation, keep_seq


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
    awaits_reply = models.BooleanField(
        default=False, help_text="An AskUserMessage: the user's next message answers it."
    )
    reply = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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
        keep_seq(self, kwargs)
        super().save(**kwargs)
