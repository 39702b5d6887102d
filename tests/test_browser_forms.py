"""Forms in a real browser: filled in by label, submitted by role, with and without JavaScript.

The demo's "ship my order" asks its ``ShippingForm``, which has an optional photo,
so chat.js posts it over HTTP (fetch, multipart); the browser site's "ship by
socket" page asks it without the photo, sent as a ``submit`` frame. "what is your
name?" waits for a typed answer. ``UPDATE_SCREENSHOTS=1`` writes the form's screenshots to
``docs/img/``.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
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
    from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

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


# Files: posted by chat.js over HTTP, answered like an ack ---------------------------

PHOTO = "Photo of the parcel"
#: Where the browser site's daphne stores uploads (tests/browser_site/settings.py).
MEDIA = Path(tempfile.gettempdir()) / "chatactions-browser-media"
LIMIT = 5 * 1024 * 1024  # MAX_UPLOAD_BYTES's default


def held_until_seen(page: Page, routes: list[Route]) -> Route:
    """The form's post, held by ``page.route``: the page's events run until it arrives."""
    for _ in range(200):
        if routes:
            return routes[0]
        page.wait_for_timeout(50)  # lets Playwright dispatch the route; not a timing assert
    raise AssertionError("the form was never posted")


def test_a_photo_goes_up_through_chat_js_and_the_form_leaves_the_other_tab(
    context: BrowserContext, server: Daphne, errors: Errors, tmp_path: Path
) -> None:
    one, two = errors.watch(context.new_page()), errors.watch(context.new_page())
    conversation = start(one, server)
    open_chat(two, server, conversation)
    say(one, "ship my order")
    expect(two.get_by_label("Address")).to_be_visible()
    form_id = one.locator(".ca-form").get_attribute("data-form-id")
    fill_in(one)
    photo = tmp_path / "parcel.jpg"
    photo.write_bytes(b"\xff\xd8 a parcel")
    one.get_by_label(PHOTO).set_input_files(photo)
    here = one.url
    with one.expect_request(lambda r: r.method == "POST" and "/submit/" in r.url) as posted:
        ship(one)
    assert posted.value.headers["accept"] == "application/json"
    assert posted.value.headers["content-type"].startswith("multipart/form-data")
    summary = f"{SUMMARY} Photo: parcel.jpg."
    expect(contents(one).last).to_have_text(summary)  # the callback's reply, over the socket
    expect(contents(two).last).to_have_text(summary)
    expect(two.locator(".ca-form")).to_have_count(0)  # gone in the other tab too
    expect(one.locator(".ca-form")).to_have_count(0)
    assert one.url == here  # no page load: chat.js posted it
    stored = MEDIA / "chatactions" / str(form_id) / "parcel.jpg"
    assert stored.read_bytes() == b"\xff\xd8 a parcel"
    assert_no_csp_violations(one)


def test_an_oversized_photo_gets_its_error_beside_the_field(
    page: Page, server: Daphne, tmp_path: Path
) -> None:
    start(page, server)
    say(page, "ship my order")
    fill_in(page)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8" + b"x" * (LIMIT - 1))  # one byte over the limit
    page.get_by_label(PHOTO).set_input_files(big)
    routes: list[Route] = []
    page.route("**/submit/", lambda route: routes.append(route))
    ship(page)
    busy = page.get_by_role("button", name="Ship", exact=True)
    held = held_until_seen(page, routes)
    expect(busy).to_have_attribute("aria-busy", "true")  # the spinner, until the answer
    held.continue_()
    photo = page.get_by_label(PHOTO)
    expect(photo).to_be_focused()  # the first invalid field: the others were valid
    expect(photo).to_have_attribute("aria-invalid", "true")
    error = f"big.jpg is {LIMIT + 1} bytes; the largest file allowed is {LIMIT}."
    expect(photo).to_have_accessible_description(re.compile(re.escape(error)))  # its help too
    expect(page.get_by_label("Address")).to_have_value("1 Main St")  # the values are kept
    expect(contents(page).last).to_have_text(QUESTION)  # nothing was answered
    expect(page.get_by_role("button", name="Ship", exact=True)).not_to_have_attribute(
        "aria-busy", "true"
    )
    screenshot(page, "form-file-error-light.png", tmp_path)


def test_a_form_without_files_goes_over_the_socket(
    page: Page, server: Daphne, errors: Errors
) -> None:
    conversation = start(page, server)
    sent: list[str] = []
    posts: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(f"{server.url}/ship-by-socket/{conversation}/")
    expect(page.locator(".ca-chat")).to_have_attribute("data-state", "open")
    expect(page.get_by_label(PHOTO)).to_have_count(0)
    fill_in(page)
    ship(page)
    expect(contents(page).last).to_have_text(SUMMARY)
    assert any('"type":"submit"' in frame for frame in sent)
    assert not [url for url in posts if "/submit/" in url]
