"""``{% load chatactions %}``: put a chat into any page of a site.

``{% chatactions_assets %}`` adds the stylesheet and the script (put it in
``<head>``); ``{% chatactions_chat conversation %}`` draws the conversation with
its message box, exactly as the stock page does; ``{% chatactions_icon "name" %}``
draws a Lucide icon. Inside the chat's own templates,
``{% chatactions_messages chat_messages %}`` draws each message with
``message.html``, ``{% chatactions_buttons message.live_actions %}`` a
message's buttons and ``{% chatactions_form message.live_form %}`` its
form. The chat tag draws whatever conversation it is given: the
view that passes it must check that the requester owns it.
"""

from __future__ import annotations

from django import template
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from ..buttons import buttons_html, esc, icon_svg
from ..models import Action as ActionRow
from ..models import Conversation
from ..models import Message as MessageRow
from ..rendering import (
    DEFAULT_TITLE,
    FORM_TEMPLATE,
    MESSAGE_TEMPLATE,
    chat_template_context,
    form_context,
)

register = template.Library()


@register.simple_tag
def chatactions_assets() -> SafeString:
    """The ``<link>`` and deferred ``<script>`` tags, as static files (no inline code)."""
    return mark_safe(render_to_string("chatactions/assets.html"))


@register.simple_tag(takes_context=True)
def chatactions_chat(
    context: Context, conversation: Conversation, title: str | Promise = DEFAULT_TITLE
) -> SafeString:
    """The chat of ``conversation``, rendered with the page's request.

    The request gives the forms their CSRF token and the no-JavaScript notices
    (``django.contrib.messages``); without ``django.template.context_processors.request``
    the surrounding context's ``csrf_token`` is used instead.
    """
    data = chat_template_context(conversation, title=title)
    request = context.get("request")
    if request is None:
        data["csrf_token"] = context.get("csrf_token", "")
    return mark_safe(render_to_string("chatactions/chat.html", data, request=request))


@register.simple_tag(takes_context=True)
def chatactions_messages(context: Context, messages: list[MessageRow]) -> SafeString:
    """Each message drawn by ``chatactions/message.html``: an ``{% include %}`` per message.

    The template is looked up once for the whole list; an include per message
    looked it up again each time, a tenth of a long page.
    """
    assert context.template is not None  # a tag only runs while a template renders
    message_template = context.template.engine.get_template(MESSAGE_TEMPLATE)
    drawn = []
    for message in messages:
        with context.push(message=message):
            drawn.append(message_template.render(context))
    return mark_safe("".join(drawn))


@register.simple_tag(takes_context=True)
def chatactions_buttons(context: Context, actions: list[ActionRow]) -> SafeString:
    """A message's buttons as forms, with the context's CSRF token in those that post."""
    return buttons_html(actions, _csrf_input(context))


@register.simple_tag(takes_context=True)
def chatactions_form(context: Context, row: ActionRow) -> SafeString:
    """A message's form (``message.live_form``), drawn by ``chatactions/form.html``.

    Its fields are drawn by Django's own widget templates (``as_field_group``),
    so a site overrides them the Django way (``FORM_RENDERER``).
    """
    data = form_context(row, row.drawn_form, _csrf_input(context))  # type: ignore[attr-defined]
    return mark_safe(render_to_string(FORM_TEMPLATE, data))


def _csrf_input(context: Context) -> str:
    """What ``{% csrf_token %}`` draws, in a fifth of its time.

    The token is a lazy object; ``CsrfTokenNode`` goes through it four times
    and through ``format_html``: 8 ms over the 1,000 messages of a long page.
    """
    token = context.get("csrf_token")
    value = str(token) if token else ""
    if not value or value == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{esc(value)}">'


@register.simple_tag
def chatactions_icon(name: str, size: int = 16) -> SafeString:
    """A Lucide icon drawn on the server; unknown names draw nothing."""
    return icon_svg(name, size)
