"""A Pydantic AI run outlives its process: proposed on one daphne, SIGKILLed, resumed on another.

The run's message history is in the database; the decision on the second
process resumes it there: the tool runs once, with the approved (or edited)
arguments, or not at all when rejected, and the agent's reply reaches every tab.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .servers import LIVE_SITE, Browser, Tab, daphnes, open_tab, postgres_database, redis_env

pytestmark = pytest.mark.live


def answers(html: str) -> dict[str, str]:
    found = re.findall(r'data-form-id="([0-9a-f-]+)" data-form="chatactions:(\w+)"', html)
    button = re.search(r'data-action-id="([0-9a-f-]+)"', html)
    assert button is not None
    return {**{name: form_id for form_id, name in found}, "approve": button[1]}


async def propose(tab: Tab, path: str) -> dict[str, str]:
    _, ack = await tab.say(f"delete {path}")
    assert ack["status"] == "ok"
    asked = next(m for m in await tab.sync() if "wants to run" in m["content"])
    return answers(asked["html"])


async def reply(tab: Tab) -> str:
    _, end = await tab.until(
        lambda f: f["type"] == "message.update" and f["content"].startswith("Tool said")
    )
    return str(end["content"])


async def test_a_run_proposed_on_a_killed_process_resumes_once_on_another() -> None:
    decisions: dict[str, dict[str, Any]] = {
        "approve": {"type": "action"},
        "edit": {"type": "submit", "data": {"path": "edited.txt"}},
        "reject": {"type": "submit", "data": {"reason": "keep it"}},
    }
    with postgres_database() as database:
        env = {**LIVE_SITE, "DATABASE_URL": database, **redis_env()}
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            chats = {name: browser.start("/live-agent/") for name in decisions}
            ids = {}
            for name, conversation in chats.items():
                async with open_tab(browser, conversation, one) as tab:
                    await tab.sync()
                    ids[name] = await propose(tab, f"{name}.txt")
            one.kill()  # SIGKILL: the run's history is in the database, not in this process
            one.start()
            seen = {}
            for name, conversation in chats.items():
                async with (
                    open_tab(browser, conversation, two) as decider,
                    open_tab(browser, conversation, one) as watcher,
                ):
                    await watcher.sync()
                    frame = {**decisions[name], "id": ids[name][name]}
                    _, ack = await decider.request(frame, timeout=30)
                    assert ack["status"] == "ok", ack
                    watched = await reply(watcher)
                    history = [m["content"] for m in await decider.sync()]
                    seen[name] = (watched, history)
    said = {
        "approve": "Tool said: deleted approve.txt ",
        "edit": "Tool said: deleted edited.txt ",
        "reject": "Tool said: keep it ",
    }
    ran = {"approve": "approve.txt", "edit": "edited.txt", "reject": None}
    for name, (watched, history) in seen.items():
        assert watched == said[name]  # the reply reached the tab on the other process
        runs = [c for c in history if c.startswith("tool ran:")]
        if ran[name] is None:
            assert runs == []
        else:
            assert runs == [f"tool ran: {ran[name]} in process {two.pid}"]  # once, there
        assert history.count(said[name]) == 1
