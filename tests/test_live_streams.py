"""Streams across real processes: daphne on Redis and PostgreSQL, stopped or killed mid-stream.

The demo bot's "tell me a story" streams on one process; a tab on the other
process sees the same text through the channel layer, can stop it, and after
the first process is SIGKILLed finds the story marked interrupted with the text
saved last, and no "working" task left.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from project.bot.story import STORY

from .servers import LIVE_SITE, Browser, Tab, daphnes, open_tab, postgres_database, redis_env

pytestmark = pytest.mark.live

#: Quick leases, a slow story: a test sees saves, a stop and a lapse within seconds.
STREAMS = {
    "DEMO_STORY_PAUSE": "0.05",
    "CHATACTIONS_STREAM_SAVE_INTERVAL": "0.2",
    "CHATACTIONS_STREAM_LEASE": "2",
}


class Text:
    """The text a tab shows of one streamed message, built from its frames as chat.js does."""

    def __init__(self) -> None:
        self.id = ""
        self.text = ""
        self.deltas = 0

    def see(self, frame: dict[str, Any]) -> None:
        if frame["type"] == "message" and frame.get("stream") == "streaming":
            self.id, self.text = frame["id"], frame["content"]
        elif frame["type"] == "message.stream" and frame["id"] == self.id:
            assert frame["at"] <= len(self.text), "a gap on a tab that saw the whole stream"
            self.text += frame["delta"][len(self.text) - frame["at"] :]
            self.deltas += 1


async def watch(tab: Tab, text: Text, until: Any, timeout: float = 20) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async with asyncio.timeout(timeout):
        while not until(frames):
            frame = await tab.receive()
            text.see(frame)
            frames.append(frame)
    return frames


async def test_a_story_streaming_on_one_process_is_stopped_from_the_other() -> None:
    with postgres_database() as database:
        env = {**LIVE_SITE, **redis_env(), **STREAMS, "DATABASE_URL": database}
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            conversation = browser.start("/chat/")
            async with (
                open_tab(browser, conversation, one, tasks=True) as teller,
                open_tab(browser, conversation, two) as stopper,
            ):
                await teller.sync()
                await stopper.sync()
                told, heard = Text(), Text()
                asked = await teller.send({"type": "message", "content": "tell me a story"})
                await watch(teller, told, lambda _: told.deltas >= 5)
                await watch(stopper, heard, lambda _: heard.deltas >= 3)  # through Redis
                stop = await stopper.send({"type": "stop"})
                after = await watch(
                    teller, told, lambda fs: any(f.get("ref") == asked for f in fs)
                )
                _, stop_ack = await stopper.until_ack(stop)
                fetched, _ = await stopper.request({"type": "fetch", "id": told.id})
    stopped = next(f for f in after if f["type"] == "message.update")
    ack = next(f for f in after if f.get("ref") == asked)
    assert stop_ack["status"] == "ok" and ack["status"] == "cancelled"
    assert stopped["stream"] == "stopped" and stopped["content"] == told.text
    assert STORY.startswith(told.text) and 0 < len(told.text) < len(STORY)
    assert fetched[-1]["stream"] == "stopped" and fetched[-1]["content"] == told.text
    assert next(f for f in after if f["type"] == "task.end")["status"] == "cancelled"


async def test_a_worker_killed_mid_stream_leaves_its_text_marked_interrupted() -> None:
    with postgres_database() as database:
        env = {**LIVE_SITE, **redis_env(), **STREAMS, "DATABASE_URL": database}
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            conversation = browser.start("/chat/")
            async with open_tab(browser, conversation, two, tasks=True) as survivor:
                await survivor.sync()
                async with open_tab(browser, conversation, one) as teller:
                    await teller.sync()
                    told = Text()
                    await teller.send({"type": "message", "content": "tell me a story"})
                    await watch(teller, told, lambda _: told.deltas >= 10)
                    one.kill()  # SIGKILL mid-stream
                # The other process's reader notices the lapsed lease (2 s) on a sync.
                deadline = time.monotonic() + 15
                while True:
                    frames, _ = await survivor.request({"type": "sync", "after": None})
                    story = [f for f in frames if f.get("id") == told.id and "stream" in f]
                    if story and story[-1]["stream"] == "interrupted":
                        break
                    assert time.monotonic() < deadline, story
                    await asyncio.sleep(0.5)
                working = [f for f in frames if f["type"] == "task.start"]
    saved = story[-1]["content"]
    assert saved and told.text.startswith(saved) and STORY.startswith(saved)
    assert "Interrupted" in story[-1]["html"]
    assert not working  # the dead worker's task lapsed with it
