"""Signals for sites that want to react to chat events without a callback.

Both are sent from the database thread right after the row is saved, so a
receiver may use the ORM directly; keep receivers quick, as they delay the
reply.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent after every click on an existing button is recorded.
#: Arguments: ``click`` (``ActionClick``), ``action`` (``models.Action``), ``conversation``.
action_clicked = Signal()

#: Sent after a message (from the bot or the user) is saved, before it is broadcast.
#: Arguments: ``message`` (``models.Message``), ``conversation``.
message_sent = Signal()
