"""Where an idle socket's memory goes: a tracemalloc diff over N sockets, by owner.

``python bench/socket_memory.py --sockets 2000`` starts one daphne (SQLite,
in-memory layer, ``bench.memsettings``: tracing from settings on), opens 20
sockets, starts tracing, opens N more, waits, takes a snapshot. Each block the N
sockets left is charged to the innermost frame of its traceback that is in a
known package (chatactions, channels, daphne, twisted, autobahn, asgiref,
django, websockets-free stdlib otherwise), so ``asyncio.ensure_future`` called
by chatactions is chatactions'. Also prints the live objects whose count grew
by about a multiple of N, and the RSS per socket (inflated by tracing itself).
Reported, never asserted; not part of ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BENCH_ENV, rss_kib
from bench.scale import open_sockets, pairs, raise_fd_limit, start_conversations
from tests.servers import Daphne, sqlite_database

ROOT = Path(__file__).resolve().parent.parent
OWNERS = ("chatactions", "channels", "daphne", "twisted", "autobahn", "asgiref", "django")


def owner(tb: tracemalloc.Traceback) -> tuple[str, str]:
    """The package and ``file:line`` of the innermost frame in a known package."""
    for frame in reversed(tb):  # most recent last
        parts = Path(frame.filename).parts
        for name in OWNERS:
            if name in parts:
                i = len(parts) - 1 - parts[::-1].index(name)
                return name, f"{'/'.join(parts[i:])}:{frame.lineno}"
    last = tb[-1]
    return "other", f"{Path(last.filename).name}:{last.lineno}"


def take(server: Daphne, base: str, n: int) -> tuple[tracemalloc.Snapshot | None, Any]:
    """Signal the daphne, wait for its files (run in a thread: the sockets stay served)."""
    os.kill(server.pid, signal.SIGUSR1)
    path = Path(f"{base}.{n}.types")
    while not path.exists():
        time.sleep(0.2)
    time.sleep(1)  # the .types file is written last
    types = json.loads(path.read_text())
    return (tracemalloc.Snapshot.load(f"{base}.{n}.snap") if n > 1 else None), types


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=25)
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="another checkout's code (with this file copied into its bench/)",
    )
    args = parser.parse_args()
    raise_fd_limit(args.sockets * 2 + 1000)
    with tempfile.TemporaryDirectory() as tmp, sqlite_database() as url:
        base = f"{tmp}/mem"
        env = {
            **BENCH_ENV,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "bench.memsettings",
            "CHATACTIONS_BENCH_SNAPSHOT": base,
        }
        server = Daphne(env, root=args.root or ROOT).start(timeout=180)
        try:
            targets = pairs(await start_conversations(server, 100, 4))
            warm = await open_sockets(server, targets[:20])
            await asyncio.sleep(1)
            rss0 = rss_kib(server.pid)
            _, t1 = await asyncio.to_thread(take, server, base, 1)
            sockets = await open_sockets(  # a few at a time: tracing slows the daphne
                server, [targets[i % len(targets)] for i in range(args.sockets)], batch=10
            )
            await asyncio.sleep(3)
            rss1 = rss_kib(server.pid)
            after, t2 = await asyncio.to_thread(take, server, base, 2)
            assert after is not None
            alive = sum(ws.close_code is None for ws in sockets)
            for ws in sockets + warm:
                await ws.close()
        except Exception:
            print(server.output()[-3000:])
            raise
        finally:
            server.stop()
    n = len(sockets)
    by_owner: Counter[str] = Counter()
    by_line: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    for stat in after.statistics("traceback"):
        pkg, line = owner(stat.traceback)
        by_owner[pkg] += stat.size
        by_line[f"{pkg} {line}"][0] += stat.size
        by_line[f"{pkg} {line}"][1] += stat.count
    total = sum(by_owner.values())
    print(
        f"{n} sockets ({alive} open), traced {total / n / 1024:.2f} KiB per socket; "
        f"RSS {(rss1 - rss0) / n:.2f} KiB per socket (before tracing)\n"
    )
    print("| allocated under | bytes per socket |\n|---|---:|")
    for pkg, size in by_owner.most_common():
        print(f"| {pkg} | {size / n:,.0f} |")
    print(f"| total | {total / n:,.0f} |\n")
    print("| innermost known frame | bytes per socket | blocks per socket |\n|---|---:|---:|")
    for line, (size, count) in sorted(by_line.items(), key=lambda kv: -kv[1][0])[: args.lines]:
        print(f"| {line} | {size / n:,.0f} | {count / n:.2f} |")
    print("\n| live objects of type | more per socket |\n|---|---:|")
    grown = {k: (t2.get(k, 0) - t1.get(k, 0)) / n for k in t2}
    for k, v in sorted(grown.items(), key=lambda kv: -kv[1])[: args.lines]:
        if v >= 0.5:
            print(f"| {k} | {v:.2f} |")


if __name__ == "__main__":
    start = time.perf_counter()
    asyncio.run(main())
    print(f"\n({time.perf_counter() - start:.0f} s)")
