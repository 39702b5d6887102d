"""The chat in a real browser: Debian's Chromium, driven by Playwright, on a real daphne.

One Chromium serves the whole module and one daphne most of it; each test
opens its own browser context (its own cookies, so its own visitor). The
server runs ``tests.browser_site.settings``: the demo with a gallery of
buttons and a strict Content-Security-Policy.

Without Chromium the tests skip with the reason; under ``CI=true`` they fail.
``UPDATE_SCREENSHOTS=1`` writes the screenshots to ``docs/img/`` for docs/ui.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .servers import ROOT, Daphne, free_port, manage, missing_service, sqlite_database

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live

try:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        Page,
        ViewportSize,
        WebSocketRoute,
        expect,
        sync_playwright,
    )
except ImportError:  # pragma: no cover - a laptop without the dev extra
    sync_playwright = None  # type: ignore[assignment]  # the browser fixture says it is missing

SETTINGS = "tests.browser_site.settings"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT: ViewportSize = {"width": 880, "height": 640}

GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."
QUESTION = "Are you sure you want to delete your data?"
DELETED = "Okay, deleting 'important_data.txt' for user123... (Not really!)"
CANCELLED = "Deletion cancelled."
SORRY = "Sorry, I didn't understand that. Try 'delete my data'."

# Records what the strict CSP blocked; an init script runs before the page's own.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        missing_service("Chromium is not installed (apt-get install chromium)")
    if sync_playwright is None:
        missing_service("Playwright is not installed (pip install -e '.[dev]')")
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server() -> Iterator[Daphne]:
    with sqlite_database() as url:
        daphne = Daphne({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}).start()
        yield daphne
        daphne.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A visitor: its own cookies, JavaScript on."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(WATCH_CSP)
    yield context
    context.close()


class Errors:
    """Uncaught exceptions of the pages a test opened: there must be none."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.seen.append(str(error)))
        return page


@pytest.fixture
def errors() -> Iterator[Errors]:
    watcher = Errors()
    yield watcher
    assert watcher.seen == []


@pytest.fixture
def page(context: BrowserContext, errors: Errors) -> Page:
    return errors.watch(context.new_page())


# Helpers -----------------------------------------------------------------------------


def start(page: Page, server: Daphne) -> str:
    """Open a new conversation and wait for its live socket; returns its id.

    A first visit to ``/chat/`` starts one; after that it opens the latest, so a
    visitor who already chatted presses "New chat" as a person would.
    """
    chatted = any(c["name"] == "sessionid" for c in page.context.cookies())
    page.goto(f"{server.url}/chat/")
    if chatted:
        latest = page.url
        page.get_by_role("button", name="New chat").click()
        page.wait_for_url(lambda url: url != latest)
    expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def open_chat(page: Page, server: Daphne, conversation: str, *, live: bool = True) -> None:
    page.goto(f"{server.url}/chat/{conversation}/")
    if live:
        expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def contents(page: Page) -> Any:
    return page.locator(".ca-message .ca-content")


def button(page: Page, name: str) -> Any:
    return page.locator(".ca-actions").get_by_role("button", name=name, exact=True)


def notices(page: Page) -> Any:
    return page.locator(".ca-notice")


def assert_no_csp_violations(page: Page) -> None:
    assert page.evaluate("window.__cspViolations") == []


def screenshot(page: Page, name: str, tmp_path: Path, **options: Any) -> Path:
    folder = ROOT / "docs" / "img" if os.environ.get("UPDATE_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path), animations="disabled", **options)
    return path


# The chapter's flow -------------------------------------------------------------------


def test_the_chapters_flow_by_typing_and_clicking(page: Page, server: Daphne) -> None:
    start(page, server)
    expect(contents(page)).to_have_text([GREETING])

    say(page, "delete my data")
    expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION])
    expect(page.locator(".ca-actions button")).to_have_text(["Confirm Deletion", "Cancel"])

    button(page, "Confirm Deletion").click()
    expect(contents(page).last).to_have_text(DELETED)
    expect(button(page, "Confirm Deletion")).to_have_count(0)

    button(page, "Cancel").click()
    expect(contents(page).last).to_have_text(CANCELLED)
    expect(page.locator(".ca-actions")).to_have_count(0)

    say(page, "What can you do?")
    expect(contents(page)).to_have_text(
        [GREETING, "delete my data", QUESTION, DELETED, CANCELLED, "What can you do?", SORRY]
    )
    assert_no_csp_violations(page)


