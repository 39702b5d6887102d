"""An approval's round trip next to a click's, on the same daphne, in one run.

One visitor, one socket, alternating: a click on the chapter's "Confirm
Deletion" (its callback sends one message) and the Approve of a fresh
approval (the claim that removes its three answers, the decision's
conditional UPDATE with the digest checked and the message redrawn, then the
approval callback, which sends one message). Each is timed from sending the
frame to the callback's message, and to the ``ack``; asking for each approval
is untimed. Nothing is asserted.

    .venv/bin/python bench/approve_vs_click.py [--n 300] [--postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BENCH_ENV, open_client, servers
from bench.submit_vs_click import table, timed


async def new_approval(ws: Any, ref: str) -> str:
    """Ask for an approval; the id of its Approve button."""
    await ws.send(json.dumps({"type": "message", "content": "approve", "ref": ref}))
    approve = ""
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] == "message" and "chatactions:approve" in reply.get("html", ""):
            found = re.search(r'data-action-id="([0-9a-f-]+)"', reply["html"])
            approve = found[1] if found else ""
        if reply["type"] == "ack" and reply["ref"] == ref:
            return approve


async def run(n: int, kind: str) -> list[str]:
    with servers(kind, 1) as (daphne,):
        client = await open_client(daphne, daphne)
        ws = client.ws
        rows: dict[str, list[float]] = {k: [] for k in ("click", "approve")}
        acks: dict[str, list[float]] = {k: [] for k in ("click", "approve")}
        for i in range(n + 20):  # the first 20 of each warm up
            click = await timed(ws, {"type": "action", "id": client.confirm, "ref": f"c{i}"})
            approve_id = await new_approval(ws, f"a{i}")
            approve = await timed(ws, {"type": "action", "id": approve_id, "ref": f"p{i}"})
            if i >= 20:
                for name, (to_message, to_ack) in (("click", click), ("approve", approve)):
                    rows[name].append(to_message)
                    acks[name].append(to_ack)
        await ws.close()
    return table(f"{kind}: {n} of each, alternating, one socket", rows, acks)


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
