"""What the chat says to the person using it, when the server is not the one drawing it.

The refusal notices are shared by two doors: the no-JavaScript views flash
them, and ``chat.js`` shows them after a socket ``ack``. The script's other
texts (connection states, the dropped-answer warning) live here too, so every
string the browser shows is translated by Django, in the page's language, and
reaches the script in the page itself (a ``json_script`` element, no request).
``chat.js`` keeps English copies as fallbacks for a page drawn without them.
A socket speaks its page's language (``requested_language``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import protocol

#: What the clicker reads when a click or message is refused, by ack status.
REFUSED: dict[str, Promise] = {
    protocol.BUSY: _("That action is already running."),
    protocol.GONE: _("That button is no longer available."),
    protocol.NOT_FOUND: _("That button is no longer available."),
    protocol.RATE_LIMITED: _("Too many requests; wait a moment and try again."),
    protocol.ERROR: _("Something went wrong."),
    protocol.INVALID: _("That could not be sent."),
}

#: The connection indicator in the chat's header, by client state.
STATES: dict[str, Promise] = {
    "connecting": _("Connecting…"),
    "open": pgettext_lazy("connection state", "Live"),
    "closed": _("Reconnecting…"),
    "unavailable": _("Offline"),
}

#: Everything else ``chat.js`` may say.
OTHER: dict[str, Promise] = {
    "unavailable": _("This conversation is not available."),
    "lost": _(
        "The connection dropped before the answer came. It will show when the chat reconnects."
    ),
    # A form with a file field is posted over HTTP; this is when no answer came back.
    "upload_failed": _("The form could not be sent. Check the connection and try again."),
}


def client_strings() -> dict[str, dict[str, str]]:
    """The script's texts in the active language, as ``chat.html`` hands them to ``chat.js``."""
    return {
        "refused": {status: str(text) for status, text in REFUSED.items()},
        "states": {state: str(text) for state, text in STATES.items()},
        "other": {key: str(text) for key, text in OTHER.items()},
    }


def requested_language(scope: dict[str, Any]) -> str:
    """The language a socket speaks: what its page asked for in ``?lang=``.

    The page adds it (``rendering.page_socket_url``), since a socket has no
    ``LocaleMiddleware`` to pick one. Only one of ``LANGUAGES`` (or its closest
    variant) is used; anything else, or none, gets ``LANGUAGE_CODE``, as
    Django's ``LocaleMiddleware`` would.
    """
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    wanted = query.get("lang", [""])[0]
    try:
        return translation.get_supported_language_variant(wanted)
    except LookupError:
        return str(settings.LANGUAGE_CODE)
