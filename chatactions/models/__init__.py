"""Conversations, messages, buttons and clicks: the database is the source of truth.

Each row has an integer primary key for ordering and joins, and a random
``uuid`` that is the only id the browser ever sees, so ids cannot be guessed or
counted. Every change a tab must see takes the next position of its
conversation's sequence (``Conversation.seq``) and stamps it on the message it
changed (``Message.seq``), so a ``sync`` asks "what changed after position N"
and is answered from the rows as they are now (docs/protocol.md).

One module per model family, each under the project's size limit; every name
is imported from here (``from chatactions.models import Message``), so none of
the modules below is part of the public API.
"""

from __future__ import annotations

from .action import Action
from .approval import Approval
from .click import ActionClick
from .conversation import Conversation
from .message import Message, MessageQuerySet
from .task import RunningTask
from .value import ConversationValue

__all__ = [
    "Action",
    "ActionClick",
    "Approval",
    "Conversation",
    "ConversationValue",
    "Message",
    "MessageQuerySet",
    "RunningTask",
]