def test_reload_keeps_messages_and_live_buttons_and_a_removed_button_stays_removed(
    page: Page, server: Daphne
) -> None:
    start(page, server)
    say(page, "delete my data")
    button(page, "Confirm Deletion").click()
    expect(contents(page).last).to_have_text(DELETED)

    page.reload()
    expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION, DELETED])
    expect(page.locator(".ca-actions button")).to_have_text(["Cancel"])
    button(page, "Cancel").click()
    expect(contents(page).last).to_have_text(CANCELLED)


def test_two_pages_on_one_conversation_update_each_other(
    context: BrowserContext, server: Daphne, errors: Errors
) -> None:
    one, two = errors.watch(context.new_page()), errors.watch(context.new_page())
    conversation = start(one, server)
    open_chat(two, server, conversation)

    say(one, "delete my data")
    expect(contents(two)).to_have_text([GREETING, "delete my data", QUESTION])

    button(two, "Cancel").click()
    for page in (one, two):
        expect(contents(page).last).to_have_text(CANCELLED)
        expect(page.locator(".ca-actions button")).to_have_text(["Confirm Deletion"])
        expect(contents(page)).to_have_count(4)  # each message once


# Clicks: loading state, notices, refusals ---------------------------------------------


def test_a_click_shows_a_spinner_until_its_ack_and_a_second_click_elsewhere_is_busy(
    context: BrowserContext, server: Daphne, errors: Errors, tmp_path: Path
) -> None:
    one, two = errors.watch(context.new_page()), errors.watch(context.new_page())
    conversation = start(one, server)
    one.goto(f"{server.url}/gallery/{conversation}/")
    open_chat(two, server, conversation)

    slow_one = button(one, "Slow task")
    slow_one.click()
    expect(slow_one).to_have_attribute("aria-busy", "true")

    button(one, "Save draft").click()  # other buttons stay usable meanwhile
    expect(notices(one)).to_have_text(["Draft saved."])
    screenshot(one, "busy-light.png", tmp_path)

    slow_two = button(two, "Slow task")
    slow_two.click()
    expect(notices(two)).to_have_text(["That action is already running."])
    expect(slow_two).not_to_have_attribute("aria-busy", "true")
    expect(slow_two).to_be_enabled()
    expect(slow_one).to_have_attribute("aria-busy", "true")  # still running

    button(two, "Release").click()
    expect(notices(one).last).to_have_text("Slow task finished.")
    expect(slow_one).not_to_have_attribute("aria-busy", "true")
    expect(slow_one).to_be_enabled()


def test_a_returned_string_is_a_notice_and_an_error_gives_the_button_back(
    page: Page, server: Daphne
) -> None:
    conversation = start(page, server)
    page.goto(f"{server.url}/gallery/{conversation}/")

    button(page, "Save draft").click()
    expect(notices(page)).to_have_text(["Draft saved."])
    expect(notices(page)).to_have_count(0)  # transient

    button(page, "Break").click()
    expect(notices(page)).to_have_text(["Something went wrong."])
    expect(button(page, "Break")).to_be_enabled()
    assert_no_csp_violations(page)


