"""Who is asking: a logged-in user, or an anonymous visitor known by their session.

An anonymous visitor gets a random id stored *inside* the session rather than
being known by the session key, because Django changes the key at login
(``cycle_key``) but keeps the data: the visitor's conversations follow them
through a login and are then handed to their user (see ``adopt_on_login``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import user_logged_in
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q
from django.dispatch import receiver

from .conf import chat_settings
from .models import Conversation

VISITOR_SESSION_KEY = "chatactions_visitor"


@dataclass(frozen=True)
class Requester:
    """The owner a request speaks for; ``None`` fields mean "not that kind"."""

    user_id: int | None = None
    visitor: uuid.UUID | None = None

    def owns(self, conversation: Conversation) -> bool:
        """Whether this requester may see and use ``conversation``: every door asks it.

        A deleted conversation is no one's any more.
        """
        if conversation.deleted_at is not None:
            return False
        if self.user_id is not None:
            return conversation.user_id == self.user_id
        return conversation.user_id is None and conversation.visitor == self.visitor

    def conversations_q(self, prefix: str = "") -> Q:
        """A filter for the conversations this requester owns (``prefix`` for joins).

        A deleted conversation is left out: its rows stay for the audit trail,
        but no page, socket or API call of its owner finds it again.
        """
        live = Q(**{f"{prefix}deleted_at__isnull": True})
        if self.user_id is not None:
            return live & Q(**{f"{prefix}user_id": self.user_id})
        return live & Q(**{f"{prefix}user__isnull": True, f"{prefix}visitor": self.visitor})

    def conversation(self, conversation_id: uuid.UUID) -> Conversation | None:
        """This requester's conversation of that id; ``None`` for a missing *or foreign* one."""
        return Conversation.objects.filter(self.conversations_q(), uuid=conversation_id).first()

    def owner_fields(self) -> dict[str, Any]:
        """Field values that make a new conversation or click row this requester's."""
        return {"user_id": self.user_id, "visitor": self.visitor}


def login_required(user: Any) -> bool:
    """True for an anonymous visitor on a site where only logged-in users may chat."""
    authenticated = user is not None and user.is_authenticated
    return not authenticated and not chat_settings.ALLOW_ANONYMOUS


def resolve(user: Any, session: SessionBase | None, *, create: bool = False) -> Requester | None:
    """The requester behind a user and session, or ``None`` if they may not chat.

    Touches the session (a database read), so call it from sync code. With
    ``create`` an anonymous visitor without an id gets one written to the
    session, so Django sends the session cookie that ties them to their chat.
    """
    if user is not None and user.is_authenticated:
        return Requester(user_id=user.pk)
    if not chat_settings.ALLOW_ANONYMOUS or session is None:
        return None
    raw = session.get(VISITOR_SESSION_KEY)
    if raw is None:
        if not create:
            return None
        raw = str(uuid.uuid4())
        session[VISITOR_SESSION_KEY] = raw
    try:
        return Requester(visitor=uuid.UUID(str(raw)))
    except ValueError:
        return None


@receiver(user_logged_in)
def adopt_on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Give a visitor's anonymous conversations to the user they just logged in as."""
    session = getattr(request, "session", None)
    raw = session.get(VISITOR_SESSION_KEY) if session is not None else None
    if raw is None:
        return
    try:
        visitor = uuid.UUID(str(raw))
    except ValueError:
        return
    Conversation.objects.filter(visitor=visitor, user__isnull=True).update(user=user)
