"""An agent's run outlives its process: proposed on one daphne, SIGKILLed, resumed on another.

A Pydantic AI run's message history is in the database (the conversation's
store), a LangGraph thread in its checkpointer (a SQLite file both processes
open); the decision on the second process resumes it there: the tool runs
once, with the approved (or edited) arguments, or not at all when rejected,
and the agent's reply reaches the tab on the restarted process.
"""

from __future__ import annotations

import re
from pathlib import Path
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


async def reply(tab: Tab, prefix: str) -> str:
    _, end = await tab.until(
        lambda f: f["type"] == "message.update" and f["content"].startswith(prefix)
    )
    return str(end["content"])


#: Per adapter: where its conversations start, what its reply begins with, how a run reads.
ADAPTERS = {
    "pydantic_ai": ("/live-agent/", "Tool said", "tool ran: {path} in process {pid}"),
    "langgraph": ("/live-graph/", "Graph said", "deleted {path} in process {pid}"),
}


@pytest.mark.parametrize("adapter", sorted(ADAPTERS))
async def test_a_run_proposed_on_a_killed_process_resumes_once_on_another(
    adapter: str, tmp_path: Path
) -> None:
    start, prefix, ran_text = ADAPTERS[adapter]
    decisions: dict[str, dict[str, Any]] = {
        "approve": {"type": "action"},
        "edit": {"type": "submit", "data": {"path": "edited.txt"}},
        "reject": {"type": "submit", "data": {"reason": "keep it"}},
    }
    with postgres_database() as database:
        env = {
            **LIVE_SITE,
            "DATABASE_URL": database,
            **redis_env(),
            "CHATACTIONS_TEST_GRAPH_DB": str(tmp_path / "checkpoints.sqlite"),
        }
        with daphnes(env) as (one, two):
            browser = Browser(one.url)
            chats = {name: browser.start(start) for name in decisions}
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
                    watched = await reply(watcher, prefix)
                    history = [m["content"] for m in await decider.sync()]
                    seen[name] = (watched, history)
    ran = {"approve": "approve.txt", "edit": "edited.txt", "reject": None}
    for name, (watched, history) in seen.items():
        path = ran[name]
        if adapter == "pydantic_ai":
            said = f"Tool said: deleted {path} " if path else "Tool said: keep it "
            runs = [c for c in history if c.startswith("tool ran:")]
            assert runs == ([ran_text.format(path=path, pid=two.pid)] if path else [])
        else:
            done = ran_text.format(path=path, pid=two.pid) if path else "kept it (keep it)"
            said = f"Graph said: {done} "
        assert watched == said  # the reply reached the tab on the restarted process
        assert history.count(said) == 1  # the run resumed once