def test_a_stale_button_answers_gone_and_turns_itself_off(
    context: BrowserContext, server: Daphne, errors: Errors
) -> None:
    stale, other = errors.watch(context.new_page()), errors.watch(context.new_page())

    def drop_button_removals(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()
        upstream.on_message(lambda text: None if '"action.remove"' in str(text) else ws.send(text))

    stale.route_web_socket(re.compile(r".*/ws/chat/.*"), drop_button_removals)
    conversation = start(stale, server)
    say(stale, "delete my data")
    expect(button(stale, "Confirm Deletion")).to_be_visible()

    open_chat(other, server, conversation)
    button(other, "Confirm Deletion").click()
    expect(contents(stale).last).to_have_text(DELETED)

    button(stale, "Confirm Deletion").click()
    expect(notices(stale)).to_have_text(["That button is no longer available."])
    expect(button(stale, "Confirm Deletion")).to_be_disabled()


def test_a_rate_limited_click_says_so_and_gives_the_button_back(
    page: Page, server: Daphne
) -> None:
    def refuse_clicks(ws: WebSocketRoute) -> None:
        upstream = ws.connect_to_server()

        def from_page(text: str | bytes) -> None:
            frame = json.loads(text)
            if frame["type"] != "action":
                upstream.send(text)
                return
            refused = {"type": "ack", "ref": frame["ref"], "status": "rate_limited"}
            ws.send(json.dumps({**refused, "detail": "Too many frames; slow down."}))

        ws.on_message(from_page)

    page.route_web_socket(re.compile(r".*/ws/chat/.*"), refuse_clicks)
    start(page, server)
    say(page, "delete my data")
    button(page, "Cancel").click()
    expect(notices(page)).to_have_text(["Too many requests; wait a moment and try again."])
    expect(button(page, "Cancel")).to_be_enabled()
    expect(button(page, "Cancel")).not_to_have_attribute("aria-busy", "true")


def test_a_tab_reloads_when_its_session_ends_and_shows_the_chat_as_the_new_session_sees_it(
    context: BrowserContext, server: Daphne, errors: Errors
) -> None:
    manage(
        {"DATABASE_URL": server.env["DATABASE_URL"], "DJANGO_SUPERUSER_PASSWORD": "pw"},
        *("createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.com"),
    )
    chat = errors.watch(context.new_page())
    start(chat, server)
    say(chat, "hello")
    expect(contents(chat).last).to_have_text(SORRY)
    chat.evaluate("window.__sameDocument = true")
    login = errors.watch(context.new_page())  # another tab of the same browser logs in
    login.goto(f"{server.url}/admin/login/?next=/admin/")
    login.get_by_label("Username").fill("ada")
    login.get_by_label("Password").fill("pw")
    with chat.expect_event("load"):  # the socket closed with 4401: chat.js reloads
        login.get_by_role("button", name="Log in").click()
    assert chat.evaluate("window.__sameDocument") is None
    expect(chat.locator(".ca-chat")).to_have_attribute("data-state", "open")
    expect(contents(chat)).to_have_text([GREETING, "hello", SORRY])  # now the user's chat


def test_edits_and_removals_of_a_message_reach_every_tab(
    context: BrowserContext, server: Daphne, errors: Errors
) -> None:
    one, two = errors.watch(context.new_page()), errors.watch(context.new_page())
    conversation = start(one, server)
    one.goto(f"{server.url}/editable/{conversation}/")
    open_chat(two, server, conversation)
    expect(contents(two).last).to_have_text("This message will change.")

    button(one, "Edit").click()
    for page in (one, two):
        expect(contents(page).last).to_have_text("This message was edited.")
        expect(page.locator(".ca-content strong")).to_have_text(["edited"])
        expect(page.locator(".ca-actions button")).to_have_text(["Delete"])

    button(two, "Delete").click()
    for page in (one, two):
        expect(contents(page)).to_have_text([GREETING])


# Buttons: variant, icon, tooltip, disabled, confirm -------------------------------------


def test_buttons_draw_their_variant_icon_tooltip_and_disabled_state(
    page: Page, server: Daphne
) -> None:
    conversation = start(page, server)
    page.goto(f"{server.url}/gallery/{conversation}/")

    save = button(page, "Save draft")
    expect(save).to_have_attribute("title", "Saves a draft")
    expect(save).to_have_accessible_description("Saves a draft")
    expect(save.locator("svg.ca-icon")).to_have_count(1)
    expect(button(page, "Archive")).to_have_class(re.compile(r"\bca-action--danger\b"))
    expect(button(page, "Slow task")).to_have_class(re.compile(r"\bca-action--secondary\b"))
    expect(button(page, "Locked")).to_be_disabled()
    expect(page.locator(".ca-actions svg.ca-icon")).to_have_count(6)


def test_a_confirm_button_asks_in_a_dialog_and_only_yes_sends_the_click(
    page: Page, server: Daphne
) -> None:
    conversation = start(page, server)
    page.goto(f"{server.url}/gallery/{conversation}/")
    dialog = page.get_by_role("dialog", name="Archive this conversation?")

    button(page, "Archive").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(button(page, "Archive")).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(contents(page).last).to_have_text("Every kind of button:")

    button(page, "Archive").click()
    dialog.get_by_role("button", name="Archive").click()
    expect(contents(page).last).to_have_text("Archived.")


def test_a_button_turns_itself_off_when_it_expires(page: Page, server: Daphne) -> None:
    conversation = start(page, server)
    page.goto(f"{server.url}/expiring/{conversation}/")
    expect(contents(page).last).to_have_text("This offer expires soon.")
    expect(button(page, "Take the offer")).to_be_disabled()


# Without JavaScript -------------------------------------------------------------------


def test_without_javascript_the_same_flow_works_through_forms(
    browser: Browser, server: Daphne, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/chat/")
        expect(contents(page)).to_have_text([GREETING])
        expect(page.locator(".ca-connection")).to_be_hidden()

        say(page, "delete my data")
        expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION])
        button(page, "Confirm Deletion").click()
        expect(contents(page).last).to_have_text(DELETED)
        expect(page.locator(".ca-actions button")).to_have_text(["Cancel"])
        button(page, "Cancel").click()
        expect(contents(page).last).to_have_text(CANCELLED)
        say(page, "hello")
        expect(contents(page)).to_have_text(
            [GREETING, "delete my data", QUESTION, DELETED, CANCELLED, "hello", SORRY]
        )

        conversation = page.url.rstrip("/").rsplit("/", 1)[-1]
        page.goto(f"{server.url}/gallery/{conversation}/")
        button(page, "Save draft").click()
        expect(notices(page)).to_have_text(["Draft saved."])

        button(page, "Archive").click()  # a confirmation page instead of a dialog
        expect(page.get_by_role("heading", name="Archive this conversation?")).to_be_visible()
        screenshot(page, "confirm-page-light.png", tmp_path)
        page.get_by_role("link", name="Cancel").click()
        expect(contents(page).last).to_have_text("Every kind of button:")
        button(page, "Archive").click()
        page.get_by_role("button", name="Archive").click()
        expect(contents(page).last).to_have_text("Archived.")
    finally:
        context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_link_from_another_site_starts_nothing_until_the_visitor_clicks_start(
    browser: Browser, server: Daphne, javascript: bool
) -> None:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript)
    try:
        page = context.new_page()
        # Another site's page, linking to the chat: Chromium marks the visit cross-site.
        page.route(
            "http://elsewhere.example/",
            lambda route: route.fulfill(
                content_type="text/html", body=f'<a href="{server.url}/chat/">Chat with us</a>'
            ),
        )
        page.goto("http://elsewhere.example/")
        page.get_by_role("link", name="Chat with us").click()
        expect(page.get_by_role("heading", name="Start a chat")).to_be_visible()
        assert page.url == f"{server.url}/chat/"
        assert "sessionid" not in {c["name"] for c in context.cookies(server.url)}
        page.get_by_role("button", name="Start a chat").click()
        expect(contents(page)).to_have_text([GREETING])
        if javascript:
            expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    finally:
        context.close()


