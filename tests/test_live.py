"""The demo bot on a real daphne process, spoken to by a real WebSocket client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from .servers import Browser, Daphne, postgres_database, redis_env, sqlite_database

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live


async def receive(ws: ClientConnection) -> dict[str, Any]:
    """The next frame that is not a ``task.start``/``task.end`` (those surround every handler)."""
    while True:
        frame = dict(json.loads(await ws.recv()))
        if not str(frame["type"]).startswith("task."):
            return frame


async def request(
    ws: ClientConnection, frame: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    await ws.send(json.dumps(frame))
    frames: list[dict[str, Any]] = []
    while True:
        reply = await receive(ws)
        if reply["type"] == "ack" and reply["ref"] == frame["ref"]:
            return frames, reply
        frames.append(reply)


@pytest.fixture(scope="module")
def server() -> Iterator[Daphne]:
    with sqlite_database() as url:
        daphne = Daphne({"DATABASE_URL": url}).start()
        yield daphne
        daphne.stop()


async def test_demo_bot_answers_on_a_real_daphne(server: Daphne) -> None:
    browser = Browser(server.url)
    conversation = browser.start()
    _, page = browser.get(f"/chat/{conversation}/")
    assert "Hello! I can pretend to delete data." in page
    async with connect(**browser.socket_args(conversation)) as ws:
        frames, _ = await request(ws, {"type": "message", "content": "delete my data", "ref": "1"})
        confirm = frames[-1]["actions"][0]["id"]
        frames, ack = await request(ws, {"type": "action", "id": confirm, "ref": "2"})
    assert ack["status"] == "ok"
    assert (
        frames[0]["content"] == "Okay, deleting 'important_data.txt' for user123... (Not really!)"
    )


async def test_static_files_are_served_by_plain_daphne(server: Daphne) -> None:
    _, script = Browser(server.url).get("/static/chatactions/chat.js")
    assert "ChatClient" in script


async def test_two_processes_on_postgres_and_redis_share_a_conversation() -> None:
    with postgres_database() as url:
        env = {"DATABASE_URL": url, **redis_env()}
        one, two = Daphne(env).start(), Daphne(env).start()
        try:
            browser = Browser(one.url)
            conversation = browser.start()
            async with (
                connect(**browser.socket_args(conversation, one)) as ws1,
                connect(**browser.socket_args(conversation, two)) as ws2,
            ):
                await request(ws2, {"type": "sync", "after": None, "ref": "s"})
                await request(ws1, {"type": "message", "content": "delete my data", "ref": "1"})
                echoed, question = await receive(ws2), await receive(ws2)
            assert echoed["content"] == "delete my data"
            assert question["content"] == "Are you sure you want to delete your data?"
        finally:
            one.stop()
            two.stop()
