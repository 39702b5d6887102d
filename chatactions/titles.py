"""A conversation's title: what its owner's history calls it.

Set by code (``chat.set_title``) or by the owner (the history page, the HTTP
API); checked the same way whoever sets it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from .models import Conversation
from .storable import text_problem

TITLE_LENGTH = Conversation._meta.get_field("title").max_length or 200


class TitleError(ValueError):
    """A title that cannot be stored: not text, too long, or with a NUL character."""


def clean_title(title: Any) -> str:
    """A title as stored: a string, spaces trimmed, short enough, storable; empty clears it."""
    if not isinstance(title, str):
        raise TitleError(gettext("A title must be text."))
    cleaned = " ".join(title.split())
    if len(cleaned) > TITLE_LENGTH:
        raise TitleError(
            gettext("A title has at most %(limit)d characters.") % {"limit": TITLE_LENGTH}
        )
    if text_problem(cleaned) is not None:
        raise TitleError(gettext("This title cannot be stored."))
    return cleaned


def set_title(conversation: Conversation, title: str) -> None:
    """Store a conversation's title, checked; the row and the object agree afterwards."""
    title = clean_title(title)
    Conversation.objects.filter(pk=conversation.pk).update(title=title)
    conversation.title = title
