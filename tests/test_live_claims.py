"""No double run across real processes, on SQLite and on PostgreSQL + Redis.

Two daphne processes share one database; real WebSocket clients click the same
button at once while its callback waits at a gate (``tests/liveapp``). The
database decides who runs: exactly one click is ``ok``, the other ``busy``, and
the callback runs once. A process killed mid-callback leaves a lease that
expires by itself, and its click's audit row says it never finished.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from chatactions.core.clicks import UNFINISHED

from .servers import Browser, Daphne, manage, postgres_database, redis_env, sqlite_database

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live


@dataclass
class Site:
    env: dict[str, str]
    one: Daphne
    two: Daphne

    def offer_gate(self, conversation: str, folder: Path) -> str:
        return manage(self.env, "offer_gate", conversation, str(folder)).strip()

    def report(self, action: str) -> dict[str, Any]:
        return dict(json.loads(manage(self.env, "gate_report", action)))


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def site(request: pytest.FixtureRequest) -> Iterator[Site]:
    database = sqlite_database if request.param == "sqlite" else postgres_database
    with database() as url:
        env = {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "tests.live_settings"}
        if request.param == "postgres":
            env.update(redis_env())
        one = Daphne(env).start()
        two = Daphne(env).start()
        try:
            yield Site(env, one, two)
        finally:
            one.stop()
            two.stop()


async def ack_of(ws: ClientConnection, ref: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.recv())
        if frame["type"] == "ack" and frame["ref"] == ref:
            return dict(frame)


async def click(ws: ClientConnection, action: str, ref: str) -> None:
    await ws.send(json.dumps({"type": "action", "id": action, "ref": ref}))


def runs(gate: Path) -> int:
    """How many runs of the callback reached the gate, in any process."""
    return len(list(gate.glob("entered-*")))


async def entered(gate: Path, timeout: float = 30) -> None:
    """Wait until a run of the callback is held at the gate."""
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(runs, gate):
        assert time.monotonic() < deadline, "the callback never reached the gate"
        await asyncio.sleep(0.05)


async def test_two_processes_clicking_at_once_run_the_callback_once(
    site: Site, tmp_path: Path
) -> None:
    browser = Browser(site.one.url)
    conversation = browser.start()
    action = site.offer_gate(conversation, tmp_path)
    async with (
        connect(**browser.socket_args(conversation, site.one)) as ws1,
        connect(**browser.socket_args(conversation, site.two)) as ws2,
    ):
        await asyncio.gather(click(ws1, action, "one"), click(ws2, action, "two"))
        acks = {
            asyncio.ensure_future(ack_of(ws1, "one")),
            asyncio.ensure_future(ack_of(ws2, "two")),
        }
        first, held = await asyncio.wait(acks, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        assert [task.result()["status"] for task in first] == ["busy"]  # the winner is held
        await entered(tmp_path)
        (tmp_path / "open").touch()
        assert [(await task)["status"] for task in held] == ["ok"]
    report = site.report(action)
    assert sorted(c["outcome"] for c in report["clicks"]) == ["busy", "ok"]
    assert report["passed"] == 1 and runs(tmp_path) == 1
    assert report["claimed_until"] is None  # released


async def test_form_post_while_a_socket_click_runs_is_busy(site: Site, tmp_path: Path) -> None:
    browser = Browser(site.one.url)
    conversation = browser.start()
    action = site.offer_gate(conversation, tmp_path)
    async with connect(**browser.socket_args(conversation, site.two)) as ws:
        await click(ws, action, "socket")
        await entered(tmp_path)
        path, page = await asyncio.to_thread(
            browser.post, f"/chat/{conversation}/actions/{action}/click/"
        )
        assert path == f"/chat/{conversation}/"
        assert "That action is already running." in page
        (tmp_path / "open").touch()
        assert (await ack_of(ws, "socket"))["status"] == "ok"
    report = site.report(action)
    assert [(c["via"], c["outcome"]) for c in report["clicks"]] == [
        ("websocket", "ok"),
        ("form", "busy"),
    ]
    assert report["passed"] == 1


async def test_lease_of_a_killed_process_expires_and_the_button_works_again(
    site: Site, tmp_path: Path
) -> None:
    victim = Daphne({**site.env, "CHATACTIONS_CLAIM_TIMEOUT": "3"}).start()
    browser = Browser(site.one.url)
    conversation = browser.start()
    action = site.offer_gate(conversation, tmp_path)
    try:
        async with connect(**browser.socket_args(conversation, victim)) as ws:
            await click(ws, action, "doomed")
            await entered(tmp_path)
            victim.kill()  # SIGKILL in the middle of the callback
    finally:
        victim.kill()
    report = site.report(action)
    assert report["claimed_until"] is not None  # the dead worker's claim is still there
    assert report["clicks"] == [{"via": "websocket", "outcome": "error", "error": UNFINISHED}]
    (tmp_path / "open").touch()
    lease_ends = datetime.fromisoformat(report["claimed_until"]).timestamp()
    await asyncio.sleep(max(0.0, lease_ends - time.time()) + 0.2)
    async with connect(**browser.socket_args(conversation, site.one)) as ws:
        await click(ws, action, "after")
        assert (await ack_of(ws, "after"))["status"] == "ok"
    report = site.report(action)
    assert [c["outcome"] for c in report["clicks"]] == ["error", "ok"]
    assert report["passed"] == 1 and report["claimed_until"] is None
    assert runs(tmp_path) == 2  # the killed run, then the one after the lease
