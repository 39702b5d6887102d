"""Whatever a user or a callback writes is drawn as text; the page runs only its own script.

The page has no inline script, style or event handler, so a strict
Content-Security-Policy (the package's own on Django 5.2, the demo's ``SECURE_CSP``
on Django 6) forbids all of them: even markup that slipped through could not run.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from asgiref.sync import async_to_sync
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

import chatactions as ca
from chatactions.buttons import esc
from chatactions.models import Conversation

from .conftest import Callbacks, Chat, Visitor

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, styles, handlers, js: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        names = dict(attrs)
        # A JSON data block (the chat's translated strings) is never run: CSP leaves it be.
        if tag == "script" and not names.get("src") and names.get("type") != "application/json":
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{name}= handler on <{tag}>")
            if name == "style":
                self.found.append(f"style= attribute on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in {name}= on <{tag}>")


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def hostile_message(conversation: Conversation) -> ca.Message:
    message = ca.Message(
        HOSTILE,
        author=HOSTILE[:100],
        actions=[
            ca.Action(
                "x",
                label=HOSTILE,
                tooltip=HOSTILE,
                icon='"><script>alert(3)</script>',
                confirm=HOSTILE,
                variant="danger",
                disabled=True,
            )
        ],
        conversation=conversation,
    )
    return async_to_sync(message.send)()


def test_page_draws_hostile_content_author_label_tooltip_and_icon_as_text(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    hostile_message(conversation)
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert inline_code(html).found == []
    assert "<img" not in html and "alert(3)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_live_html_draws_hostile_content_as_text(chat: Chat) -> None:
    _, conversation, socket = chat
    await ca.Message(
        HOSTILE,
        author=HOSTILE[:100],
        actions=[ca.Action("x", HOSTILE, tooltip=HOSTILE, icon='"><script>')],
        conversation=conversation,
    ).send()
    frame = await socket.receive()
    assert inline_code(frame["html"]).found == []
    assert "<img" not in frame["html"] and "<script" not in frame["html"]
    assert frame["content"] == HOSTILE  # the JSON field is plain text, as sent


HOSTILE_MARKDOWN = """[click me](javascript:alert(1)) ![x](https://evil.example/x.png)
<a href="javascript:alert(2)">raw</a>

| left | right |
|:-----|------:|
| a    | b     |
"""


async def test_markdown_draws_no_script_url_image_or_inline_style(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": HOSTILE_MARKDOWN})
    html = frames[0]["html"]
    assert inline_code(html).found == []  # no javascript: URL in any attribute either
    assert "&lt;a href=" in html  # raw HTML is shown as text
    assert "<img" not in html and "<table>" in html  # the table is drawn, unstyled


async def test_users_own_hostile_message_is_echoed_as_text(chat: Chat) -> None:
    _, _, socket = chat
    frames, _ = await socket.request({"type": "message", "content": HOSTILE})
    assert inline_code(frames[0]["html"]).found == []
    assert "<img" not in frames[0]["html"]


def test_page_has_no_inline_script_style_or_handler(visitor: Visitor) -> None:
    conversation = visitor.start()
    async_to_sync(
        ca.Message(
            "with buttons",
            actions=[ca.Action("a", "A", tooltip="t", icon="trash", confirm="Sure?")],
            conversation=conversation,
        ).send
    )()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    parsed = inline_code(html)
    assert parsed.found == []
    assert "script" in parsed.tags  # the page does load chat.js, from a file


def test_notice_shown_after_a_form_click_is_escaped(
    visitor: Visitor, callbacks: Callbacks
) -> None:
    conversation = visitor.start()

    @callbacks("noisy")
    def noisy(action: ca.Action) -> str:
        return HOSTILE  # a callback's notice: a flash message for no-JavaScript users

    message = ca.Message("x", actions=[ca.Action("noisy")], conversation=conversation)
    async_to_sync(message.send)()
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    html = visitor.client.post(url, follow=True).content.decode()
    assert "&lt;script&gt;alert(1)" in html
    assert inline_code(html).found == [] and "<img" not in html


def test_demo_page_carries_a_strict_content_security_policy(visitor: Visitor) -> None:
    conversation = visitor.start()
    response = visitor.client.get(f"/chat/{conversation.uuid}/")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "value", [HOSTILE, mark_safe("<b>kept</b>"), gettext_lazy("<lazy> & 'q'"), 42, ""]
)
def test_buttons_escape_exactly_as_django_does(value: str) -> None:
    assert esc(value) == conditional_escape(value)
