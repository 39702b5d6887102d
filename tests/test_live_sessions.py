"""Sessions, budgets and socket caps across two real daphne processes on PostgreSQL and Redis.

The processes share the channel layer and Django's cache (the demo site puts
both on ``REDIS_URL``): a logout on one closes the sockets of that session on
the other, and the budget and caps hold for the site, not per process.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from .servers import (
    LIVE_SITE,
    Browser,
    Daphne,
    daphnes,
    manage,
    open_tab,
    postgres_database,
    redis_env,
)

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live

TOO_MANY = "Too many requests; wait a moment and try again."
LIMIT, PERIOD = 12, 600.0


@dataclass
class Site:
    one: Daphne
    two: Daphne
    database: str


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with postgres_database() as url:
        manage(
            {"DATABASE_URL": url, "DJANGO_SUPERUSER_PASSWORD": "pw"},
            *("createsuperuser", "--noinput", "--username", "ada", "--email", "ada@example.com"),
        )
        yield url


@pytest.fixture(scope="module")
def site(database: str) -> Iterator[Site]:
    with daphnes({**LIVE_SITE, "DATABASE_URL": database, **redis_env()}) as (one, two):
        yield Site(one, two, database)


@pytest.fixture(scope="module")
def limited(database: str) -> Iterator[Site]:
    """The same site with the budget and a socket cap on."""
    env = {
        **LIVE_SITE,
        "DATABASE_URL": database,
        **redis_env(),
        "CHATACTIONS_RATE_LIMIT": str(LIMIT),
        "CHATACTIONS_RATE_LIMIT_PERIOD": str(PERIOD),
        "CHATACTIONS_MAX_SOCKETS_PER_CONVERSATION": "3",
    }
    with daphnes(env) as (one, two):
        yield Site(one, two, database)


def counts(database: str) -> tuple[int, int]:
    """How many messages and audit rows the site holds."""
    import psycopg

    with psycopg.connect(database.replace("postgres://", "postgresql://")) as db:
        messages = db.execute("SELECT count(*) FROM chatactions_message").fetchone()
        clicks = db.execute("SELECT count(*) FROM chatactions_actionclick").fetchone()
    assert messages is not None and clicks is not None
    return int(messages[0]), int(clicks[0])


def log_in(browser: Browser) -> None:
    browser.get("/admin/login/")
    path, _ = browser.post("/admin/login/?next=/admin/", {"username": "ada", "password": "pw"})
    assert path == "/admin/", path


async def close_code(ws: ClientConnection, timeout: float = 15) -> int | None:
    """The code the server closed ``ws`` with, reading (and dropping) frames until then."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


def cookie_copy(browser: Browser, base_url: str) -> Browser:
    """Another browser holding a copy of ``browser``'s cookies as they are now."""
    other = Browser(base_url)
    for cookie in browser.jar:
        other.jar.set_cookie(copy.copy(cookie))
    return other


async def test_logout_on_one_process_closes_the_socket_on_the_other_with_4401(site: Site) -> None:
    browser = Browser(site.one.url)
    await asyncio.to_thread(log_in, browser)
    conversation = await asyncio.to_thread(browser.start, "/live/")
    async with open_tab(browser, conversation, site.two) as tab:
        await tab.sync()
        before = counts(site.database)
        await asyncio.to_thread(browser.post, "/admin/logout/")
        assert await close_code(tab.ws) == 4401
    # The logged-out browser opens nothing, and nothing ran or was written meanwhile.
    async with connect(**browser.socket_args(conversation, site.two)) as ws:
        assert await close_code(ws) == 4404
    assert counts(site.database) == before


async def test_every_tab_of_the_session_closes_on_every_process(site: Site) -> None:
    browser = Browser(site.one.url)
    await asyncio.to_thread(log_in, browser)
    conversation = await asyncio.to_thread(browser.start, "/live/")
    async with (
        open_tab(browser, conversation, site.one) as tab1,
        open_tab(browser, conversation, site.two) as tab2,
    ):
        await tab1.sync()
        await tab2.sync()
        await asyncio.to_thread(browser.post, "/admin/logout/")
        assert [await close_code(tab1.ws), await close_code(tab2.ws)] == [4401, 4401]


async def test_login_closes_the_socket_of_a_copied_anonymous_cookie(site: Site) -> None:
    browser = Browser(site.one.url)
    conversation = await asyncio.to_thread(browser.start, "/live/")
    copied = cookie_copy(browser, site.two.url)  # a second browser, same anonymous session
    async with open_tab(copied, conversation, site.two) as tab:
        await tab.sync()
        before = counts(site.database)
        await asyncio.to_thread(log_in, browser)  # on the other process
        assert await close_code(tab.ws) == 4401
    async with connect(**copied.socket_args(conversation, site.two)) as ws:
        assert await close_code(ws) == 4404  # the old cookie opens nothing new
    assert counts(site.database) == before
    async with open_tab(browser, conversation, site.two) as tab:  # the user's own cookie does
        assert [m["content"] for m in await tab.sync()] == ["Live test chat."]


def post_json(browser: Browser, server: Daphne, path: str, body: dict[str, str]) -> int:
    token = next(c.value for c in browser.jar if c.name == "csrftoken")
    assert token is not None
    request = urllib.request.Request(
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-CSRFToken": token},
    )
    try:
        with browser.opener.open(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def test_one_budget_over_fresh_sockets_forms_and_the_api_of_both_processes(
    limited: Site,
) -> None:
    browser = Browser(limited.one.url)
    conversation = await asyncio.to_thread(browser.start, "/live/")  # a start spends one
    messages_before, clicks_before = counts(limited.database)
    statuses: list[str] = []
    started = time.time()
    for i in range(10):
        server = (limited.one, limited.two)[i % 2]
        other = (limited.two, limited.one)[i % 2]
        async with open_tab(browser, conversation, server) as tab:
            _, ack = await tab.say(f"socket {i}")
            statuses.append(ack["status"])
        _, page = await asyncio.to_thread(
            browser.on(other.url).post, f"/chat/{conversation}/", {"content": f"form {i}"}
        )
        statuses.append("rate_limited" if f'">{TOO_MANY}</p>' in page else "ok")
        code = await asyncio.to_thread(
            post_json,
            browser,
            server,
            f"/api/chat/conversations/{conversation}/messages/",
            {"content": f"api {i}"},
        )
        statuses.append({200: "ok", 429: "rate_limited"}[code])
    windows = math.floor(time.time() / PERIOD) - math.floor(started / PERIOD) + 1
    runs = statuses.count("ok")
    assert statuses[: LIMIT - 1] == ["ok"] * (LIMIT - 1)
    assert runs <= LIMIT * windows - 1  # the start spent one of the first window's
    messages_after, clicks_after = counts(limited.database)
    assert messages_after - messages_before == 2 * runs  # each message, and one reply to it
    assert clicks_after == clicks_before


async def test_the_socket_cap_counts_the_sockets_of_both_processes(limited: Site) -> None:
    browser = Browser(limited.one.url)
    conversation = await asyncio.to_thread(browser.start, "/live/")
    async with (
        open_tab(browser, conversation, limited.one) as tab1,
        open_tab(browser, conversation, limited.two) as tab2,
        open_tab(browser, conversation, limited.one) as tab3,
    ):
        for tab in (tab1, tab2, tab3):
            await tab.request({"type": "sync", "after": None})
        for server in (limited.one, limited.two):
            async with connect(**browser.socket_args(conversation, server)) as ws:
                assert await close_code(ws) == 4429
