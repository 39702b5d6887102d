"""``make bench``: the chapter's flow against real daphne processes.

Every figure is the median over ``--rounds`` rounds and is also printed as a
ratio to a bare Channels echo consumer measured on the same daphne in the same
round, because absolute times drift on shared machines. Run it on a quiet
machine; nothing here is asserted, it only reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from websockets.typing import Origin

from tests.servers import Browser, Daphne, postgres_database, redis_env, sqlite_database

BENCH_ENV = {
    "CHATACTIONS_RATE_LIMIT": "0",
    # The idle-socket figure opens thousands of sockets on a hundred conversations.
    "CHATACTIONS_MAX_SOCKETS_PER_CONVERSATION": "0",
    "CHATACTIONS_MAX_SOCKETS_PER_REQUESTER": "0",
    "CHATACTIONS_BENCH_ECHO": "1",
    "DJANGO_DEBUG": "0",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Client:
    """One visitor with an open socket and the confirm button of the chapter's question."""

    ws: ClientConnection
    confirm: str = ""
    refs: int = 0
    browser: Browser | None = None  # its cookies, for what goes over HTTP
    conversation: str = ""
    acked: float = 0.0  # seconds to the ack of the last request

    async def request(self, frame: dict[str, Any], until: str = "ack") -> float:
        """Send a frame; seconds until the first frame of type ``until`` (then drain to ack)."""
        self.refs += 1
        ref = f"b{self.refs}"
        start = time.perf_counter()
        await self.ws.send(json.dumps({**frame, "ref": ref}))
        took = None
        while True:
            reply = json.loads(await self.ws.recv())
            if (
                took is None
                and reply["type"] == until
                and (until != "message" or not reply.get("from_user"))
            ):
                took = time.perf_counter() - start
            if reply["type"] == "message" and reply.get("actions"):
                self.confirm = reply["actions"][0]["id"]
            if reply["type"] == "ack" and reply["ref"] == ref:
                assert reply["status"] == "ok", reply
                self.acked = time.perf_counter() - start
                return took if took is not None else self.acked

    async def click(self) -> float:
        return await self.request({"type": "action", "id": self.confirm}, until="message")

    async def message(self) -> float:
        """The chapter's question: to the bot's reply, which carries its buttons."""
        return await self.request({"type": "message", "content": "delete my data"}, "message")

    async def ask(self) -> float:
        """Ask for the question again: ``confirm`` becomes its fresh button."""
        return await self.request({"type": "message", "content": "delete my data"}, "message")

    async def echo(self) -> float:
        start = time.perf_counter()
        await self.ws.send('{"type":"echo"}')
        await self.ws.recv()
        return time.perf_counter() - start


@contextmanager
def servers(kind: str, count: int) -> Iterator[list[Daphne]]:
    with ExitStack() as stack:
        if kind == "default":
            env = {"DATABASE_URL": stack.enter_context(sqlite_database())}
        else:
            env = {"DATABASE_URL": stack.enter_context(postgres_database()), **redis_env()}
        procs = [Daphne({**BENCH_ENV, **env}).start() for _ in range(count)]
        try:
            yield procs
        finally:
            for p in procs:
                p.stop()


async def open_client(server: Daphne, chat_server: Daphne, path: str = "/bench/") -> Client:
    """A visitor of ``path``'s bot (``/chat/``: the demo) with the question asked once."""
    browser = Browser(chat_server.url)
    conversation = await asyncio.to_thread(browser.start, path)
    ws = await connect(**browser.socket_args(conversation, server), max_size=None)
    client = Client(ws, browser=browser, conversation=conversation)
    await client.ask()
    return client


async def open_echo(server: Daphne) -> Client:
    return Client(await connect(f"{server.ws_url}/ws/echo/", origin=Origin(server.url)))


async def timed(
    clients: list[Client], op: Callable[[Client], Awaitable[float]], per_client: int
) -> tuple[list[float], float]:
    """Run ``per_client`` operations on every client at once; latencies and wall time."""
    latencies: list[float] = []

    async def run(client: Client) -> None:
        for _ in range(per_client):
            latencies.append(await op(client))

    start = time.perf_counter()
    await asyncio.gather(*(run(c) for c in clients))
    return latencies, time.perf_counter() - start


@dataclass
class Figures:
    rows: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.rows.setdefault(name, []).append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.rows[name])


