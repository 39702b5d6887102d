"""Issue 18's scale figures on one daphne process, reported (never asserted) by ``make bench``.

* **Idle sockets** (``--only sockets``, ``--sockets 10000``): the default setup
  (SQLite, in-memory layer). The sockets are spread over 100 conversations of
  one visitor and opened 100 at a time by this one asyncio process; memory per
  socket is the daphne's RSS after, minus before, over the count (20 sockets
  are open before the first reading, so the first connection's imports and
  caches are not counted). The client sends no pings, the server its own.
* **Messages from outside any request** (``--only outside``, ``--outside
  1000``): PostgreSQL and Redis, one daphne, since code outside the daphne
  process (a management command, a task worker) reaches its sockets only
  through a channel layer that spans processes; with the default in-memory
  layer it could save the message but show it nowhere until a reload. Each of
  ``--outside`` conversations has one open socket; ``bench/outside.py``, a
  process of its own, calls ``ca.Message(..., conversation=uuid).send_sync()``
  once per conversation. Twice: one sender, then four senders at once (a few
  task workers). The rate is messages over the time from the first send to the
  last frame received. With ``--against CHECKOUT`` the senders run that
  checkout's code too, in turns with this one's, ``--rounds`` times (one
  daphne, this checkout's; the medians of the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from bench.run import rss_kib, servers
from tests.servers import Browser, Daphne

ROOT = Path(__file__).resolve().parent.parent
#: Seconds a tab waits for its message after the last sender is done.
WAIT = 60.0


def raise_fd_limit(wanted: int) -> int:
    """The soft limit of open files up to ``wanted`` (the daphne inherits it); the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def start_conversations(server: Daphne, count: int, visitors: int) -> list[Browser | str]:
    """``count`` conversations over ``visitors`` browsers: [browser, uuid, browser, uuid, ...]."""

    def one_visitor(n: int) -> list[Browser | str]:
        browser = Browser(server.url)
        out: list[Browser | str] = []
        for _ in range(n):
            out += [browser, browser.start("/bench/")]
        return out

    share = [count // visitors + (i < count % visitors) for i in range(visitors)]
    parts = await asyncio.gather(*(asyncio.to_thread(one_visitor, n) for n in share if n))
    return [x for part in parts for x in part]


def pairs(flat: list[Browser | str]) -> list[tuple[Browser, str]]:
    return [(b, c) for b, c in zip(flat[::2], flat[1::2], strict=True)]  # type: ignore[misc]


async def open_sockets(
    server: Daphne, targets: list[tuple[Browser, str]], batch: int = 100
) -> list[ClientConnection]:
    sockets: list[ClientConnection] = []
    for i in range(0, len(targets), batch):
        sockets += await asyncio.gather(
            *(
                connect(
                    **browser.socket_args(conversation, server),
                    ping_interval=None,
                    open_timeout=60,
                    max_size=None,
                )
                for browser, conversation in targets[i : i + batch]
            )
        )
    return sockets


async def idle_sockets(args: argparse.Namespace) -> list[str]:
    limit = raise_fd_limit(args.sockets * 2 + 1000)
    with servers("default", 1) as (server,):
        targets = pairs(await start_conversations(server, 100, 4))
        warm = await open_sockets(server, targets[:20])
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        start = time.perf_counter()
        wanted = [targets[i % len(targets)] for i in range(args.sockets)]
        sockets = await open_sockets(server, wanted)
        opened = time.perf_counter() - start
        await asyncio.sleep(3)
        after = rss_kib(server.pid)
        alive = sum(ws.close_code is None for ws in sockets)
        for ws in sockets + warm:
            await ws.close()
    per = (after - before) / len(sockets)
    return [
        "### Idle sockets on one daphne process (SQLite, in-memory layer)",
        "",
        f"{len(sockets):,} sockets over 100 conversations ({alive:,} still open at the "
        f"second reading), opened in {opened:.1f} s ({len(sockets) / opened:,.0f}/s): "
        f"RSS {before / 1024:.0f} MiB → {after / 1024:.0f} MiB, **{per:.1f} KiB per socket** "
        f"(target under 40). Open-files limit {limit:,}.",
        "",
    ]


async def first_frame(ws: ClientConnection, label: str, times: list[float]) -> None:
    """Wait for the message ``label`` on ``ws``; note the wall-clock time it came."""
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == "message" and str(frame.get("content", "")).startswith(label):
            times.append(time.time())
            return


async def ready(ws: ClientConnection) -> None:
    """Past the consumer's connect (group joined): a request's ack comes after it."""
    await ws.send(json.dumps({"type": "sync", "after": None, "ref": "ready"}))
    while True:
        frame = json.loads(await ws.recv())
        if frame.get("type") == "ack" and frame.get("ref") == "ready":
            return


async def one_wave(
    server: Daphne,
    sockets: list[ClientConnection],
    uuids: Path,
    label: str,
    senders: int,
    tree: Path = ROOT,
) -> tuple[int, float, float]:
    """Every conversation gets ``label`` from ``senders`` processes; delivered, msgs/s, send/s."""
    times: list[float] = []
    readers = [asyncio.create_task(first_frame(ws, label, times)) for ws in sockets]
    # bench/outside.py by its path: with --root, ``tree``'s code sends.
    outside = str(ROOT / "bench" / "outside.py")
    command = [sys.executable, outside, str(uuids), "--label", label, "--root", str(tree)]
    procs = [
        await asyncio.create_subprocess_exec(
            *command,
            "--part",
            str(i),
            "--parts",
            str(senders),
            cwd=tree,
            env=server.env,
            stdout=subprocess.PIPE,
        )
        for i in range(senders)
    ]
    outs = [json.loads((await p.communicate())[0]) for p in procs]
    _, pending = await asyncio.wait(readers, timeout=WAIT)
    for task in pending:
        task.cancel()
    first = min(o["start"] for o in outs)
    last_sent = max(o["end"] for o in outs)
    sent = sum(o["sent"] for o in outs)
    rate = len(times) / (max(times) - first) if times else 0.0
    return len(times), rate, sent / (last_sent - first)


async def outside_messages(args: argparse.Namespace) -> list[str]:
    raise_fd_limit(args.outside * 2 + 1000)
    trees = [ROOT, *(p.resolve() for p in args.against or [])]
    rounds = args.rounds if len(trees) > 1 else 1
    lines = [
        "### Messages from server code outside any request (PostgreSQL + Redis, 1 daphne)",
        "",
        f"Senders' code from each checkout in turn, {rounds} round(s), medians; "
        f"load average {os.getloadavg()[0]:.1f} at the start.",
        "",
        "| senders' code | senders | conversations (1 socket each) | delivered "
        "| messages/s to the tabs | send_sync()/s at the senders | each round's messages/s |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    waves: dict[tuple[Path, int], list[tuple[int, float, float]]] = {}
    with servers("production", 1) as (server,), tempfile.TemporaryDirectory() as tmp:
        targets = pairs(await start_conversations(server, args.outside, 10))
        sockets = await open_sockets(server, targets)
        await asyncio.gather(*(ready(ws) for ws in sockets))
        uuids = Path(tmp) / "conversations.txt"
        uuids.write_text("\n".join(c for _, c in targets))
        for n in range(rounds):
            for senders in (1, 4):
                for i, tree in enumerate(trees):
                    label = f"from outside ({n}.{senders}.{i})"
                    wave = await one_wave(server, sockets, uuids, label, senders, tree)
                    waves.setdefault((tree, senders), []).append(wave)
                    print(f"outside: {tree} x{senders}: {wave}", flush=True)
        for ws in sockets:
            await ws.close()
    for (tree, senders), runs in waves.items():
        delivered = min(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        sending = statistics.median(r[2] for r in runs)
        each = ", ".join(f"{r[1]:.0f}" for r in runs)
        lines.append(
            f"| {tree} | {senders} | {len(sockets):,} | {delivered:,} | {rate:,.0f} "
            f"| {sending:,.0f} | {each} |"
        )
    return [*lines, ""]


def options(parser: Any) -> None:
    parser.add_argument("--sockets", type=int, default=10_000, help="idle sockets")
    parser.add_argument(
        "--outside", type=int, default=1000, help="conversations sent to from outside a request"
    )
