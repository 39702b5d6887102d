"""A streamed story in real Chromium: it grows in every tab, survives a reload, and stops.

The demo's "tell me a story" on a real daphne, its words 30 ms apart. Without
Chromium the tests skip with the reason; under ``CI=true`` they fail.
``UPDATE_SCREENSHOTS=1`` writes the stream's screenshots to ``docs/img/``.
"""

# ruff: noqa: F811  (pytest hands the imported fixtures back as same-named arguments)
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from project.bot.story import STORY

from .servers import Daphne, sqlite_database
from .test_browser import (  # noqa: F401  (the fixtures)
    SETTINGS,
    Errors,
    browser,
    context,
    errors,
    page,
    say,
    screenshot,
    start,
)

with contextlib.suppress(ImportError):  # without it, the browser fixture says so
    from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

pytestmark = pytest.mark.live

STOPPED = "Stopped. Ask again whenever you like."


@pytest.fixture(scope="module")
def server() -> Iterator[Daphne]:
    with sqlite_database() as url:
        env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEMO_STORY_PAUSE": "0.03"}
        daphne = Daphne(env).start()
        yield daphne
        daphne.stop()


def story(tab: Page) -> Locator:
    return tab.locator(".ca-message--bot").nth(1)


def test_a_story_grows_in_two_tabs_then_is_drawn_as_markdown(
    context: BrowserContext, server: Daphne, errors: Errors, tmp_path: Path
) -> None:
    one = errors.watch(context.new_page())
    conversation = start(one, server)
    two = errors.watch(context.new_page())
    two.goto(f"{server.url}/chat/{conversation}/")
    expect(two.locator(".ca-chat")).to_have_attribute("data-state", "open")
    say(one, "tell me a story")
    for tab in (one, two):
        expect(tab.get_by_text("Assistant is working…")).to_be_visible()
        expect(story(tab)).to_have_attribute("data-stream", "streaming")
        expect(story(tab).locator(".ca-content")).to_contain_text("Once upon a time")
    # While it streams, the Markdown is shown as written, escaped.
    expect(story(one).locator(".ca-content")).to_contain_text("**small town**")
    one.get_by_label("Message", exact=True).blur()
    screenshot(one, "stream-light.png", tmp_path)
    one.emulate_media(color_scheme="dark")
    screenshot(one, "stream-dark.png", tmp_path)
    one.emulate_media(color_scheme="light")
    for tab in (one, two):
        expect(story(tab).locator(".ca-content strong")).to_have_text("small town", timeout=20_000)
        expect(tab.get_by_text("Assistant is working…")).to_be_hidden()
    texts = [story(tab).locator(".ca-content").inner_text() for tab in (one, two)]
    assert texts[0] == texts[1] and texts[0].rstrip().endswith("The end.")


def test_a_tab_reloaded_mid_stream_shows_the_text_so_far_then_the_rest(
    page: Page, server: Daphne, context: BrowserContext
) -> None:
    conversation = start(page, server)
    say(page, "tell me a story")
    expect(story(page).locator(".ca-content")).to_contain_text("lighthouse keeper")
    page.reload()
    expect(story(page)).to_have_attribute("data-stream", "streaming")
    expect(page.get_by_text("Assistant is working…")).to_be_visible()
    # While it streams, what the tab shows is always the story's start: nothing doubled.
    seen: list[int] = []
    for _ in range(15):
        shown = page.evaluate(
            "() => { const t = document.querySelector('[data-stream-text]');"
            " return t ? t.textContent : null; }"
        )
        if shown is None:
            break
        assert STORY.startswith(shown), shown
        seen.append(len(shown))
        page.wait_for_timeout(100)
    assert len(seen) > 3 and seen == sorted(seen) and seen[-1] > seen[0]  # it grew
    expect(story(page).locator(".ca-content strong")).to_have_text("small town", timeout=20_000)
    fresh = context.new_page()
    fresh.goto(f"{server.url}/chat/{conversation}/")
    assert story(page).inner_html() == story(fresh).inner_html()  # nothing doubled or lost


def test_stop_ends_the_story_with_what_it_has(page: Page, server: Daphne, tmp_path: Path) -> None:
    start(page, server)
    say(page, "tell me a story")
    expect(story(page).locator(".ca-content")).to_contain_text("lighthouse keeper")
    page.get_by_role("button", name="Stop").click()
    expect(story(page).locator(".ca-stream-note")).to_have_text("Stopped")
    expect(page.get_by_text("Assistant is working…")).to_be_hidden()
    expect(page.get_by_text(STOPPED)).to_be_visible()
    told = story(page).locator(".ca-content").inner_text()
    assert "The end." not in told
    page.wait_for_timeout(300)
    assert story(page).locator(".ca-content").inner_text() == told  # it grows no more
    screenshot(page, "stream-stopped-light.png", tmp_path)


def test_without_javascript_the_stop_button_is_a_form(browser: Browser, server: Daphne) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/chat/")
    page.get_by_label("Message", exact=True).fill("tell me a story")
    page.get_by_role("button", name="Send").click()  # answers once the story has ended
    expect(page.locator(".ca-message--bot").nth(1).locator("strong")).to_have_text("small town")
    expect(page.get_by_role("button", name="Stop")).to_be_hidden()  # nothing runs now
    context.close()