async def round_for(
    procs: list[Daphne], figures: Figures, args: argparse.Namespace, clicks_only: bool = False
) -> None:
    echo = await open_echo(procs[0])
    for _ in range(50):
        await echo.echo()
    lat, _ = await timed([echo], Client.echo, args.n)
    figures.add("echo p50", pct(lat, 0.5))
    await echo.ws.close()
    if clicks_only:
        await click_rows(procs, figures, args)
        return
    # The ceiling: how many bare round trips this daphne carries for 50 clients.
    echoes = [await open_echo(procs[0]) for _ in range(50)]
    lat, wall = await timed(echoes, Client.echo, max(5, args.n * 2 // 50))
    figures.add("echo 50 clients /s", len(lat) / wall)
    for c in echoes:
        await c.ws.close()

    await click_rows(procs, figures, args)
    one = await open_client(procs[0], procs[0])
    lat, _ = await timed([one], Client.message, args.n // 2)
    figures.add("message 1 client p50", pct(lat, 0.5))
    await one.ws.close()

    for clients in (10, 50):
        opened = [await open_client(procs[i % len(procs)], procs[0]) for i in range(clients)]
        await timed(opened, Client.click, 3)  # warm up
        lat, wall = await timed(opened, Client.click, max(5, args.n * 2 // clients))
        figures.add(f"click {clients} clients /s", len(lat) / wall)
        figures.add(f"click {clients} clients p50", pct(lat, 0.5))
        figures.add(f"click {clients} clients p99", pct(lat, 0.99))
        for c in opened:
            await c.ws.close()


async def click_rows(procs: list[Daphne], figures: Figures, args: argparse.Namespace) -> None:
    """One client clicking: the latency of the click path alone."""
    one = await open_client(procs[0], procs[0])
    await timed([one], Client.click, 20)  # warm up
    lat, _ = await timed([one], Client.click, args.n)
    for q in (0.5, 0.95, 0.99):
        figures.add(f"click 1 client p{int(q * 100)}", pct(lat, q))
    await one.ws.close()


def report(title: str, figures: Figures) -> list[str]:
    floor = figures.median("echo p50")
    lines = [f"### {title}", "", "| figure | median | vs. echo |", "|---|---:|---:|"]
    for name in figures.rows:
        value = figures.median(name)
        if name.endswith("/s"):
            lines.append(f"| {name} | {value:,.0f} | {value * floor:.3f} |")
        else:
            lines.append(f"| {name} | {value * 1000:.2f} ms | {value / floor:.1f} |")
    return [*lines, ""]


def page_render(args: argparse.Namespace) -> list[str]:
    """A conversation of 1,000 messages and 3,000 buttons, fetched over HTTP from daphne."""
    with sqlite_database() as url, servers_for_page(url) as server:
        browser = Browser(server.url)
        conversation = browser.start()
        os.environ["DATABASE_URL"] = url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
        import django

        django.setup()
        from chatactions.models import Conversation
        from tests.rows import grow

        grow(Conversation.objects.get(uuid=conversation), 999, 3)
        times = []
        for _ in range(args.rounds * 5):
            start = time.perf_counter()
            _, html = browser.get(f"/chat/{conversation}/")
            times.append(time.perf_counter() - start)
        assert html.count("data-action-id") == 2997
    return [
        "### Conversation page, 1,000 messages and 3,000 buttons",
        "",
        f"GET over HTTP from daphne (SQLite): median {statistics.median(times) * 1000:.1f} ms "
        f"over {len(times)} requests, {len(html) // 1024} KiB of HTML.",
        "",
    ]


@contextmanager
def servers_for_page(url: str) -> Iterator[Daphne]:
    server = Daphne({**BENCH_ENV, "DATABASE_URL": url}).start()
    try:
        yield server
    finally:
        server.stop()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-n", type=int, default=300, help="operations per measurement")
    from bench import scale

    scale.options(parser)
    parser.add_argument(
        "--seconds", type=float, default=10, help="seconds of each 50-client closed loop (versus)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="versus alone: 1 round, n=100, 4 s loops"
    )
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="versus: leave out the two daphnes on PostgreSQL + Redis (quicker A/B of the path)",
    )
    parser.add_argument(
        "--against",
        type=Path,
        action="append",
        help="versus, outside: another checkout's code as a column (before/after); repeatable",
    )
    parts = ["versus", "default", "click", "production", "page", "sockets", "outside"]
    parser.add_argument("--only", choices=parts, action="append")
    parser.add_argument(
        "--rate-limit",
        default="0",
        help="CHATACTIONS_RATE_LIMIT of the servers (default 0: off; a large one measures "
        "the cost of the budget without refusing anything)",
    )
    args = parser.parse_args()
    BENCH_ENV["CHATACTIONS_RATE_LIMIT"] = args.rate_limit
    if args.quick:
        args.rounds, args.n, args.seconds = 1, 100, 4.0
        args.only = args.only or ["versus"]
    only = set(args.only or parts)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    when = time.strftime("%Y-%m-%d %H:%M")
    out = [f"Machine: {machine}, {when}; {args.rounds} rounds, n={args.n}.", ""]
    if "versus" in only:
        from bench import versus

        out += await versus.compare(args)
        print("\n".join(out), flush=True)
    setups = []
    if "default" in only:
        setups.append(("Default: SQLite, in-memory layer, 1 daphne", "default", 1, False))
    if "click" in only and "default" not in only:
        setups.append(
            ("One client's clicks: SQLite, in-memory layer, 1 daphne", "default", 1, True)
        )
    if "production" in only:
        setups += [
            ("PostgreSQL + Redis, 1 daphne", "production", 1, False),
            ("PostgreSQL + Redis, 2 daphne", "production", 2, False),
        ]
    for title, kind, count, clicks_only in setups:
        figures = Figures()
        with servers(kind, count) as procs:
            for _ in range(args.rounds):
                await round_for(procs, figures, args, clicks_only)
        out += report(title, figures)
        print("\n".join(report(title, figures)), flush=True)
    if "page" in only:
        out += await asyncio.to_thread(page_render, args)  # the ORM is sync code
    if "sockets" in only:
        out += await scale.idle_sockets(args)
    if "outside" in only:
        out += await scale.outside_messages(args)
    print("\n".join(out))


if __name__ == "__main__":
    asyncio.run(main())
