"""Faults, nothing lost: a process killed, Redis restarted, the database gone for a moment.

Real daphne processes on PostgreSQL; Redis is the machine's (with a prefix of
our own) except where a test restarts it, which it does to a private
``redis-server``. The database is the source of truth: whatever was saved
reaches a tab that reconnects and sends ``sync``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from .servers import (
    LIVE_SITE,
    Browser,
    Daphne,
    Tab,
    buttons,
    daphnes,
    database_unreachable,
    open_tab,
    postgres_database,
    private_redis,
    redis_env,
    terminate_connections,
)

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live

#: Seconds a click holds its button in the processes of the crash test.
LEASE = 4


async def click_until_free(tab: Tab, action: str, timeout: float = 30) -> dict[str, Any]:
    """Click until the answer is not ``busy`` (a lease running out), within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        _, ack = await tab.click(action)
        if ack["status"] != "busy" or time.monotonic() > deadline:
            return ack
        await asyncio.sleep(0.2)


async def test_a_process_killed_mid_callback_loses_nothing_saved_and_its_lease_expires() -> None:
    with postgres_database() as database:
        env = {
            **LIVE_SITE,
            **redis_env(),
            "DATABASE_URL": database,
            "CHATACTIONS_CLAIM_TIMEOUT": str(LEASE),
        }
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            conversation = browser.start("/live/")
            async with open_tab(browser, conversation, one) as tab1:
                greeting = await tab1.sync()
                hang = buttons(greeting)["send_then_hang"]
                await tab1.send({"type": "action", "id": hang})
                await tab1.until(lambda f: f.get("content") == "saved before the crash")
                one.kill()  # SIGKILL while the callback sleeps
                with pytest.raises(ConnectionClosed):
                    await tab1.receive()
            async with open_tab(browser, conversation, two) as tab2:
                missed = await tab2.sync(after=greeting[-1]["id"])
                _, held = await tab2.click(hang)
                freed = await click_until_free(tab2, hang)
    assert [m["content"] for m in missed] == ["saved before the crash"]
    assert held["status"] == "busy"  # the dead process's claim, until its lease runs out
    assert freed["status"] == "ok" and freed["notice"] == "ran again"


async def test_after_a_redis_restart_sockets_recover_and_resync_has_what_was_saved_meanwhile() -> (
    None
):
    with postgres_database() as database, private_redis() as redis:
        env = {**LIVE_SITE, "DATABASE_URL": database, "REDIS_URL": redis.url}
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            conversation = browser.start("/live/")
            async with open_tab(browser, conversation, two) as watcher:
                seen = (await watcher.sync())[-1]["id"]
                async with open_tab(browser, conversation, one) as writer:
                    await writer.sync()
                    redis.stop()
                    _, during = await writer.say("written while Redis was down")
                    await asyncio.wait_for(writer.ws.wait_closed(), 15)
                    closed = writer.ws.close_code
                redis.start()
                # The socket that stayed open hears news again once its process is back on Redis.
                async with open_tab(browser, conversation, one) as writer:
                    await writer.sync()
                    heard = await probe(writer, watcher)
                missed = await watcher.sync(after=seen)
    assert during["status"] == "ok"
    assert closed == 4503  # answered directly, then told to reconnect and resync
    assert heard
    contents = [m["content"] for m in missed]
    assert contents[:2] == ["written while Redis was down", "heard: written while Redis was down"]


async def probe(writer: Tab, watcher: Tab, attempts: int = 40) -> bool:
    """Write until the watcher hears one of the writes live (its process may resubscribe late)."""
    for attempt in range(attempts):
        await writer.say(f"probe {attempt}")
        try:
            await watcher.until(lambda f: f.get("content", "").startswith("heard: probe"), 0.5)
        except TimeoutError:
            continue
        return True
    return False


@dataclass
class Site:
    database: str
    server: Daphne


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    with postgres_database() as database:
        env = {**LIVE_SITE, **redis_env(), "DATABASE_URL": database}
        with daphnes(env, count=1) as (server,):
            yield Site(database, server)


async def test_a_database_outage_answers_error_and_the_next_click_works(site: Site) -> None:
    browser = Browser(site.server.url)
    conversation = browser.start("/live/")
    async with open_tab(browser, conversation, site.server) as tab:
        whoami = buttons(await tab.sync())["whoami"]
        with database_unreachable(site.database):
            _, failed = await tab.click(whoami)
        _, worked = await tab.click(whoami)
    assert failed["status"] == "error"
    assert failed["detail"] == "The database is unavailable right now; please try again."
    assert worked["status"] == "ok"


async def test_killed_database_connections_are_replaced_before_the_next_click(site: Site) -> None:
    browser = Browser(site.server.url)
    conversation = browser.start("/live/")
    async with open_tab(browser, conversation, site.server) as tab:
        greeting = buttons(await tab.sync())
        _, first = await tab.click(greeting["count"])  # a plain def: a worker thread's connection
        assert terminate_connections(site.database) >= 2  # the database thread's and the worker's
        _, counted = await tab.click(greeting["count"])
        _, messaged = await tab.click(greeting["whoami"])
    assert first["notice"] == "count 1"
    assert counted["status"] == "ok" and counted["notice"] == "count 2"
    assert messaged["status"] == "ok"
