"""Sync code outside any request (a task worker, a command) on a live site: PostgreSQL, Redis.

Its ``send_sync()`` saves in its own thread, then hands the frame to one event
loop of its process, which keeps one Redis connection for every call.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from .servers import ROOT, Browser, Daphne, Tab, postgres_database, redis_env

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server() -> Iterator[Daphne]:
    with postgres_database() as url:
        daphne = Daphne({"DATABASE_URL": url, **redis_env()}).start()
        yield daphne
        daphne.stop()


def worker(server: Daphne, conversation: str, count: int) -> list[list[int]]:
    """``tests/outside_worker.py`` with the site's settings: the ids of its Redis connections."""
    name = f"outside-{uuid.uuid4().hex[:8]}"
    redis_url = server.env["REDIS_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "tests.outside_worker", conversation, str(count), name],
        cwd=ROOT,
        env={
            **server.env,
            "REDIS_URL": f"{redis_url}?client_name={name}",
            "REDIS_ADMIN_URL": redis_url,
        },
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # It left cleanly: its loop closed its connection at exit, nothing pending or unclosed.
    assert done.stderr == "", done.stderr
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


async def test_a_worker_thread_reaches_an_open_tab_over_one_redis_connection(
    server: Daphne,
) -> None:
    browser = Browser(server.url)
    conversation = await asyncio.to_thread(browser.start)
    async with connect(**browser.socket_args(conversation)) as ws:
        tab = Tab(ws)
        await tab.request({"type": "sync", "after": None})  # past the group's join
        connections = await asyncio.to_thread(worker, server, conversation, 20)
        contents = [
            (await tab.until(lambda f: f["type"] == "message"))[1]["content"] for _ in range(20)
        ]
    assert contents == [f"step {i}" for i in range(20)]
    # One connection, opened by the first call and still the same one after the last.
    assert len(connections[0]) == 1
    assert connections == [connections[0]] * 20
