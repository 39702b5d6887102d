"""Which channels_redis layer carries chatactions' news: core or pub/sub? Measure both.

Run from the repository root (Redis on 127.0.0.1:6379 and PostgreSQL on
127.0.0.1:5432, as for the test suite)::

    .venv/bin/python bench/layers.py            # both parts, a few minutes
    .venv/bin/python bench/layers.py --quick    # fewer samples

Two parts, each run for both layers side by side: the rounds alternate
between the layers (and their order), so both see the same machine load, and
every figure is the median over all rounds.

* **layer**: a second Python process joins a group, as a socket on another
  daphne process would. One process broadcasts; the other answers each
  broadcast on the sender's own channel. *Round trip* is the time from
  ``group_send`` to that answer (two cross-process deliveries). *Throughput*
  is how many broadcasts per second four concurrent senders get through to the
  other process, sent the way ``emitter.broadcast`` sends them (one awaited
  ``group_send`` each).
* **end to end**: two real daphne processes on one PostgreSQL database. One
  socket on each, one conversation; the socket on process 1 writes a message
  and we time until the socket on process 2 shows it (save, render, broadcast,
  deliver), then until process 1 has its ``ack``.

Keys use a random prefix; nothing of other Redis users is touched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAYERS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
SENDERS = 4


def make_layer(kind: str, url: str, prefix: str) -> Any:
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    if kind == "core":  # socket_timeout: see project/settings.py
        return RedisChannelLayer(
            hosts=[{"address": url, "socket_timeout": 10}], prefix=prefix, capacity=1000
        )
    return RedisPubSubChannelLayer(hosts=[url], prefix=prefix)


# Part 1: the layer between two processes ------------------------------------------


async def answer(kind: str, url: str, prefix: str, group: str) -> None:
    """The other process: join ``group``, answer every broadcast on the sender's channel."""
    layer = make_layer(kind, url, prefix)
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    print("ready", flush=True)
    counted = 0
    while True:
        message = await layer.receive(channel)
        if message["type"] == "ping":
            await layer.send(message["reply"], {"type": "pong"})
        elif message["type"] == "count":
            counted += 1
        elif message["type"] == "total":
            await layer.send(message["reply"], {"type": "total", "counted": counted})
            counted = 0
        else:
            return


