"""What the templates draw, the template tags, and the no-JavaScript confirmation step."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Protocol, cast

import pytest
from asgiref.sync import async_to_sync
from django.template import Context, Template
from django.template.defaulttags import CsrfTokenNode
from django.test import Client, RequestFactory
from django.utils import timezone
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions import rendering
from chatactions.buttons import icon_svg
from chatactions.core.frames import render_message
from chatactions.models import Action, ActionClick, Conversation, Message
from chatactions.templatetags.chatactions import _csrf_input

from .conftest import Callbacks, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">')


def send(
    conversation: Conversation, content: str, actions: Iterable[ca.Action] = ()
) -> ca.Message:
    return async_to_sync(
        ca.Message(content, actions=list(actions), conversation=conversation).send
    )()


def page(visitor: Visitor, conversation: Conversation) -> str:
    return visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()


def form_of(html: str, action: ca.Action) -> str:
    match = re.search(rf'<form [^>]*data-action-id="{action.id}".*?</form>', html, re.S)
    assert match, f"no form for {action}"
    return match.group(0)


# Buttons --------------------------------------------------------------------------------


def test_a_button_carries_its_variant_class(visitor: Visitor) -> None:
    conversation = visitor.start()
    danger, plain = ca.Action("d", "Drop", variant="danger"), ca.Action("p", "Plain")
    send(conversation, "x", [danger, plain])
    html = page(visitor, conversation)
    assert "ca-action--danger" in form_of(html, danger)
    assert "ca-action--primary" in form_of(html, plain)


def test_a_disabled_button_is_drawn_disabled(visitor: Visitor) -> None:
    conversation = visitor.start()
    locked = ca.Action("l", "Locked", disabled=True)
    send(conversation, "x", [locked])
    assert " disabled data-disabled" in form_of(page(visitor, conversation), locked)


def test_an_icon_is_inline_svg_hidden_from_screen_readers(visitor: Visitor) -> None:
    conversation = visitor.start()
    trash = ca.Action("t", "Trash", icon="trash-2")
    send(conversation, "x", [trash])
    form = form_of(page(visitor, conversation), trash)
    assert '<svg width="16" height="16"' in form
    assert 'aria-hidden="true"' in form and 'class="ca-icon"' in form


def test_an_unknown_icon_draws_nothing_and_logs_a_warning(
    visitor: Visitor, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = visitor.start()
    odd = ca.Action("o", "Odd", icon="no-such-icon-anywhere")
    with caplog.at_level(logging.WARNING, logger="chatactions"):
        send(conversation, "x", [odd])
    assert "<svg" not in form_of(page(visitor, conversation), odd)
    assert "no-such-icon-anywhere" in caplog.text


def test_no_icon_name_draws_nothing() -> None:
    assert icon_svg("") == ""


def test_a_tooltip_is_a_title_and_an_accessible_description(visitor: Visitor) -> None:
    conversation = visitor.start()
    tipped = ca.Action("t", "Tip", tooltip="Does a <thing>")
    send(conversation, "x", [tipped])
    form = form_of(page(visitor, conversation), tipped)
    assert 'title="Does a &lt;thing&gt;"' in form
    assert f'aria-describedby="ca-tip-{tipped.id}"' in form
    assert (
        f'<span class="ca-visually-hidden" id="ca-tip-{tipped.id}">Does a &lt;thing&gt;</span>'
        in form
    )


def test_a_confirm_button_without_javascript_goes_to_the_confirmation_page(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    asks = ca.Action("a", "Archive", confirm="Archive it?")
    send(conversation, "x", [asks])
    form = form_of(page(visitor, conversation), asks)
    assert 'method="get"' in form
    assert f'action="/chat/{conversation.uuid}/actions/{asks.id}/confirm/"' in form
    assert 'data-confirm="Archive it?"' in form
    assert "csrfmiddlewaretoken" not in form  # never put a token into a GET URL


def test_a_button_that_expires_tells_the_client_when(visitor: Visitor) -> None:
    conversation = visitor.start()
    soon = ca.Action("s", "Soon", ttl=timedelta(minutes=5))
    send(conversation, "x", [soon])
    assert soon.expires_at is not None
    assert f'data-expires-at="{soon.expires_at.isoformat()}"' in form_of(
        page(visitor, conversation), soon
    )


def test_the_live_frame_draws_every_kind_of_button_as_the_page_does(visitor: Visitor) -> None:
    conversation = visitor.start()
    actions = [
        ca.Action("a", "A", icon="archive", variant="danger", tooltip="t", confirm="Sure?"),
        ca.Action("b", "B", disabled=True, variant="secondary", ttl=60),
    ]
    message = send(conversation, "**All** of them", actions)
    row = Message.objects.get(uuid=message.id)
    frame = json.loads(render_message(row, list(row.actions.all())))
    assert frame["html"].strip() in CSRF_INPUT.sub("", page(visitor, conversation))


def test_the_page_has_no_inline_script_style_or_event_handler(visitor: Visitor) -> None:
    conversation = visitor.start()
    send(conversation, "x", [ca.Action("a", "A", icon="check", tooltip="t", confirm="Sure?")])
    html = page(visitor, conversation)
    # Only the chat's strings are inline, as JSON data that no browser runs.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert scripts == [f'<script id="ca-strings-{conversation.uuid}" type="application/json">']
    assert " style=" not in html and "<style" not in html
    assert re.findall(r"\son[a-z]+=", html) == []


def test_messages_sit_in_a_polite_log_and_notices_in_a_status_region(visitor: Visitor) -> None:
    conversation = visitor.start()
    html = page(visitor, conversation)
    assert 'role="log" aria-live="polite"' in html
    assert 'class="ca-notices" role="status" aria-live="polite"' in html
    assert 'role="heading" aria-level="1"' in html


def test_a_message_knows_when_it_was_saved_for_ordering(visitor: Visitor) -> None:
    conversation = visitor.start()
    row = conversation.messages.get()
    found = re.search(r'data-ts="(\d+)"', page(visitor, conversation))
    assert found is not None
    stamp = found.group(1)
    assert int(stamp) == int(row.created_at.timestamp()) * 1_000_000 + row.created_at.microsecond


# Template tags ------------------------------------------------------------------------------


def test_the_assets_tag_links_the_stylesheet_and_a_deferred_script() -> None:
    html = Template("{% load chatactions %}{% chatactions_assets %}").render(Context())
    assert '<link rel="stylesheet" href="/static/chatactions/chat.css">' in html
    assert '<script src="/static/chatactions/chat.js" defer></script>' in html


def test_the_chat_tag_draws_the_conversation_with_the_requests_csrf_token(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    send(conversation, "Embedded", [ca.Action("e", "Go")])
    request = RequestFactory().get("/anywhere/")
    request.session = visitor.client.session
    template = Template('{% load chatactions %}{% chatactions_chat conversation title="Help" %}')
    html = template.render(Context({"conversation": conversation, "request": request}))
    assert "Embedded" in html and ">Go<" in html and "<span>Help</span>" in html
    assert f'data-socket="/ws/chat/{conversation.uuid}/?lang=en"' in html
    assert 'role="heading" aria-level="2"' in html
    assert len(CSRF_INPUT.findall(html)) == 4  # New chat, the message box, Stop and the button


def test_the_chat_tag_without_a_request_uses_the_contexts_token(visitor: Visitor) -> None:
    conversation = visitor.start()
    template = Template("{% load chatactions %}{% chatactions_chat conversation %}")
    html = template.render(Context({"conversation": conversation, "csrf_token": "t0k3n"}))
    assert 'name="csrfmiddlewaretoken" value="t0k3n"' in html


@pytest.mark.parametrize("token", ["t0k3n", "", None, '"<x>&'])
def test_the_buttons_draw_the_csrf_input_as_the_csrf_token_tag_does(token: str | None) -> None:
    context = Context({"csrf_token": token})
    assert _csrf_input(context) == CsrfTokenNode().render(context)


def test_the_buttons_draw_no_csrf_input_when_the_token_was_not_provided() -> None:
    assert _csrf_input(Context({"csrf_token": "NOTPROVIDED"})) == ""  # as {% csrf_token %}


def test_the_icon_tag_draws_a_lucide_icon_at_a_size() -> None:
    html = Template('{% load chatactions %}{% chatactions_icon "bot" 24 %}').render(Context())
    assert html.startswith('<svg width="24" height="24"') and "\n" not in html


def test_templates_are_overridable_the_django_way(
    visitor: Visitor, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "chatactions"
    folder.mkdir()
    (folder / "message.html").write_text('<li data-message-id="{{ message.uuid }}">MINE</li>')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    conversation = visitor.start()
    assert "<li data-message-id" in page(visitor, conversation) and "MINE" in page(
        visitor, conversation
    )


def test_an_overriding_message_template_can_draw_its_own_buttons(
    visitor: Visitor, settings: Settings, tmp_path: Path
) -> None:
    folder = tmp_path / "chatactions"
    folder.mkdir()
    (folder / "message.html").write_text(
        "{% for action in message.live_actions %}"
        '<a data-action-id="{{ action.uuid }}" href="{{ action.form_url }}">{{ action.label }}</a>'
        "{% endfor %}"
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    conversation = visitor.start()
    go, asks = ca.Action("go", "Go"), ca.Action("ask", "<Ask>", confirm="Sure?")
    send(conversation, "x", [go, asks])
    html = page(visitor, conversation)
    assert f'href="/chat/{conversation.uuid}/actions/{go.id}/click/">Go</a>' in html
    assert f'href="/chat/{conversation.uuid}/actions/{asks.id}/confirm/">&lt;Ask&gt;</a>' in html


# The no-JavaScript confirmation step -------------------------------------------------------


Asking = tuple[Conversation, ca.Action, str]
"""The ``asking`` fixture: a conversation, its button that asks first, and its confirm page."""


@pytest.fixture
def asking(visitor: Visitor) -> Asking:
    conversation = visitor.start()
    action = ca.Action("archive", "Archive", confirm="Archive this?", variant="danger")
    send(conversation, "Archive the thing", [action])
    return conversation, action, f"/chat/{conversation.uuid}/actions/{action.id}/confirm/"


def test_the_confirmation_page_asks_the_question_with_a_csrf_protected_form(
    visitor: Visitor, asking: Asking
) -> None:
    _, _, url = asking
    response = visitor.client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="ca-confirm-question">Archive this?</h1>' in html
    assert "Archive the thing" in html and "ca-action--danger" in html
    assert f'method="post" action="{url}"' in html and CSRF_INPUT.search(html)


def test_yes_on_the_confirmation_page_clicks_through_dispatch(
    visitor: Visitor, asking: Asking, callbacks: Callbacks
) -> None:
    conversation, _, url = asking
    ran = []

    @callbacks("archive")
    def archive(action: ca.Action) -> str:
        ran.append(action.payload)
        return "Archived."

    response = visitor.client.post(url)
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert ran == [{}]
    click = ActionClick.objects.get()
    assert (click.via, click.outcome) == ("form", "ok")
    assert "Archived." in page(visitor, conversation)


def test_the_confirmation_post_needs_the_csrf_token(
    visitor: Visitor, asking: Asking, callbacks: Callbacks
) -> None:
    _, _, url = asking
    callbacks("archive")(lambda: None)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = visitor.client.cookies
    assert strict.post(url).status_code == 403
    assert not ActionClick.objects.exists()


@pytest.mark.parametrize("ended", ["removed_at", "expires_at"])
def test_the_confirmation_page_of_a_removed_or_expired_button_goes_back_and_says_so(
    visitor: Visitor, asking: Asking, ended: str
) -> None:
    conversation, action, url = asking
    Action.objects.filter(uuid=action.id).update(**{ended: timezone.now()})
    response = visitor.client.get(url, follow=True)
    assert response.redirect_chain == [(f"/chat/{conversation.uuid}/", 302)]
    assert "That button is no longer available." in response.content.decode()


def test_the_confirmation_page_is_404_for_anyone_else_or_any_other_id(
    visitor: Visitor, asking: Asking
) -> None:
    conversation, _, url = asking
    stranger = Visitor()
    stranger.start()
    assert stranger.client.get(url).status_code == 404
    other = ca.Action("x")
    send(stranger.start(), "theirs", [other])
    mixed = f"/chat/{conversation.uuid}/actions/{other.id}/confirm/"
    assert visitor.client.get(mixed).status_code == 404


def test_a_button_without_a_question_is_asked_plainly(visitor: Visitor) -> None:
    conversation = visitor.start()
    plain = ca.Action("p", "Plain")
    send(conversation, "x", [plain])
    html = visitor.client.get(f"/chat/{conversation.uuid}/actions/{plain.id}/confirm/")
    assert "Are you sure?" in html.content.decode()


def test_the_confirmation_page_of_a_disabled_button_says_it_is_gone(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = ca.Message(
        "x",
        actions=[ca.Action("cancel_delete", confirm="Sure?", disabled=True)],
        conversation=conversation,
    ).send_sync()
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/confirm/"
    response = visitor.client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == f"/chat/{conversation.uuid}/"
    assert "That button is no longer available." in response.content.decode()


# Drawn in Python, as the templates drew it --------------------------------------------------

#: The per-button template that ``{% chatactions_buttons %}`` replaced, kept to compare with.
OLD_ACTION_TEMPLATE = (
    "{% load chatactions %}"
    '<form class="ca-action-form" data-action-id="{{ action.uuid }}"'
    '{% if action.confirm %} method="get" action="{{ action.form_url }}"'
    ' data-confirm="{{ action.confirm }}"{% else %} method="post"'
    ' action="{{ action.form_url }}"{% endif %}{% if action.expires_at %}'
    " data-expires-at=\"{{ action.expires_at|date:'c' }}\"{% endif %}>"
    "{% if csrf_token and not action.confirm %}{% csrf_token %}{% endif %}"
    '<button class="ca-action ca-action--{{ action.variant }}" type="submit"'
    ' data-action="{{ action.name }}"{% if action.tooltip %} title="{{ action.tooltip }}"'
    ' aria-describedby="ca-tip-{{ action.uuid }}"{% endif %}{% if action.disabled %}'
    " disabled data-disabled{% endif %}>{% chatactions_icon action.icon %}"
    '<span class="ca-label">{{ action.label|default:action.name }}</span></button>'
    '{% if action.tooltip %}<span class="ca-visually-hidden" id="ca-tip-{{ action.uuid }}">'
    "{{ action.tooltip }}</span>{% endif %}</form>\n"
)
HOSTILE = "<script>\"x\"&'y'</script>"


class PreparedRow(Protocol):
    """A message row as ``Message.objects.live`` and ``rendering.prepare`` leave it."""

    live_actions: list[Action]
    ts: str
    time_iso: str
    time_hm: str


def live_row(
    conversation: Conversation, actions: Iterable[ca.Action] = (), *, prepared: bool
) -> Message:
    """A new message "x" with ``actions``, read back as the page reads it."""
    message = send(conversation, "x", actions)
    row = Message.objects.live(conversation).get(uuid=message.id)
    if prepared:
        rendering.prepare([row], conversation)
    return row


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("token", ["t0k3n", ""])
def test_buttons_are_the_html_the_per_button_template_drew(
    visitor: Visitor, settings: Settings, zone: str, token: str
) -> None:
    settings.TIME_ZONE = zone
    conversation = visitor.start()
    actions = [
        ca.Action("n" + HOSTILE, HOSTILE, icon="archive", variant="danger", tooltip=HOSTILE),
        ca.Action("b", "", confirm=HOSTILE, ttl=60, disabled=True),
        ca.Action("c", "C", variant="secondary"),
    ]
    row = cast(PreparedRow, live_row(conversation, actions, prepared=True))
    with timezone.override(zone):
        old = Template(OLD_ACTION_TEMPLATE)
        expected = "".join(
            old.render(Context({"action": a, "csrf_token": token})) for a in row.live_actions
        )
        drawn = Template(
            "{% load chatactions %}{% chatactions_buttons message.live_actions %}"
        ).render(Context({"message": row, "csrf_token": token}))
    assert drawn == expected
    assert "<script>" not in drawn


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_a_messages_times_are_what_the_date_filters_drew(
    settings: Settings, visitor: Visitor, zone: str
) -> None:
    settings.TIME_ZONE = zone
    conversation = visitor.start()
    row = cast(PreparedRow, live_row(conversation, prepared=True))
    filters = Template(
        "{{ m.created_at|date:'U' }}{{ m.created_at|date:'u' }}|{{ m.created_at|date:'c' }}|"
        "{{ m.created_at|time:'H:i' }}"
    )
    with timezone.override(zone):
        assert filters.render(Context({"m": row})) == f"{row.ts}|{row.time_iso}|{row.time_hm}"


def test_buttons_of_messages_not_prepared_say_what_to_do(visitor: Visitor) -> None:
    conversation = visitor.start()
    row = live_row(conversation, [ca.Action("go", "Go")], prepared=False)
    with pytest.raises(TypeError, match=r"rendering\.prepare\(rows, conversation\)"):
        Template("{% load chatactions %}{% chatactions_buttons m.live_actions %}").render(
            Context({"m": row})
        )
