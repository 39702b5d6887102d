"""``send_sync()`` from plain sync code, in one process: what one call costs (SQLite + Redis).

    python bench/send_sync.py [--root CHECKOUT] [--calls 100] [--against CHECKOUT ...]

With ``--against``, this tree and each other checkout take turns, ``--rounds``
times, each in a process of its own (their code, their migrations, a fresh
SQLite file, the machine's Redis under a prefix of its own); it prints one
table of medians. Alone (``--root``), it measures one checkout and prints one
JSON line: the median milliseconds of ``send_sync()`` from the main thread (no
event loop anywhere: a management command, a task worker) and of ``await
m.send()`` from one event loop, ``--calls`` each, after a warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def measure(root: Path, calls: int) -> dict[str, Any]:
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    import asyncio

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import chatactions as ca
    from chatactions.models import Conversation

    conversation = Conversation.objects.create(visitor=str(uuid.uuid4()))
    for _ in range(5):  # imports, the first connections
        ca.Message("warm-up", conversation=conversation).send_sync()
    sync: list[float] = []
    for i in range(calls):
        start = time.perf_counter()
        ca.Message(f"sync {i}", conversation=conversation).send_sync()
        sync.append(time.perf_counter() - start)

    async def from_one_loop() -> list[float]:
        out = []
        for i in range(calls):
            start = time.perf_counter()
            await ca.Message(f"async {i}", conversation=conversation).send()
            out.append(time.perf_counter() - start)
        return out

    loop = asyncio.run(from_one_loop())
    return {
        "send_sync": statistics.median(sync) * 1000,
        "send": statistics.median(loop) * 1000,
        "path": str(Path(ca.__file__).parent.parent),
    }


def one(root: Path, calls: int) -> dict[str, Any]:
    """``measure`` in a child process: ``root``'s code, a fresh database, a Redis prefix."""
    sys.path.insert(0, str(ROOT))
    from tests.servers import redis_env

    with tempfile.TemporaryDirectory(prefix="chatactions-send-sync-") as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
            **redis_env(),
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        done = subprocess.run(
            [sys.executable, __file__, "--root", str(root), "--calls", str(calls)],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", type=Path, action="append", default=[])
    args = parser.parse_args()
    if args.root is not None:
        print(json.dumps(measure(args.root.resolve(), args.calls)), flush=True)
        return
    trees = [ROOT, *(p.resolve() for p in args.against)]
    results: dict[Path, list[dict[str, Any]]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            results[tree].append(one(tree, args.calls))
    load = os.getloadavg()[0]
    print(f"send_sync() in one process, SQLite + Redis, {args.calls} calls a round, ", end="")
    print(f"{args.rounds} rounds alternated, medians of the rounds' medians; load {load:.1f}")
    print()
    print("| checkout | `send_sync()` ms | `await m.send()` ms | each round's `send_sync()` |")
    print("|---|---:|---:|---|")
    for tree, runs in results.items():
        sync = statistics.median(r["send_sync"] for r in runs)
        loop = statistics.median(r["send"] for r in runs)
        each = ", ".join(f"{r['send_sync']:.2f}" for r in runs)
        print(f"| {tree} | {sync:.2f} | {loop:.2f} | {each} |")


if __name__ == "__main__":
    main()
