"""Many processes, one conversation: two real daphne processes on PostgreSQL and Redis.

Each test opens one socket of a conversation on each process and checks that
what happens on one process is seen on the other. The callbacks are the test
app's (``tests/liveapp``); both channels_redis layers the settings offer are run.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest

from .servers import (
    LIVE_SITE,
    Browser,
    Daphne,
    Tab,
    buttons,
    daphnes,
    open_tab,
    postgres_database,
    redis_env,
)

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live


@dataclass
class Site:
    one: Daphne
    two: Daphne

    @asynccontextmanager
    async def tabs(self) -> AsyncIterator[tuple[Tab, Tab]]:
        """A new visitor's new conversation of the live test app, a tab on each process."""
        browser = Browser(self.one.url)
        conversation = browser.start("/live/")
        async with (
            open_tab(browser, conversation, self.one) as one,
            open_tab(browser, conversation, self.two) as two,
        ):
            yield one, two


@pytest.fixture(scope="module", params=["pubsub", "core"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    with postgres_database() as database:
        env = {**LIVE_SITE, "DATABASE_URL": database, **redis_env(), "REDIS_LAYER": request.param}
        with daphnes(env) as (one, two):
            yield Site(one, two)


async def test_a_message_a_callback_sends_on_one_process_reaches_a_socket_on_the_other(
    site: Site,
) -> None:
    async with site.tabs() as (tab1, tab2):
        greeting = await tab2.sync()  # answered: this socket has joined the conversation
        before_ack, ack = await tab1.click(buttons(greeting)["whoami"])
        _, shown = await tab2.until(lambda f: f["type"] == "message")
    said = f"ran in process {site.one.pid}"
    assert shown["content"] == said
    assert ack["status"] == "ok"
    assert said in [f.get("content") for f in before_ack]  # the ack comes last


async def test_a_button_removed_by_a_click_on_one_process_disappears_on_the_other(
    site: Site,
) -> None:
    async with site.tabs() as (tab1, tab2):
        remove = buttons(await tab2.sync())["remove_me"]
        _, ack = await tab1.click(remove)
        _, gone = await tab2.until(lambda f: f["type"] == "action.remove")
        after = buttons(await tab2.sync())
    assert ack["status"] == "ok"
    assert gone["id"] == remove
    assert remove not in after.values()


async def test_simultaneous_clicks_through_two_processes_run_the_callback_once(site: Site) -> None:
    async with site.tabs() as (tab1, tab2):
        slow = buttons(await tab1.sync())["slow"]
        await tab2.sync()
        refs = await asyncio.gather(
            tab1.send({"type": "action", "id": slow}), tab2.send({"type": "action", "id": slow})
        )
        acks = {
            asyncio.ensure_future(tab.until_ack(ref, timeout=30)): tab
            for tab, ref in zip((tab1, tab2), refs, strict=True)
        }
        # The winner's callback runs until someone writes "release": the loser answers first.
        done, running = await asyncio.wait(acks, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        (loser,) = done
        (winner,) = running
        await acks[loser].say("release")
        _, won = await winner
        saved = await acks[loser].sync()
    assert loser.result()[1]["status"] == "busy"
    assert won["status"] == "ok" and won["notice"] == "released"
    contents = [m["content"] for m in saved]
    assert contents.count("slow started") == 1 and contents.count("slow finished") == 1


async def test_an_ask_answered_through_the_other_process_returns_the_pick(site: Site) -> None:
    async with site.tabs() as (tab1, tab2):
        await tab2.sync()
        asking = await tab1.send({"type": "message", "content": "ask"})  # asks on process 1
        _, question = await tab2.until(lambda f: f.get("content") == "Which colour?")
        blue = next(a["id"] for a in question["actions"] if a["label"] == "Blue")
        _, clicked = await tab2.click(blue)
        frames, asked = await tab1.until_ack(asking)
    assert clicked["status"] == "ok" and asked["status"] == "ok"
    assert "picked blue" in [f.get("content") for f in frames]


async def test_an_ask_form_answered_through_the_other_process_returns_cleaned_data(
    site: Site,
) -> None:
    async with site.tabs() as (tab1, tab2):
        await tab2.sync()
        asking = await tab1.send({"type": "message", "content": "ask form"})  # on process 1
        _, question = await tab2.until(lambda f: f.get("content") == "Your name?")
        form = question["form"]["id"]
        _, invalid = await tab2.request({"type": "submit", "id": form, "data": {"name": ""}})
        _, valid = await tab2.request({"type": "submit", "id": form, "data": {"name": "Ada"}})
        frames, asked = await tab1.until_ack(asking)
    assert invalid["status"] == "invalid" and invalid["errors"] == {
        "name": ["This field is required."]
    }
    assert valid["status"] == "ok" and asked["status"] == "ok"
    assert "named Ada" in [f.get("content") for f in frames]


async def test_an_ask_user_answered_through_the_other_process_returns_the_message(
    site: Site,
) -> None:
    async with site.tabs() as (tab1, tab2):
        await tab2.sync()
        asking = await tab1.send({"type": "message", "content": "ask name"})
        await tab2.until(lambda f: f.get("content") == "What is your name?")
        _, typed = await tab2.request({"type": "message", "content": "Grace"})
        frames, asked = await tab1.until_ack(asking)
    contents = [f.get("content") for f in frames]
    assert typed["status"] == "ok" and asked["status"] == "ok" and "hello Grace" in contents
    assert "heard: Grace" not in contents  # the reply went to the asker, not on_message
