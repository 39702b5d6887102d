"""An approval outlives its process: proposed on one daphne, SIGKILLed, decided elsewhere.

The callback is found by name in the conversation's app on whichever process
takes the decision, after a restart too; it runs once, with the arguments
approved (or edited), and what it says reaches every tab.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .servers import LIVE_SITE, Browser, Tab, daphnes, open_tab, postgres_database, redis_env

pytestmark = pytest.mark.live


def answers(html: str) -> dict[str, str]:
    found = re.findall(r'data-form-id="([0-9a-f-]+)" data-form="chatactions:(\w+)"', html)
    ids = {name: form_id for form_id, name in found}
    button = re.search(r'data-action-id="([0-9a-f-]+)"', html)
    assert button is not None
    return {**ids, "approve": button[1]}


async def propose(tab: Tab, path: str) -> dict[str, str]:
    _, ack = await tab.say(f"propose {path}")
    assert ack["status"] == "ok"
    approval = next(m for m in await tab.sync() if m["content"].startswith(f"Delete {path}?"))
    return answers(approval["html"])


async def contents(tab: Tab) -> list[str]:
    return [m["content"] for m in await tab.sync()]


async def test_approvals_proposed_on_a_killed_process_are_decided_once_on_others() -> None:
    with postgres_database() as database:
        env = {**LIVE_SITE, "DATABASE_URL": database, **redis_env()}
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            chats = {name: browser.start("/live/") for name in ("approve", "edit", "reject")}
            ids: dict[str, dict[str, str]] = {}
            for name, conversation in chats.items():
                async with open_tab(browser, conversation, one) as tab:
                    await tab.sync()
                    ids[name] = await propose(tab, f"{name}.txt")
            first = one.pid
            one.kill()  # SIGKILL: nothing of the approvals lives in its memory
            one.start()  # the same site again, a new process
            assert one.pid != first
            seen: dict[str, Any] = {}
            for name, conversation in chats.items():
                deciding, watching = (two, one) if name != "reject" else (one, two)
                async with (
                    open_tab(browser, conversation, deciding) as decider,
                    open_tab(browser, conversation, watching) as watcher,
                ):
                    await watcher.sync()
                    if name == "approve":
                        _, ack = await decider.click(ids[name]["approve"])
                    elif name == "edit":
                        frame = {"type": "submit", "id": ids[name]["edit"], "data": {"path": ""}}
                        _, invalid = await decider.request(frame)
                        assert invalid["status"] == "invalid"
                        frame["data"] = {"path": "edited.txt"}
                        _, ack = await decider.request(frame)
                    else:
                        frame = {"type": "submit", "id": ids[name]["reject"], "data": {}}
                        frame["data"] = {"reason": "keep it"}
                        _, ack = await decider.request(frame)
                    assert ack["status"] == "ok", ack
                    _, shown = await watcher.until(lambda f: "in process" in f.get("content", ""))
                    _, again = await decider.click(ids[name]["approve"])
                    seen[name] = (shown["content"], again["status"], await contents(watcher))
    pid = {"approve": two.pid, "edit": two.pid, "reject": one.pid}
    said = {
        "approve": f"approved approve.txt - in process {pid['approve']}",
        "edit": f"edited edited.txt - in process {pid['edit']}",
        "reject": f"rejected - keep it in process {pid['reject']}",
    }
    for name, (shown, again, history) in seen.items():
        assert shown == said[name]  # the other tab, on the other process, saw the reply
        assert again == "gone"  # decided: a second answer is refused
        assert [c for c in history if c.endswith(f"in process {pid[name]}")] == [said[name]]
        assert f"proposed in process {first}" in history
