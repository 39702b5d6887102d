"""What is running for a conversation right now, so a tab that connects meanwhile can say so."""

from __future__ import annotations

import uuid

from django.db import models

from .conversation import Conversation


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
