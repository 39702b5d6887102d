"""Streams on one daphne: 50 concurrent streams of 2,000 tokens, coalesced and not.

    .venv/bin/python bench/streams.py [--streams 50] [--tokens 2000] [--rate 100]

One daphne on PostgreSQL and Redis; each of ``--streams`` visitors has its own
conversation and socket and asks the bench bot for ``--tokens`` tokens at
``--rate`` tokens a second. Every token is the time ``stream_token()`` was
called, so the client measures the delay to the tab for each token. Reported,
for ``STREAM_COALESCE`` 50 ms and 0 (each token its own frame): tokens/s
delivered, ``message.stream`` frames received, the p50/p99 delay, daphne's CPU
(user + system over the run's wall time), and whether every tab's text was
exact. Nothing is asserted: it reports.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BENCH_ENV, pct
from tests.servers import Browser, Daphne, postgres_database, redis_env


@dataclass
class Run:
    tokens: int = 0
    frames: int = 0
    delays: list[float] = field(default_factory=list)
    exact: int = 0
    gaps: int = 0
    wall: float = 0.0
    cpu: float = 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_stream(server: Daphne, args: argparse.Namespace, run: Run) -> None:
    browser = Browser(server.url)
    conversation = await asyncio.to_thread(browser.start, "/bench/")
    async with connect(**browser.socket_args(conversation, server), max_size=None) as ws:
        await ws.send(json.dumps({"type": "message", "content": "__ready__", "ref": "w"}))
        while json.loads(await ws.recv()).get("ref") != "w":
            pass
        await start_line.wait()
        await ws.send(
            json.dumps(
                {"type": "message", "content": f"stream {args.tokens} {args.rate}", "ref": "s"}
            )
        )
        text, final = "", None
        while True:
            frame = json.loads(await ws.recv())
            now = time.time()
            if frame["type"] == "message" and frame.get("stream") == "streaming":
                text = frame["content"]
                run.delays += [now - float(t) for t in text.split()]
            elif frame["type"] == "message.stream":
                run.frames += 1
                if frame["at"] != len(text):  # a frame lost on the way: the end repairs it
                    run.gaps += 1
                    continue
                text += frame["delta"]
                run.delays += [now - float(t) for t in frame["delta"].split()]
            elif frame["type"] == "message.update" and frame.get("stream") == "":
                final = frame["content"]
            elif frame.get("ref") == "s":
                break
        run.tokens += len((final or text).split())
        run.exact += int(final is not None and len(final.split()) == args.tokens)


start_line = asyncio.Event()


async def measure(coalesce: float, args: argparse.Namespace) -> Run:
    start_line.clear()
    env = {**BENCH_ENV, **redis_env(), "CHATACTIONS_STREAM_COALESCE": str(coalesce)}
    with postgres_database() as database:
        server = Daphne({**env, "DATABASE_URL": database}).start()
        try:
            run = Run()
            pid = server.process.pid  # type: ignore[union-attr]
            tasks = [
                asyncio.create_task(one_stream(server, args, run)) for _ in range(args.streams)
            ]
            await asyncio.sleep(2)  # every visitor connected and waiting
            cpu, wall = cpu_seconds(pid), time.perf_counter()
            start_line.set()
            await asyncio.gather(*tasks)
            run.wall, run.cpu = time.perf_counter() - wall, cpu_seconds(pid) - cpu
        finally:
            server.stop()
    return run


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0, help="tokens a second per stream")
    args = parser.parse_args()
    print(f"{args.streams} streams x {args.tokens} tokens at {args.rate:g} tokens/s each")
    columns = "tokens/s delivered | frames | p50 delay | p99 delay | daphne CPU | gaps | exact"
    print(f"| STREAM_COALESCE | {columns} |")
    print("|---|---|---|---|---|---|---|---|")
    for coalesce in (0.05, 0.0):
        run = await measure(coalesce, args)
        print(
            f"| {coalesce * 1000:g} ms | {run.tokens / run.wall:,.0f} | {run.frames:,} "
            f"| {pct(run.delays, 0.5) * 1000:.1f} ms | {pct(run.delays, 0.99) * 1000:.1f} ms "
            f"| {run.cpu / run.wall * 100:.0f}% | {run.gaps} | {run.exact}/{args.streams} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