async def layer_round(kind: str, url: str, pings: int, broadcasts: int) -> dict[str, float]:
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    group = "bench.group"
    other = await asyncio.create_subprocess_exec(
        *[sys.executable, __file__, "--answer", kind, "--redis", url, "--prefix", prefix],
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert other.stdout is not None
        if (await other.stdout.readline()).strip() != b"ready":
            raise RuntimeError("the answering process did not start")
        layer = make_layer(kind, url, prefix)
        me = await layer.new_channel()

        async def receive() -> dict[str, Any]:
            async with asyncio.timeout(30):
                return dict(await layer.receive(me))

        trips = []
        for _ in range(pings):
            start = time.perf_counter()
            await layer.group_send(group, {"type": "ping", "reply": me})
            await receive()
            trips.append(time.perf_counter() - start)

        async def sender(n: int) -> None:
            for _ in range(n):
                await layer.group_send(group, {"type": "count", "text": "x" * 800})

        start = time.perf_counter()
        share = broadcasts // SENDERS
        await asyncio.gather(*(sender(share) for _ in range(SENDERS)))
        # Broadcasts arrive in order; the total arrives after all of them. A full
        # channel drops a broadcast, so ask again until an answer comes.
        while True:
            await layer.group_send(group, {"type": "total", "reply": me})
            try:
                async with asyncio.timeout(2):
                    total = await layer.receive(me)
                break
            except TimeoutError:
                continue
        elapsed = time.perf_counter() - start
        await layer.group_send(group, {"type": "stop"})
        return {
            "round trip ms": statistics.median(trips) * 1000,
            "broadcasts/s": total["counted"] / elapsed,
            "lost": share * SENDERS - total["counted"],
        }
    finally:
        try:
            async with asyncio.timeout(10):
                await other.wait()
        except TimeoutError:
            other.kill()
            await other.wait()


# Part 2: two daphne processes, one conversation -----------------------------------


async def end_to_end_round(kind: str, servers: Any, messages: int) -> dict[str, float]:
    from tests.servers import Browser, open_tab

    one, two = servers
    browser = Browser(one.url)
    conversation = browser.start()
    shown, acked = [], []
    async with (
        open_tab(browser, conversation, one) as tab1,
        open_tab(browser, conversation, two) as tab2,
    ):
        await tab2.sync()
        for i in range(messages):
            text = f"bench {i} {uuid.uuid4().hex}"
            start = time.perf_counter()
            ref = await tab1.send({"type": "message", "content": text})

            def shown_in(frame: dict[str, Any], text: str = text) -> bool:
                return frame.get("content") == text

            await tab2.until(shown_in)
            shown.append(time.perf_counter() - start)
            await tab1.until_ack(ref)
            acked.append(time.perf_counter() - start)
            # The demo bot answers every message; let process 2 catch up before the next.
            await tab2.until(lambda f: f.get("from_user") is False)
    return {
        "shown on process 2 ms": statistics.median(shown) * 1000,
        "ack on process 1 ms": statistics.median(acked) * 1000,
    }


# Driving both side by side ---------------------------------------------------------


def alternate(rounds: int) -> list[str]:
    """core, pubsub, pubsub, core, ...: each layer goes first in half of the rounds."""
    order: list[str] = []
    for r in range(rounds):
        order += ["core", "pubsub"] if r % 2 == 0 else ["pubsub", "core"]
    return order


def report(title: str, results: dict[str, list[dict[str, float]]]) -> None:
    metrics = list(next(iter(results.values()))[0])
    print(f"\n{title}")
    print(f"| layer | {' | '.join(metrics)} |")
    print(f"|---|{'---:|' * len(metrics)}")
    for kind, rows in results.items():
        cells = [f"{statistics.median(row[m] for row in rows):.2f}" for m in metrics]
        print(f"| {kind} | {' | '.join(cells)} |")


async def run(args: argparse.Namespace) -> None:
    url = args.redis
    layer_results: dict[str, list[dict[str, float]]] = {"core": [], "pubsub": []}
    for kind in alternate(args.rounds):
        layer_results[kind].append(await layer_round(kind, url, args.pings, args.broadcasts))
    report(
        f"layer: {args.rounds} rounds, {args.pings} pings and {args.broadcasts} broadcasts "
        f"of ~1 KB from {SENDERS} senders per round",
        layer_results,
    )
    if args.skip_daphne:
        return

    from tests.servers import Daphne, postgres_database

    with postgres_database() as database:
        servers: dict[str, tuple[Any, Any]] = {}
        try:
            for kind in LAYERS:
                env = {
                    "DATABASE_URL": database,
                    "REDIS_URL": url,
                    "REDIS_LAYER": kind,
                    "CHANNELS_REDIS_PREFIX": f"bench{uuid.uuid4().hex[:8]}",
                    "CHATACTIONS_RATE_LIMIT": "0",
                }
                servers[kind] = (Daphne(env), Daphne(env))
                for server in servers[kind]:
                    server.start()
            e2e: dict[str, list[dict[str, float]]] = {"core": [], "pubsub": []}
            for kind in alternate(args.rounds):
                e2e[kind].append(await end_to_end_round(kind, servers[kind], args.messages))
        finally:
            for pair in servers.values():
                for server in pair:
                    server.stop()
    report(
        f"end to end: two daphne processes on PostgreSQL, {args.rounds} rounds of "
        f"{args.messages} messages",
        e2e,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--pings", type=int, default=300)
    parser.add_argument("--broadcasts", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="fewer samples, for a smoke run")
    parser.add_argument("--skip-daphne", action="store_true", help="only the layer part")
    parser.add_argument("--answer", choices=LAYERS, help=argparse.SUPPRESS)
    parser.add_argument("--prefix", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.answer:
        asyncio.run(answer(args.answer, args.redis, args.prefix, "bench.group"))
        return
    if args.quick:
        args.rounds, args.pings, args.broadcasts, args.messages = 2, 50, 400, 20
    runner: Callable[[argparse.Namespace], Coroutine[Any, Any, None]] = run
    asyncio.run(runner(args))


if __name__ == "__main__":
    main()