# A dropped connection -------------------------------------------------------------------


def test_the_page_reconnects_after_a_restart_and_shows_what_was_said_meanwhile(
    browser: Browser, tmp_path: Path
) -> None:
    with sqlite_database() as url:
        env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
        port = free_port()
        first, other = Daphne(env, port=port).start(), Daphne(env).start()
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page, elsewhere = context.new_page(), context.new_page()
            conversation = start(page, first)
            say(page, "delete my data")
            expect(button(page, "Cancel")).to_be_enabled()

            first.stop()
            expect(page.locator(".ca-chat")).to_have_attribute("data-state", "closed")
            expect(page.get_by_text("Connection lost.")).to_be_visible()
            expect(button(page, "Cancel")).to_be_disabled()
            expect(page.get_by_role("button", name="Send")).to_be_disabled()
            screenshot(page, "reconnecting-light.png", tmp_path)

            # Meanwhile the same visitor goes on in another tab, on another process.
            open_chat(elsewhere, other, conversation)
            button(elsewhere, "Cancel").click()
            expect(contents(elsewhere).last).to_have_text(CANCELLED)
            say(elsewhere, "are you still there?")
            expect(contents(elsewhere).last).to_have_text(SORRY)

            first = Daphne(env, port=port).start()
            expect(page.locator(".ca-chat")).to_have_attribute(
                "data-state", "open", timeout=30_000
            )
            expect(page.get_by_text("Connection lost.")).to_be_hidden()
            expect(contents(page)).to_have_text(
                [GREETING, "delete my data", QUESTION, CANCELLED, "are you still there?", SORRY]
            )
            expect(page.locator(".ca-actions button")).to_have_text(["Confirm Deletion"])
            button(page, "Confirm Deletion").click()
            expect(contents(page).last).to_have_text(DELETED)
        finally:
            context.close()
            first.stop()
            other.stop()


