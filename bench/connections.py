"""What keeping database connections costs and buys: CONN_MAX_AGE and health checks.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, Redis on 6379)::

    .venv/bin/python bench/connections.py [--clicks 200] [--rounds 4]

Three daphne processes of the demo site on one PostgreSQL database, one per
setting, measured side by side (the rounds alternate their order):

* ``CONN_MAX_AGE=0``: a new connection for every database hop, as Channels'
  ``close_old_connections`` does with Django's default;
* ``CONN_MAX_AGE=600``, no health checks: one connection per thread, kept;
* ``CONN_MAX_AGE=600`` with ``CONN_HEALTH_CHECKS`` (the demo's settings): kept,
  and checked with ``SELECT 1`` before the first query of each hop.

A click on the demo's "Cancel" button takes three hops (claim, the callback's
message, release). The figure is the median time from the ``action`` frame to
its ``ack``. Then every connection of the database is killed
(``pg_terminate_backend``) and the next click's status shows which setting
notices.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from websockets.exceptions import InvalidStatus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.servers import (
    Browser,
    Daphne,
    buttons,
    open_tab,
    postgres_database,
    redis_env,
    terminate_connections,
)

SETTINGS = {
    "max_age=0": {"CONN_MAX_AGE": "0", "CONN_HEALTH_CHECKS": "false"},
    "max_age=600": {"CONN_MAX_AGE": "600", "CONN_HEALTH_CHECKS": "false"},
    "max_age=600 + checks": {"CONN_MAX_AGE": "600", "CONN_HEALTH_CHECKS": "true"},
}


async def clicks(server: Daphne, count: int) -> list[float]:
    browser = Browser(server.url)
    conversation = browser.start()
    async with open_tab(browser, conversation, server) as tab:
        frames, _ = await tab.say("delete my data")
        cancel = buttons(frames)["cancel_delete"]
        times = []
        for _ in range(count):
            start = time.perf_counter()
            _, ack = await tab.click(cancel)
            times.append(time.perf_counter() - start)
            assert ack["status"] == "ok", ack
    return times


async def after_kill(server: Daphne, database: str) -> str:
    """Warm every connection up (healing what an earlier kill broke), kill them, click once."""
    browser = Browser(server.url)
    conversation = browser.start()
    for _ in range(5):  # a connection another setting's kill broke fails once, then reconnects
        try:
            async with open_tab(browser, conversation, server) as tab:
                frames, _ = await tab.say("delete my data")
                cancel = buttons(frames)["cancel_delete"]
                if (await tab.click(cancel))[1]["status"] != "ok":
                    continue
                terminate_connections(database)
                _, ack = await tab.click(cancel)
                return str(ack["status"])
        except InvalidStatus:
            continue
    return "never healed"


async def run(args: argparse.Namespace) -> None:
    with postgres_database() as database:
        common = {**redis_env(), "DATABASE_URL": database, "CHATACTIONS_RATE_LIMIT": "0"}
        servers = {name: Daphne({**common, **env}) for name, env in SETTINGS.items()}
        results: dict[str, list[float]] = {name: [] for name in SETTINGS}
        killed: dict[str, str] = {}
        try:
            for server in servers.values():
                server.start()
            names = list(SETTINGS)
            for r in range(args.rounds):
                for name in names[r % 3 :] + names[: r % 3]:
                    results[name] += await clicks(servers[name], args.clicks)
            for name, server in servers.items():
                killed[name] = await after_kill(server, database)
        finally:
            for server in servers.values():
                server.stop()
    print(f"\n{args.rounds} rounds of {args.clicks} clicks, PostgreSQL, DEBUG off")
    print("| setting | click to ack, median ms | p90 ms | first click after the kill |")
    print("|---|---:|---:|---|")
    for name, times in results.items():
        p90 = statistics.quantiles(times, n=10)[-1]
        median = statistics.median(times)
        print(f"| {name} | {median * 1000:.2f} | {p90 * 1000:.2f} | {killed[name]} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=4)
    args: Any = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
