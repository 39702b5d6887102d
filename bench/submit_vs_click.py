"""A form submission's round trip next to a click's, on the same daphne, in one run.

One visitor, one socket, alternating: a click on the chapter's "Confirm
Deletion" (its callback sends one message) and a ``submit`` of a fresh
two-field form (validated by its Django form class, then its callback sends
one message and the form is removed). Each is timed from sending the frame to
the callback's message, and to the ``ack``. A form is answered once, so each
submission first asks for a new form, untimed. Nothing is asserted.

    .venv/bin/python bench/submit_vs_click.py [--n 300] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BENCH_ENV, open_client, pct, servers


async def timed(ws: Any, frame: dict[str, Any]) -> tuple[float, float]:
    """Seconds until the callback's message, and until the ack."""
    start = time.perf_counter()
    await ws.send(json.dumps(frame))
    message = None
    while True:
        reply = json.loads(await ws.recv())
        if message is None and reply["type"] == "message" and not reply.get("from_user"):
            message = time.perf_counter() - start
        if reply["type"] == "ack" and reply["ref"] == frame["ref"]:
            assert reply["status"] == "ok", reply
            return message or 0.0, time.perf_counter() - start


async def new_form(ws: Any, ref: str) -> str:
    await ws.send(json.dumps({"type": "message", "content": "ship", "ref": ref}))
    form = ""
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] == "message" and reply.get("form"):
            form = reply["form"]["id"]
        if reply["type"] == "ack" and reply["ref"] == ref:
            return form


async def run(n: int, kind: str) -> list[str]:
    with servers(kind, 1) as (daphne,):
        client = await open_client(daphne, daphne)
        ws = client.ws
        rows: dict[str, list[float]] = {k: [] for k in ("click", "submit")}
        acks: dict[str, list[float]] = {k: [] for k in ("click", "submit")}
        for i in range(n + 20):  # the first 20 of each warm up
            click = await timed(ws, {"type": "action", "id": client.confirm, "ref": f"c{i}"})
            form = await new_form(ws, f"f{i}")
            data = {"address": "1 Main St", "speed": "express"}
            submit = await timed(ws, {"type": "submit", "id": form, "data": data, "ref": f"s{i}"})
            if i >= 20:
                for name, (to_message, to_ack) in (("click", click), ("submit", submit)):
                    rows[name].append(to_message)
                    acks[name].append(to_ack)
        await ws.close()
    lines = [
        f"### {kind}: {n} of each, alternating, one socket",
        "",
        "| round trip | to the reply p50 | p95 | to the ack p50 | p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in ("click", "submit"):
        cells = [pct(values[name], q) * 1000 for values in (rows, acks) for q in (0.5, 0.95)]
        lines.append(f"| {name} | " + " | ".join(f"{cell:.2f} ms" for cell in cells) + " |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis")
    args = parser.parse_args()
    assert BENCH_ENV["CHATACTIONS_RATE_LIMIT"] == "0"
    kind = "production" if args.postgres else "default"
    print("\n".join(asyncio.run(run(args.n, kind))))


if __name__ == "__main__":
    main()
