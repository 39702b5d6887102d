"""A message's buttons and their icons, drawn in Python rather than by a template.

On a page of thousands of buttons the template engine's per-variable cost was
most of the page, so each button is one f-string with every value escaped.
Icons are drawn here too, on the server, so the browser needs no icon font
and a strict Content-Security-Policy has nothing to allow.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from lucide import IconDoesNotExist
from lucide.templatetags.lucide import lucide

from .models import Action as ActionRow

logger = logging.getLogger(__name__)


def buttons_html(actions: Iterable[ActionRow], csrf_input: str = "") -> SafeString:
    """A message's buttons, each a form; ``prepare()`` has given them ``form_url``.

    Drawn here rather than by a template included per button: on a page of
    thousands of buttons the template engine's per-variable cost was most of
    the page. Every value a callback or a user wrote is escaped. A form that
    posts carries ``csrf_input`` (none in a live frame, which has no request).
    """
    return mark_safe("".join([_button(action, csrf_input) for action in actions]))


def esc(value: object) -> str:
    """``conditional_escape`` without its lazy-argument wrapper, a third of its time.

    Called some 15,000 times for a page of 3,000 buttons.
    """
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _button(action: ActionRow, csrf_input: str) -> str:
    ident = esc(action.uuid)
    try:
        url = esc(action.form_url)  # type: ignore[attr-defined]
    except AttributeError:
        raise TypeError(
            "A button drawn by chatactions_buttons has no form_url: pass the messages "
            "through chatactions.rendering.prepare(rows, conversation) first, as the chat "
            "page and live frames do."
        ) from None
    if action.confirm:
        form = f' method="get" action="{url}" data-confirm="{esc(action.confirm)}"'
    else:
        form = f' method="post" action="{url}"'
    if action.expires_at:
        form += f' data-expires-at="{esc(action.expires_iso)}"'  # type: ignore[attr-defined]
    token = "" if action.confirm else csrf_input
    button = f' class="ca-action ca-action--{esc(action.variant)}" type="submit"'
    button += f' data-action="{esc(action.name)}"'
    tip = ""
    if action.tooltip:
        button += f' title="{esc(action.tooltip)}" aria-describedby="ca-tip-{ident}"'
        tip = f'<span class="ca-visually-hidden" id="ca-tip-{ident}">{esc(action.tooltip)}</span>'
    if action.disabled:
        button += " disabled data-disabled"
    return (
        f'<form class="ca-action-form" data-action-id="{ident}"{form}>{token}'
        f"<button{button}>{icon_svg(action.icon)}"
        f'<span class="ca-label">{esc(action.label or action.name)}</span></button>{tip}</form>\n'
    )


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