# What each message shows, as a person sees it: its id, its text, its buttons' ids.
DRAWN = """() => Array.from(document.querySelectorAll("[data-message-id]")).map((m) => [
  m.dataset.messageId,
  m.querySelector(".ca-content").textContent.trim(),
  Array.from(m.querySelectorAll("[data-action-id]")).map((f) => f.dataset.actionId),
])"""


def drawn_when_settled(page: Page, expected: Any, seconds: float = 15) -> Any:
    """The page's messages once they equal ``expected``, or as they are after ``seconds``."""
    for _ in range(int(seconds * 10)):
        shown = page.evaluate(DRAWN)
        if shown == expected:
            break
        page.wait_for_timeout(100)
    return shown


def test_a_tab_that_was_offline_syncs_to_exactly_what_a_fresh_load_shows(browser: Browser) -> None:
    """Two tabs; one loses its socket while the other edits, removes and clicks; small pages."""
    with sqlite_database() as url:
        env = {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "CHATACTIONS_SYNC_LIMIT": "2",
        }
        server = Daphne(env).start()
        context = browser.new_context(viewport=VIEWPORT)
        offline = [False]
        sockets: list[WebSocketRoute] = []

        def cuttable(ws: WebSocketRoute) -> None:
            if offline[0]:  # the socket opens to no server, and closes at once
                ws.close()
                return
            sockets.append(ws)
            ws.connect_to_server()

        try:
            away, other = context.new_page(), context.new_page()
            away.route_web_socket(re.compile(r".*/ws/chat/.*"), cuttable)
            conversation = start(away, server)
            say(away, "delete my data")
            expect(button(away, "Cancel")).to_be_enabled()
            other.goto(f"{server.url}/editable/{conversation}/")
            expect(contents(away).last).to_have_text("This message will change.")

            offline[0] = True
            for ws in sockets:
                ws.close()
            expect(away.locator(".ca-chat")).to_have_attribute("data-state", "closed")

            button(other, "Edit").click()  # an older message edited
            expect(button(other, "Delete")).to_be_visible()
            button(other, "Cancel").click()  # a button of an older question removed
            expect(contents(other).last).to_have_text(CANCELLED)
            say(other, "delete my data")
            expect(button(other, "Confirm Deletion").last).to_be_enabled()
            button(other, "Delete").click()  # an older message removed
            say(other, "are you still there?")
            expect(contents(other).last).to_have_text(SORRY)

            fresh = context.new_page()
            open_chat(fresh, server, conversation)
            expected = fresh.evaluate(DRAWN)
            assert len(expected) == 8 and len({m for m, _, _ in expected}) == 8

            assert away.evaluate(DRAWN) != expected
            offline[0] = False  # its next reconnect reaches the server, and syncs
            assert drawn_when_settled(away, expected) == expected
            assert away.evaluate(DRAWN) == other.evaluate(DRAWN) == expected

            away.reload()
            expect(away.locator(".ca-chat")).to_have_attribute("data-state", "open")
            assert drawn_when_settled(away, expected) == expected
        finally:
            context.close()
            server.stop()


# Keyboard and screen readers ----------------------------------------------------------------


def focused_label(page: Page) -> str:
    return str(page.evaluate("document.activeElement.innerText || document.activeElement.name"))


def test_keyboard_only_tab_to_a_button_and_enter_clicks_it(page: Page, server: Daphne) -> None:
    start(page, server)
    box = page.get_by_label("Message", exact=True)
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "content":
            break
    expect(box).to_be_focused()
    page.keyboard.type("delete my data")
    page.keyboard.press("Enter")
    expect(button(page, "Cancel")).to_be_visible()

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    confirm = button(page, "Confirm Deletion")
    expect(confirm).to_be_focused()
    outline = confirm.evaluate(
        "b => getComputedStyle(b).outlineStyle + ' ' + getComputedStyle(b).outlineWidth"
    )
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline

    page.keyboard.press("Enter")
    expect(contents(page).last).to_have_text(DELETED)
    expect(button(page, "Cancel")).to_be_focused()  # focus moves on when a button goes
    page.keyboard.press("Enter")
    expect(contents(page).last).to_have_text(CANCELLED)
    expect(box).to_be_focused()


