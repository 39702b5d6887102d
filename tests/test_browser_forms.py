"""Forms in a real browser: filled in by label, submitted by role, with and without JavaScript.

The demo's "ship my order" asks its ``ShippingForm``; "what is your name?" waits
for a typed answer. ``UPDATE_SCREENSHOTS=1`` writes the form's screenshots to
``docs/img/``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from .servers import Daphne
from .test_browser import (  # noqa: F401  (fixtures: one Chromium and one daphne per module)
    VIEWPORT,
    Errors,
    assert_no_csp_violations,
    browser,
    contents,
    context,
    errors,
    open_chat,
    page,
    say,
    screenshot,
    server,
    start,
)

with contextlib.suppress(ImportError):  # a laptop without the dev extra: test_browser skips
    from playwright.sync_api import Browser, BrowserContext, Page, expect

# Real servers and a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live

QUESTION = "Where should we ship it?"
SUMMARY = "Order 42: express to 1 Main St on 15 January 2030, with card."


def fill_in(page: Page, address: str = "1 Main St") -> None:
    page.get_by_label("Address").fill(address)
    page.get_by_label("Speed").select_option(label="Express")
    page.get_by_label("Card").check()
    page.get_by_label("When").fill("2030-01-15")


def ship(page: Page) -> None:
    page.get_by_role("button", name="Ship", exact=True).click()


def test_fill_in_and_submit_then_the_summary_and_its_buttons(page: Page, server: Daphne) -> None:
    start(page, server)
    say(page, "ship my order")
    expect(contents(page).last).to_have_text(QUESTION)
    expect(page.get_by_label("Speed")).to_have_value("standard")  # the form's initial
    fill_in(page)
    ship(page)
    expect(contents(page).last).to_have_text(SUMMARY)
    expect(page.locator(".ca-form")).to_have_count(0)
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_label("Address")).to_have_value("1 Main St")  # the previous answers
    expect(page.get_by_label("Speed")).to_have_value("express")
    expect(page.get_by_label("Card")).to_be_checked()
    assert_no_csp_violations(page)


def test_errors_then_fixed_with_the_keyboard(page: Page, server: Daphne, tmp_path: Path) -> None:
    start(page, server)
    say(page, "ship my order")
    expect(page.get_by_label("Address")).to_be_visible()
    page.get_by_label("When").fill("2001-01-01")
    ship(page)
    address = page.get_by_label("Address")
    expect(address).to_be_focused()  # the first invalid field
    expect(address).to_have_attribute("aria-invalid", "true")
    expect(page.locator(f"#{address.get_attribute('aria-describedby')}")).to_have_text(
        "This field is required."
    )
    expect(page.get_by_text("Pick today or a later day.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_text("Please correct the errors below.")
    expect(page.get_by_label("When")).to_have_value("2001-01-01")  # the values are kept
    screenshot(page, "form-errors-light.png", tmp_path)
    address.type("1 Main St")
    page.get_by_label("Speed").select_option(label="Express")
    page.get_by_label("Card").check()
    page.get_by_label("When").fill("2030-01-15")
    page.get_by_label("When").press("Enter")  # submit with the keyboard alone
    expect(contents(page).last).to_have_text(SUMMARY)


def test_two_tabs_the_form_leaves_both_and_errors_stay_in_one(
    context: BrowserContext, server: Daphne, errors: Errors
) -> None:
    one, two = errors.watch(context.new_page()), errors.watch(context.new_page())
    conversation = start(one, server)
    open_chat(two, server, conversation)
    say(one, "ship my order")
    expect(two.get_by_label("Address")).to_be_visible()
    ship(one)
    expect(one.get_by_text("This field is required.").first).to_be_visible()
    expect(two.get_by_text("This field is required.")).to_have_count(0)
    fill_in(two)
    ship(two)
    expect(contents(one).last).to_have_text(SUMMARY)
    expect(one.locator(".ca-form")).to_have_count(0)
    expect(two.locator(".ca-form")).to_have_count(0)


@pytest.fixture
def no_js(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    yield context
    context.close()


def test_without_javascript_the_page_comes_back_bound_then_the_answer(
    no_js: BrowserContext, server: Daphne
) -> None:
    page = no_js.new_page()
    page.goto(f"{server.url}/chat/")
    say(page, "ship my order")
    expect(contents(page).last).to_have_text(QUESTION)
    page.get_by_label("When").fill("2030-01-15")
    ship(page)
    expect(page.get_by_text("This field is required.").first).to_be_visible()
    expect(page.get_by_label("Address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("When")).to_have_value("2030-01-15")
    fill_in(page)
    ship(page)
    expect(contents(page).last).to_have_text(SUMMARY)
    expect(page.locator(".ca-form")).to_have_count(0)


def test_what_is_your_name_waits_for_the_typed_answer(page: Page, server: Daphne) -> None:
    start(page, server)
    say(page, "what is your name?")
    expect(contents(page).last).to_have_text("What is your name?")
    say(page, "Ada")
    expect(contents(page).last).to_have_text("Nice to meet you, Ada!")


def test_screenshots_of_the_form_in_light_and_dark(
    page: Page, server: Daphne, tmp_path: Path
) -> None:
    start(page, server)
    say(page, "ship my order")
    expect(page.get_by_label("Address")).to_be_visible()
    page.get_by_label("Address").fill("1 Main St")
    page.get_by_label("Card").check()
    screenshot(page, "form-light.png", tmp_path)
    page.emulate_media(color_scheme="dark")
    ship(page)
    expect(page.get_by_label("When")).to_be_focused()
    screenshot(page, "form-dark.png", tmp_path)
