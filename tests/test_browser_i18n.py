"""The chat in French and in Arabic, in Chromium: translated, and mirrored right to left.

The browser asks for its language as a visitor's would (``Accept-Language``
from the context's locale); the demo's ``LocaleMiddleware`` picks it. The
fixtures are ``test_browser``'s: the same daphne, strict CSP and Chromium.
``UPDATE_SCREENSHOTS=1`` writes ``docs/img/chat-fr.png`` and ``chat-rtl-ar.png``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .test_browser import (  # noqa: F401  (fixtures, used by name)
    GREETING,
    QUESTION,
    VIEWPORT,
    WATCH_CSP,
    assert_no_csp_violations,
    browser,
    button,
    contents,
    errors,
    notices,
    say,
    screenshot,
    server,
    start,
)

with contextlib.suppress(ImportError):  # without it, the browser fixture says so
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

    from .servers import Daphne
    from .test_browser import Errors

pytestmark = pytest.mark.live


def visitor_in(chromium: Browser, locale: str) -> Iterator[BrowserContext]:
    """A visitor whose browser asks for ``locale`` first."""
    context = chromium.new_context(viewport=VIEWPORT, locale=locale)
    context.add_init_script(WATCH_CSP)
    yield context
    context.close()


@pytest.fixture
def french(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    yield from visitor_in(browser, "fr-FR")


@pytest.fixture
def arabic(browser: Browser) -> Iterator[BrowserContext]:  # noqa: F811
    yield from visitor_in(browser, "ar")


def box(page: Page, selector: str) -> dict[str, Any]:
    found = page.locator(selector).last.bounding_box()
    assert found is not None, selector
    return dict(found)


def sides(page: Page) -> dict[str, float]:
    """Where the parts that should mirror sit, as x positions of their left edges."""
    return {
        "user": box(page, ".ca-message--user .ca-bubble")["x"],
        "bot": box(page, ".ca-message--bot .ca-bubble")["x"],
        "avatar": box(page, ".ca-message--bot .ca-avatar")["x"],
        "input": box(page, ".ca-input")["x"],
        "send": box(page, ".ca-send")["x"],
    }


def test_the_chat_in_french(
    french: BrowserContext,
    server: Daphne,  # noqa: F811
    errors: Errors,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = errors.watch(french.new_page())
    conversation = start(page, server)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.locator(".ca-connection")).to_have_text("En direct")  # from the page's strings
    expect(page.get_by_placeholder("Écrivez un message…")).to_be_visible()
    expect(page.get_by_role("button", name="Envoyer")).to_be_visible()

    say(page, "delete my data")
    expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION])
    at = sides(page)
    assert at["user"] > at["bot"] and at["avatar"] < at["bot"] and at["send"] > at["input"]
    page.get_by_label("Message", exact=True).blur()
    screenshot(page, "chat-fr.png", tmp_path)

    page.goto(f"{server.url}/gallery/{conversation}/")
    button(page, "Break").click()
    expect(notices(page)).to_have_text(["Une erreur s’est produite."])  # the server's detail
    button(page, "Archive").click()
    dialog = page.get_by_role("dialog", name="Archive this conversation?")
    expect(dialog.get_by_role("button", name="Annuler")).to_be_focused()
    page.keyboard.press("Escape")
    assert_no_csp_violations(page)


def test_the_chat_in_arabic_runs_right_to_left(
    arabic: BrowserContext,
    server: Daphne,  # noqa: F811
    errors: Errors,  # noqa: F811
    tmp_path: Path,
) -> None:
    page = errors.watch(arabic.new_page())
    start(page, server)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator(".ca-chat")).to_have_attribute("dir", "rtl")
    expect(page.locator(".ca-connection")).to_have_text("متصل")
    expect(page.get_by_role("button", name="إرسال")).to_be_visible()

    message_box = page.get_by_label("الرسالة", exact=True)
    message_box.fill("delete my data")
    message_box.press("Enter")
    expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION])
    at = sides(page)
    # Mirrored: the user's bubble on the left, the bot's avatar right of its bubble,
    # and the send button left of the message box.
    assert at["user"] < at["bot"] and at["avatar"] > at["bot"] and at["send"] < at["input"]
    log = box(page, ".ca-log")
    assert box(page, ".ca-message--user .ca-bubble")["x"] - log["x"] < 40
    bot = box(page, ".ca-message--bot .ca-bubble")
    assert log["x"] + log["width"] - (bot["x"] + bot["width"]) < 80  # avatar and padding
    # An English message keeps its own direction inside the mirrored chat (dir="auto").
    assert contents(page).last.evaluate("e => getComputedStyle(e).direction") == "ltr"
    expect(button(page, "Cancel")).to_be_visible()
    message_box.blur()
    screenshot(page, "chat-rtl-ar.png", tmp_path)
    assert_no_csp_violations(page)
