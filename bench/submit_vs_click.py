"""A form submission's round trip next to a click's, on the same daphne, in one run.

One visitor, one socket, alternating: a click on the chapter's "Confirm
Deletion" (its callback sends one message), a ``submit`` of a fresh
two-field form (validated by its Django form class, then its callback sends
one message and the form is removed), and an upload: the same form with a
file field, posted as ``chat.js`` posts it (multipart over HTTP, asking for
JSON, ``--upload-bytes`` of file). Each is timed from sending the frame (or
the request) to the callback's message on the socket, and to the ``ack`` (for
the upload: the HTTP answer). A form is answered once, so each submission
first asks for a new form, untimed. Nothing is asserted.

    .venv/bin/python bench/submit_vs_click.py [--n 300] [--postgres] [--upload-bytes 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.run import BENCH_ENV, Client, open_client, pct, servers


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


async def new_form(ws: Any, ref: str, content: str = "ship") -> str:
    await ws.send(json.dumps({"type": "message", "content": content, "ref": ref}))
    form = ""
    while True:
        reply = json.loads(await ws.recv())
        if reply["type"] == "message" and reply.get("form"):
            form = reply["form"]["id"]
        if reply["type"] == "ack" and reply["ref"] == ref:
            return form


def post_upload(client: Client, form: str, photo: bytes) -> float:
    """POST the form with its file as chat.js does; seconds until the JSON answer."""
    assert client.browser is not None
    browser = client.browser
    token = next(c.value for c in browser.jar if c.name == "csrftoken")
    boundary = "bench-boundary"
    fields = {"csrfmiddlewaretoken": token, "address": "1 Main St", "speed": "express"}
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="p.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        f"{browser.base_url}/chat/{client.conversation}/forms/{form}/submit/",
        data=b"".join(parts),
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
        },
    )
    start = time.perf_counter()
    with browser.opener.open(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer["status"] == "ok", answer
    return time.perf_counter() - start


async def uploaded(client: Client, form: str, photo: bytes) -> tuple[float, float]:
    """Seconds until the callback's message reaches the socket, and until the HTTP answer."""
    start = time.perf_counter()
    answer = asyncio.ensure_future(asyncio.to_thread(post_upload, client, form, photo))
    while True:
        reply = json.loads(await client.ws.recv())
        if reply["type"] == "message" and not reply.get("from_user"):
            message = time.perf_counter() - start
            break
    to_answer = await answer
    return message, to_answer


async def run(n: int, kind: str, upload_bytes: int) -> list[str]:
    names = ("click", "submit", "upload")
    photo = b"\xff\xd8" + b"x" * max(0, upload_bytes - 2)
    with servers(kind, 1) as (daphne,):
        client = await open_client(daphne, daphne)
        ws = client.ws
        rows: dict[str, list[float]] = {k: [] for k in names}
        acks: dict[str, list[float]] = {k: [] for k in names}
        for i in range(n + 20):  # the first 20 of each warm up
            click = await timed(ws, {"type": "action", "id": client.confirm, "ref": f"c{i}"})
            form = await new_form(ws, f"f{i}")
            data = {"address": "1 Main St", "speed": "express"}
            submit = await timed(ws, {"type": "submit", "id": form, "data": data, "ref": f"s{i}"})
            form = await new_form(ws, f"u{i}", "ship photo")
            upload = await uploaded(client, form, photo)
            if i >= 20:
                for name, (to_message, to_ack) in zip(names, (click, submit, upload), strict=True):
                    rows[name].append(to_message)
                    acks[name].append(to_ack)
        await ws.close()
    heading = f"{kind}: {n} of each, alternating, one socket; uploads of {len(photo)} bytes"
    return table(heading, rows, acks)


def table(heading: str, rows: dict[str, list[float]], acks: dict[str, list[float]]) -> list[str]:
    """Each round trip's p50 and p95, to the reply and to the ack, as Markdown."""
    lines = [
        f"### {heading}",
        "",
        "| round trip | to the reply p50 | p95 | to the ack p50 | p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in rows:
        cells = [pct(values[name], q) * 1000 for values in (rows, acks) for q in (0.5, 0.95)]
        lines.append(f"| {name} | " + " | ".join(f"{cell:.2f} ms" for cell in cells) + " |")
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL and Redis")
    parser.add_argument("--upload-bytes", type=int, default=10_000, help="the upload's size")
    args = parser.parse_args()
    assert BENCH_ENV["CHATACTIONS_RATE_LIMIT"] == "0"
    kind = "production" if args.postgres else "default"
    print("\n".join(asyncio.run(run(args.n, kind, args.upload_bytes))))


if __name__ == "__main__":
    main()