def test_new_messages_are_announced_and_the_newest_is_in_view(page: Page, server: Daphne) -> None:
    start(page, server)
    log = page.get_by_role("log", name="Messages")
    expect(log).to_have_attribute("aria-live", "polite")
    for n in range(6):
        say(page, f"message {n}")
        expect(contents(page)).to_have_count(3 + 2 * n)
    expect(contents(page).last).to_have_text(SORRY)
    expect(contents(page).last).to_be_in_viewport()
    expect(contents(page).first).not_to_be_in_viewport()


# Embedding and theming ----------------------------------------------------------------------


def test_the_template_tags_embed_a_working_chat_in_any_page(page: Page, server: Daphne) -> None:
    conversation = start(page, server)
    page.goto(f"{server.url}/embed/{conversation}/")
    expect(page.get_by_role("heading", name="Order #1234")).to_be_visible()
    expect(page.get_by_role("heading", name="Support")).to_be_visible()
    expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    say(page, "delete my data")
    button(page, "Cancel").click()
    expect(contents(page).last).to_have_text(CANCELLED)
    assert_no_csp_violations(page)


def test_screenshots_of_the_demo_in_light_and_dark(
    page: Page, server: Daphne, tmp_path: Path
) -> None:
    conversation = start(page, server)
    say(page, "delete my data")
    expect(button(page, "Cancel")).to_be_visible()
    page.get_by_label("Message", exact=True).blur()
    chat = page.locator(".ca-chat")
    light = chat.evaluate("c => getComputedStyle(c).backgroundColor")
    screenshot(page, "chat-light.png", tmp_path)

    page.emulate_media(color_scheme="dark")
    dark = chat.evaluate("c => getComputedStyle(c).backgroundColor")
    assert (light, dark) == ("rgb(255, 255, 255)", "rgb(18, 22, 28)")
    screenshot(page, "chat-dark.png", tmp_path)
    page.evaluate("document.documentElement.dataset.caTheme = 'light'")  # a site forces light
    assert chat.evaluate("c => getComputedStyle(c).backgroundColor") == light
    page.evaluate("delete document.documentElement.dataset.caTheme")

    page.goto(f"{server.url}/gallery/{conversation}/")
    screenshot(page, "buttons-dark.png", tmp_path)
    page.emulate_media(color_scheme="light")
    button(page, "Archive").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    screenshot(page, "confirm-light.png", tmp_path)
    page.keyboard.press("Escape")


# Conversations to come back to ----------------------------------------------------------------


def test_history_open_rename_delete_and_come_back_to_an_old_conversation(
    page: Page, server: Daphne, tmp_path: Path
) -> None:
    old = start(page, server)
    say(page, "delete my data")
    expect(button(page, "Cancel")).to_be_visible()
    newer = start(page, server)
    assert newer != old
    say(page, "hello")
    expect(contents(page).last).to_have_text(SORRY)

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Your conversations")).to_be_visible()
    titles = page.locator(".ca-history-title")
    expect(titles).to_have_text(["hello", "delete my data"])  # newest activity first

    first = page.locator(".ca-history-item").first
    first.get_by_text("Rename").click()
    first.get_by_label("New title").fill("Small talk")
    first.get_by_role("button", name="Save").click()
    expect(titles).to_have_text(["Small talk", "delete my data"])
    screenshot(page, "history-light.png", tmp_path)

    page.get_by_role("button", name="Delete “Small talk”").click()
    expect(page.locator(".ca-notice")).to_have_text(["Conversation deleted."])
    expect(titles).to_have_text(["delete my data"])

    page.get_by_role("link", name="delete my data").click()
    expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    assert page.url.endswith(f"/chat/{old}/")
    expect(contents(page)).to_have_text([GREETING, "delete my data", QUESTION])
    button(page, "Cancel").click()  # its buttons still work
    expect(contents(page).last).to_have_text(CANCELLED)
    page.goto(f"{server.url}/chat/")  # a second visit opens it again, not a new one
    assert page.url.endswith(f"/chat/{old}/")
    assert_no_csp_violations(page)
