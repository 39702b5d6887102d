"""Where a busy daphne's time goes under 50 clicking clients: a py-spy profile, summed.

Starts one daphne (default setup, as ``make bench``), drives 50 clients in a
closed loop (buttons stay, or ``--demo``: ask, then click the fresh button),
samples the daphne with ``py-spy record --gil`` (only the thread holding the
GIL: the process is bound by one core of Python) and prints the share of
samples by function (self and inclusive) and by package.

    pip install py-spy
    python bench/profile_click.py [--demo] [--seconds 15] [--top 40] [--root DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import BENCH_ENV, open_client
from bench.versus import ask_then_click, click_to_ack, closed_loop, cpu_seconds
from tests.servers import ROOT, Daphne, sqlite_database


def package(frame: str) -> str:
    """``func (path:line)`` → the package it belongs to, for the summary by package."""
    path = frame.rsplit("(", 1)[-1]
    for name in ("chatactions", "channels", "daphne", "twisted", "autobahn", "asgiref", "django"):
        if f"{name}/" in path:
            return name
    if "bench/" in path:
        return "bench (the bot)"
    if "asyncio" in path:
        return "asyncio"
    if "sqlite" in path:
        return "sqlite3"
    return "other"


async def load(server: Daphne, demo: bool, seconds: float, raw: Path) -> tuple[float, float]:
    """Open the clients, then sample while they click (not while they connect)."""
    path, op = ("/chat/", ask_then_click) if demo else ("/bench/", click_to_ack)
    clients = await asyncio.gather(*(open_client(server, server, path) for _ in range(50)))
    await closed_loop(clients, op, 1)  # warm up
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    record = [spy, "record", "--gil", "--format", "raw", "-r", "200", "-o", str(raw)]
    record += ["-d", str(int(seconds)), "-p", str(server.pid)]
    sampler = await asyncio.create_subprocess_exec(
        *record, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    cpu = cpu_seconds(server.pid)
    _, rate = await closed_loop(clients, op, seconds)
    await sampler.wait()
    for c in clients:
        await c.ws.close()
    return rate, (cpu_seconds(server.pid) - cpu) / (rate * seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--root", type=Path, help="profile another checkout's daphne")
    args = parser.parse_args()
    root = (args.root or ROOT).resolve()
    raw = Path(tempfile.mkdtemp()) / "stacks.txt"
    with sqlite_database(root) as url:
        server = Daphne({**BENCH_ENV, "DATABASE_URL": url}, root=root).start()
        try:
            rate, per_click = asyncio.run(load(server, args.demo, args.seconds, raw))
        finally:
            server.stop()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    packages: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        total += n
        own[frames[-1]] += n
        packages[package(frames[-1])] += n
        for frame in set(frames):
            inclusive[frame] += n
    print(f"{rate:.0f} clicks/s, {per_click * 1000:.2f} ms of daphne CPU per click", end="")
    print(f"; {total} samples")
    print("\nby package (self):")
    for name, n in packages.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("\nself:")
    for frame, n in own.most_common(args.top):
        print(f"  {n / total:6.1%}  {frame}")
    print("\ninclusive:")
    for frame, n in inclusive.most_common(args.top * 2):
        print(f"  {n / total:6.1%}  {frame}")


if __name__ == "__main__":
    main()
