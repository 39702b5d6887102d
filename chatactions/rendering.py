"""What the chat templates need, gathered once for the page view and the template tag.

The chat page (``views.conversation``) and a chat embedded in any page of a
site (``{% chatactions_chat conversation %}``) draw the same template from the
same context, so an embedded chat behaves exactly like the stock page.
A message's buttons and their icons are drawn by ``buttons``.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import formclass, texts
from .conf import chat_settings
from .models import Action as ActionRow
from .models import Conversation, RunningTask
from .models import Message as MessageRow

logger = logging.getLogger(__name__)

DEFAULT_TITLE = _("Chat")
#: One message: the page draws each with it, and so does every live frame.
MESSAGE_TEMPLATE = "chatactions/message.html"
#: A message's form, inside ``message.html``; its fields are drawn by Django's own templates.
FORM_TEMPLATE = "chatactions/form.html"


def socket_path(conversation: Conversation) -> str:
    """The WebSocket path ``chat.js`` opens; ``routing.py`` serves it."""
    return f"/ws/chat/{conversation.uuid}/"


def page_socket_url(conversation: Conversation) -> str:
    """``socket_path`` with the page's language, which the consumer then speaks.

    So what the socket answers (an ack's detail, a message drawn for the
    broadcast) is in the language of the page that opened it, whatever chose
    that language (``i18n_patterns``, a cookie, ``Accept-Language``).
    """
    path = socket_path(conversation)
    language = get_language()
    return f"{path}?{urlencode({'lang': language})}" if language else path


def chat_template_context(
    conversation: Conversation,
    *,
    title: str | Promise = DEFAULT_TITLE,
    bound: dict[uuid.UUID, forms.BaseForm] | None = None,
) -> dict[str, Any]:
    """The context of ``chatactions/chat.html``: live messages with their live buttons.

    Whoever calls this has already checked that the requester owns the
    conversation; nothing here looks at the request. The page's position
    (``data-seq``) is the conversation's ``seq`` as read before these rows,
    so a change the rows miss is after it, and the tab's first ``sync`` has it.
    ``bound`` draws those forms (by id) as given: the no-JavaScript door's
    invalid submission.
    """
    rows = list(MessageRow.objects.live(conversation))
    prepare(rows, conversation, bound)
    return {
        "conversation": conversation,
        "chat_messages": rows,
        "chat_title": title,
        "socket_path": page_socket_url(conversation),
        "max_message_length": chat_settings.MAX_MESSAGE_LENGTH,
        "chat_strings": texts.client_strings(),
        "strings_id": f"ca-strings-{conversation.uuid}",
        # A handler is running: the page shows "working…" and Stop (JavaScript or not).
        "chat_working": RunningTask.objects.filter(
            conversation=conversation, until__gt=timezone.now()
        ).exists(),
    }


#: Stands for a button's id in a URL reversed once per render (a UUID never handed out).
_SOME_ACTION = uuid.UUID(int=0)


class _ActionURL:
    """The click or confirm URL of this conversation's buttons, reversed once if at all.

    A live frame of one message without a ``confirm`` button reverses no
    confirmation URL: each ``reverse()`` is about a fifth of such a frame.
    """

    def __init__(self, name: str, conversation: Conversation) -> None:
        self.name = name
        self.conversation = conversation

    @functools.cached_property
    def parts(self) -> list[str]:
        """The URL around the button's id, reversed once per render."""
        url = reverse(self.name, args=[self.conversation.uuid, _SOME_ACTION])
        return url.rsplit(str(_SOME_ACTION), 1)

    def __call__(self, action: ActionRow) -> str:
        head, tail = self.parts
        return f"{head}{action.uuid}{tail}"


def _localizer() -> Callable[[datetime], datetime]:
    """Puts a time in the current time zone as the ``date`` filter does; the zone looked up once.

    Looking it up per message (``timezone.localtime``) was 4 ms of a long page.
    """
    if not settings.USE_TZ:
        return lambda when: when
    zone = timezone.get_current_timezone()
    return lambda when: when.astimezone(zone) if timezone.is_aware(when) else when


def prepare(
    rows: Iterable[MessageRow],
    conversation: Conversation,
    bound: dict[uuid.UUID, forms.BaseForm] | None = None,
) -> None:
    """Work out once, in Python, what ``message.html`` draws.

    Each message gets its time as the templates show it (``time_iso``,
    ``time_hm``, and ``ts`` for ``data-ts``: in the current time zone, as the
    ``date`` filter would); each of its ``live_actions`` gets ``form_url``,
    where its form goes, and ``expires_iso`` if it expires. A ``{% url %}``
    per button and four ``date`` filters per message were over a third of the
    template time of a long conversation.

    A message's form rows leave ``live_actions`` (the buttons) for
    ``live_forms``, each with ``drawn_form``: its Django form, from ``bound``
    if there, else unbound with its ``initial`` values.
    """
    click = _ActionURL("chatactions:click", conversation)
    confirm = _ActionURL("chatactions:confirm", conversation)
    submit = _ActionURL("chatactions:submit", conversation)
    local = _localizer()
    for row in rows:
        _split_form(row, submit, bound or {}, local)
        row.conversation = conversation
        when = local(row.created_at)
        row.ts = f"{int(when.timestamp())}{when.microsecond:06d}"  # type: ignore[attr-defined]
        row.time_iso = when.isoformat()  # type: ignore[attr-defined]
        row.time_hm = f"{when.hour:02d}:{when.minute:02d}"  # type: ignore[attr-defined]
        for action in row.live_actions:  # type: ignore[attr-defined]
            action.form_url = confirm(action) if action.confirm else click(action)
            if action.expires_at:
                action.expires_iso = local(action.expires_at).isoformat()


def _split_form(
    row: MessageRow,
    submit: _ActionURL,
    bound: dict[uuid.UUID, forms.BaseForm],
    local: Callable[[datetime], datetime],
) -> None:
    """A message's form rows leave ``live_actions`` for ``live_forms`` (``live_form``: the first).

    A ``ca.Message`` has at most one form; an approval has two (Edit, Reject).
    """
    live = row.live_actions  # type: ignore[attr-defined]
    found = [a for a in live if a.kind == ActionRow.Kind.FORM]
    row.live_forms = []  # type: ignore[attr-defined]
    row.live_form = None  # type: ignore[attr-defined]
    if not found:
        return
    row.live_actions = [a for a in live if a.kind != ActionRow.Kind.FORM]  # type: ignore[attr-defined]
    for form in found:
        form.form_url = submit(form)
        if form.expires_at:
            form.expires_iso = local(form.expires_at).isoformat()
        try:
            form.drawn_form = bound.get(form.uuid) or formclass.build(
                form.form_class, form.uuid, form.initial
            )
        except ImportError:
            # The site renamed or removed the class: draw the message without it, and say so.
            logger.error("chatactions: form %s has no form class %r", form.uuid, form.form_class)
            continue
        row.live_forms.append(form)  # type: ignore[attr-defined]
    row.live_form = row.live_forms[0] if row.live_forms else None  # type: ignore[attr-defined]


def form_context(row: ActionRow, form: forms.BaseForm, csrf_input: str = "") -> dict[str, Any]:
    """The context of ``chatactions/form.html``: the row, its Django form, where it posts."""
    url = getattr(row, "form_url", None) or reverse(
        "chatactions:submit", args=[row.message.conversation.uuid, row.uuid]
    )
    return {
        "form_row": row,
        "form": form,
        "form_url": url,
        "csrf_input": mark_safe(csrf_input),
        "errors_id": f"ca-{row.uuid}-errors",
    }
