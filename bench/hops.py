"""What one trip to the database thread costs, with nothing to do there.

A click crosses to the database thread three times (claim, save the reply,
release). This times an empty call through ``database_sync_to_async`` (what
chatactions uses), through ``sync_to_async``, and through a bare
``run_in_executor`` on one worker thread, with and without Django's
``close_old_connections`` sweep, in wall time and CPU time per call.

    python bench/hops.py [-n 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def nothing() -> int:
    return 1


async def measure(n: int) -> None:
    from asgiref.sync import sync_to_async
    from channels.db import database_sync_to_async
    from django.db import close_old_connections

    def swept() -> int:
        close_old_connections()
        try:
            return 1
        finally:
            close_old_connections()

    loop = asyncio.get_running_loop()
    worker = ThreadPoolExecutor(1)
    hops: dict[str, Callable[[], Awaitable[int]]] = {
        "database_sync_to_async": lambda: database_sync_to_async(nothing)(),
        "sync_to_async": lambda: sync_to_async(nothing)(),
        "run_in_executor + sweep": lambda: loop.run_in_executor(worker, swept),
        "run_in_executor": lambda: loop.run_in_executor(worker, nothing),
    }
    for name, hop in hops.items():
        for _ in range(n // 10):
            await hop()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            await hop()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{name:24s} wall {wall / n * 1e6:6.1f} µs, CPU {cpu / n * 1e6:6.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import django

    django.setup()
    asyncio.run(measure(args.n))


if __name__ == "__main__":
    main()
