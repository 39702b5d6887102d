"""What the chat templates need, gathered once for the page view and the template tag.

The chat page (``views.conversation``) and a chat embedded in any page of a
site (``{% chatactions_chat conversation %}``) draw the same template from the
same context, so an embedded chat behaves exactly like the stock page.
Icons are drawn here too, on the server, so the browser needs no icon font
and a strict Content-Security-Policy has nothing to allow.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.utils.safestring import SafeString, mark_safe
from lucide import IconDoesNotExist
from lucide.templatetags.lucide import lucide

from .conf import chat_settings
from .models import Conversation
from .models import Message as MessageRow

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "Chat"


def socket_path(conversation: Conversation) -> str:
    """The WebSocket path ``chat.js`` opens; ``routing.py`` serves it."""
    return f"/ws/chat/{conversation.uuid}/"


def chat_template_context(
    conversation: Conversation, *, title: str = DEFAULT_TITLE
) -> dict[str, Any]:
    """The context of ``chatactions/chat.html``: live messages with their live buttons.

    Whoever calls this has already checked that the requester owns the
    conversation; nothing here looks at the request.
    """
    rows = list(MessageRow.objects.live(conversation))
    for row in rows:
        row.conversation = conversation  # saves a query per button's URL
    return {
        "conversation": conversation,
        "chat_messages": rows,
        "chat_title": title,
        "socket_path": socket_path(conversation),
        "max_message_length": chat_settings.MAX_MESSAGE_LENGTH,
    }


@functools.lru_cache(maxsize=256)
def icon_svg(name: str, size: int = 16) -> SafeString:
    """A Lucide icon as inline SVG, hidden from screen readers (the label says it all).

    An unknown name draws nothing and logs a warning rather than raising: the
    icon is decoration, and a typo must not stop a message from being sent.
    Cached, because a broadcast renders the same few icons again and again.
    """
    if not name:
        return mark_safe("")
    try:
        svg = lucide(
            name, size=size, aria_hidden="true", focusable="false", **{"class": "ca-icon"}
        )
    except IconDoesNotExist:
        logger.warning("chatactions: there is no Lucide icon named %r", name)
        return mark_safe("")
    # The package's own SVG: one line, so it sits inside a button without stray spaces.
    return mark_safe("".join(line.strip() for line in svg.splitlines()))
