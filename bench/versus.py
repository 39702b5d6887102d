"""chatactions beside stock Chainlit: the figures of issue 18, from one run, with ratios.

Each round measures Chainlit first (``bench/peer.py``, a fresh process per
scenario) and then ours on one daphne, default setup (SQLite, in-memory layer),
so drift on a shared machine hits both alike; each figure is the median of
the rounds. The same definitions on both sides:

- buttons stay (the chapter's bot, ``bench/bot``; Chainlit's peer app): one
  button clicked again and again; p50 with 1 client to the reply message;
  50 clients in a closed loop for a fixed time, clicks/s and p99 to the ack
  (Chainlit: to the later of the message and the HTTP answer);
- the demo as shipped (``project/bot``): each callback removes the clicked
  button, so each client asks again ("delete my data") before each click;
  clicks/s counts clicks over the whole time, asks included. Chainlit's
  column is its buttons-stay figure: it does less;
- a user message to the bot's reply with its buttons, 1 client, p50.
- what a deployment runs: buttons stay, 50 clients spread over two daphnes on
  PostgreSQL and Redis, clicks/s, against Chainlit's one process (it cannot
  serve one conversation from two without sticky sessions).

``--against DIR`` (repeatable) measures another checkout's code the same way in
the same rounds (its own daphnes, this checkout's client): before and after,
side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench import peer
from bench.run import BENCH_ENV, Client, open_client, pct, timed
from tests.servers import Daphne, postgres_database, redis_env, sqlite_database

ROOT = Path(__file__).resolve().parent.parent

#: (key, what it is, target ratio, whether more is better)
FIGURES = [
    ("stay 50 /s", "buttons stay: clicks/s, 50 clients", 2.0, True),
    ("stay 50 p99", "buttons stay: click p99, 50 clients", 0.5, False),
    ("stay 1 p50", "buttons stay: click p50, 1 client", 0.7, False),
    ("demo 50 /s", "the demo as shipped: clicks/s, 50 clients", 1.0, True),
    ("message 1 p50", "user message → reply with buttons: p50, 1 client", 0.5, False),
    ("pg 50 /s", "PostgreSQL + Redis, two daphnes: clicks/s, 50 clients", 2.0, True),
]
#: What Chainlit's column shows for a figure it has no scenario of its own for.
PEER_AS = {"demo 50 /s": "stay 50 /s", "pg 50 /s": "stay 50 /s"}


async def closed_loop(
    clients: list[Client], op: Callable[[Client], Awaitable[float]], seconds: float
) -> tuple[list[float], float]:
    """Every client repeats ``op`` until time is up; latencies that ended in time, per second."""
    latencies: list[float] = []
    start = time.perf_counter()
    stop = start + seconds

    async def run(client: Client) -> None:
        while time.perf_counter() < stop:
            took = await op(client)
            if time.perf_counter() <= stop:
                latencies.append(took)

    await asyncio.gather(*(run(c) for c in clients))
    return latencies, len(latencies) / seconds


async def click_to_ack(client: Client) -> float:
    await client.click()
    return client.acked


async def ask_then_click(client: Client) -> float:
    """The demo as a visitor uses it: ask for the question, click its fresh button."""
    await client.ask()
    return await click_to_ack(client)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def ours(root: Path, n: int, seconds: float, two: bool = True) -> dict[str, float]:
    """One pass of our figures on a fresh daphne (SQLite, in-memory layer) of ``root``."""
    got: dict[str, float] = {}
    with sqlite_database(root) as url:
        server = Daphne({**BENCH_ENV, "DATABASE_URL": url}, root=root).start()
        try:
            one = await open_client(server, server)
            await timed([one], Client.click, 20)
            lat, _ = await timed([one], Client.click, n)
            got["stay 1 p50"] = pct(lat, 0.5)
            await timed([one], Client.message, 20)
            lat, _ = await timed([one], Client.message, n)
            got["message 1 p50"] = pct(lat, 0.5)
            await one.ws.close()
            for key, path, op in (
                ("stay", "/bench/", click_to_ack),
                ("demo", "/chat/", ask_then_click),
            ):
                clients = await asyncio.gather(
                    *(open_client(server, server, path) for _ in range(50))
                )
                await timed(clients, op, 2)  # warm up
                cpu = cpu_seconds(server.pid)
                lat, rate = await closed_loop(clients, op, seconds)
                cpu = cpu_seconds(server.pid) - cpu
                got[f"{key} 50 /s"], got[f"{key} 50 p99"] = rate, pct(lat, 0.99)
                got[f"{key} 50 CPU"] = cpu / seconds
                for c in clients:
                    await c.ws.close()
        finally:
            server.stop()
    if two:
        got.update(await production(root, seconds))
    return got


async def production(root: Path, seconds: float) -> dict[str, float]:
    """Buttons stay, 50 clients over two daphnes of ``root`` on PostgreSQL and Redis.

    What a deployment runs; each client's socket is on one process or the
    other, its conversation started on the first (a conversation's tabs may be
    on either: the layer spans them).
    """
    with postgres_database(root) as url:
        env = {**BENCH_ENV, "DATABASE_URL": url, **redis_env()}
        servers = [Daphne(env, root=root).start() for _ in range(2)]
        try:
            clients = await asyncio.gather(
                *(open_client(servers[i % 2], servers[0]) for i in range(50))
            )
            await timed(clients, click_to_ack, 2)  # warm up
            before = sum(cpu_seconds(s.pid) for s in servers)
            lat, rate = await closed_loop(clients, click_to_ack, seconds)
            cpu = sum(cpu_seconds(s.pid) for s in servers) - before
            for c in clients:
                await c.ws.close()
        finally:
            for server in servers:
                server.stop()
    return {"pg 50 /s": rate, "pg 50 p99": pct(lat, 0.99), "pg 50 CPU": cpu / seconds}


def table(columns: dict[str, dict[str, list[float]]], rounds: int, note: str) -> list[str]:
    """The comparison as Markdown: each column's medians, and each against Chainlit's."""
    names = list(columns)
    peer_col = columns.get("Chainlit 2.12")
    head = "| figure | " + " | ".join(names)
    rule = "|---|" + "---:|" * len(names)
    others = [n for n in names if n != "Chainlit 2.12"]
    if peer_col is not None:
        head += " | " + " | ".join(f"{n} ÷ Chainlit" for n in others) + " | target"
        rule += "---:|" * (len(others) + 1)
    lines = [f"### Beside Chainlit 2.12 ({rounds} rounds, medians)", "", head + " |", rule]

    def shown(key: str, value: float) -> str:
        return f"{value:,.0f}" if key.endswith("/s") else f"{value * 1000:.2f} ms"

    for key, title, target, more in FIGURES:
        cells = []
        for name in names:
            col = columns[name]
            lookup = PEER_AS.get(key, key) if name == "Chainlit 2.12" else key
            value = statistics.median(col[lookup]) if col.get(lookup) else None
            cells.append("-" if value is None else shown(key, value))
        row = f"| {title} | " + " | ".join(cells)
        if peer_col is not None:
            base = statistics.median(peer_col[PEER_AS.get(key, key)])
            for name in others:
                if not columns[name].get(key):
                    row += " | -"
                    continue
                ratio = statistics.median(columns[name][key]) / base
                met = ratio >= target if more else ratio <= target
                row += f" | {ratio:.2f}\u00d7{'' if met else ' (not met)'}"
            row += f" | {'≥' if more else '≤'} {target}\u00d7"
        lines.append(row + " |")
    for name in names:
        col = columns[name]
        if col.get("stay 50 CPU") and col.get("stay 50 /s"):
            per = statistics.median(col["stay 50 CPU"]) / statistics.median(col["stay 50 /s"])
            line = f"\n{name}: server CPU per click at 50 clients {per * 1000:.2f} ms"
            if col.get("demo 50 CPU") and col.get("demo 50 /s"):
                demo = statistics.median(col["demo 50 CPU"]) / statistics.median(col["demo 50 /s"])
                line += f"; the demo as shipped, per ask and click: {demo * 1000:.2f} ms"
            if col.get("pg 50 CPU") and col.get("pg 50 /s"):
                two = statistics.median(col["pg 50 CPU"]) / statistics.median(col["pg 50 /s"])
                line += f"; PostgreSQL + Redis, two processes together: {two * 1000:.2f} ms"
            lines.append(line + ".")
    return [*lines, "", note, ""] if note else [*lines, ""]


async def compare(args: argparse.Namespace) -> list[str]:
    """Rounds of Chainlit, then ours (and ``--against``), alternating; the table."""
    folder, why = peer.find()
    note = "" if folder is None else f"Chainlit: stock 2.12 from the harness in {folder}."
    if folder is None:
        note = f"**Chainlit not measured:** {why}."
        print(note, flush=True)
    else:
        await asyncio.to_thread(peer.ensure_venv, folder)
    others = {f"before ({path.name})": path.resolve() for path in args.against or ()}
    roots = {**others, "chatactions": ROOT}
    columns: dict[str, dict[str, list[float]]] = {}
    for i in range(args.rounds):
        if folder is not None:
            got = await asyncio.to_thread(peer.measure, folder, args.n, args.seconds)
            add(columns.setdefault("Chainlit 2.12", {}), got)
        for name, root in roots.items():
            got = await ours(root, args.n, args.seconds, not args.one_process)
            add(columns.setdefault(name, {}), got)
        print(f"[versus] round {i + 1}/{args.rounds} done", flush=True)
    return table(columns, args.rounds, note)


def add(column: dict[str, list[float]], got: dict[str, Any]) -> None:
    for key, value in got.items():
        column.setdefault(key, []).append(float(value))
