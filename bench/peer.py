"""Stock Chainlit 2.12, measured by the harness in ``../shared/peer/`` in the same run as ours.

``make bench`` compares chatactions with Chainlit side by side (``bench/versus.py``).
This module finds the harness, makes its virtualenv from its
``requirements-lock.txt`` when missing (PyPI), starts a fresh Chainlit process for
each scenario (Chainlit never frees a session's chat context, so no scenario
may inherit another's) and runs the harness's own client, which talks to
Chainlit as its browser does (socket.io, the action POST). Nothing here is
Chainlit's code or ours: it only starts processes and reads their JSON lines.

Where the harness is: ``$PEER_DIR`` if set (only there), else ``../shared/peer``
from the repository's root, else ``/work/shared/peer``. Without it, ``find`` says why and the
comparison prints our column alone.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "chatactions-acc"
VENV = Path(os.environ.get("PEER_VENV", CACHE / "peer-venv"))
APP_ROOT = CACHE / "chainlit-root"  # .chainlit/, .files/ and chainlit.md land here


def find() -> tuple[Path | None, str]:
    """The harness's folder, or ``None`` and where it was looked for."""
    if os.environ.get("PEER_DIR"):  # only there: PEER_DIR=/nowhere measures ours alone
        candidates = [Path(os.environ["PEER_DIR"])]
    else:
        candidates = [ROOT.parent / "shared" / "peer", Path("/work/shared/peer")]
    for folder in candidates:
        if (folder / "chainlit_client.py").is_file():
            return folder.resolve(), ""
    looked = ", ".join(str(c) for c in candidates)
    return None, f"no Chainlit peer harness (chainlit_client.py) in {looked}; set PEER_DIR"


def ensure_venv(peer: Path) -> Path:
    """The harness's Python, its virtualenv made from ``requirements-lock.txt`` if missing."""
    python = VENV / "bin" / "python"
    if not (VENV / "bin" / "chainlit").exists():
        print(f"[peer] creating {VENV} from {peer / 'requirements-lock.txt'}", flush=True)
        subprocess.run(["python3", "-m", "venv", str(VENV)], check=True)
        lock = ["-r", str(peer / "requirements-lock.txt")]
        subprocess.run([str(python), "-m", "pip", "install", "-q", *lock], check=True)
    return python


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chainlit(peer: Path) -> Iterator[tuple[str, int]]:
    """A fresh stock Chainlit serving the harness's bot: its URL and pid."""
    port = _free_port()
    APP_ROOT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "LITERAL"))}
    env.pop("CHAINLIT_AUTH_SECRET", None)
    env.pop("PEER_DIAG_NO_CTOR_SLEEP", None)  # stock Chainlit only
    command = [str(VENV / "bin" / "chainlit"), "run", str(peer / "chainlit_app.py")]
    command += ["--headless", "--port", str(port), "--host", "127.0.0.1"]
    with (APP_ROOT / "bench-server.log").open("ab") as log:
        process = subprocess.Popen(
            command,
            cwd=APP_ROOT,
            env={**env, "CHAINLIT_APP_ROOT": str(APP_ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/auth/config", timeout=1).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"chainlit did not come up; see {log.name}") from None
                time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def scenario(peer: Path, *args: str) -> list[dict[str, Any]]:
    """Run the harness's client for one scenario on a fresh Chainlit; its JSON lines."""
    with chainlit(peer) as (url, pid):
        command = [str(VENV / "bin" / "python"), str(peer / "chainlit_client.py")]
        command += ["--url", url, "--server-pid", str(pid), *args]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(out.stderr, file=sys.stderr)
        raise RuntimeError(f"the Chainlit client failed ({' '.join(args)})")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def measure(peer: Path, n: int, seconds: float) -> dict[str, float]:
    """One pass of the figures the comparison needs, in seconds and clicks per second.

    The same definitions as ours (``bench/versus.py``): a click's time is to the
    reply message with 1 client; under 50 clients it runs to the later of the
    message and the HTTP answer (Chainlit's only "ack"), as our ack comes after
    the frames; a user message's time is to the reply and both its buttons.
    """
    common = ["--n", str(n), "--warmup", "20", "--duration", str(seconds)]
    (click,) = [r for r in scenario(peer, *common, "--scenarios", "click_rtt") if "p50_ms" in r]
    (message,) = [
        r for r in scenario(peer, *common, "--scenarios", "message_rtt") if "p50_ms" in r
    ]
    (busy,) = [
        r
        for r in scenario(peer, *common, "--scenarios", "throughput", "--clients", "50")
        if r.get("scenario") == "click_throughput"
    ]
    if busy["errors"]:
        print(f"[peer] {busy['errors']} failed clicks at 50 clients", file=sys.stderr)
    return {
        "stay 1 p50": click["p50_ms"] / 1000,
        "stay 50 /s": busy["clicks_per_s"],
        "stay 50 p99": busy["p99_ms"] / 1000,
        "message 1 p50": message["p50_ms"] / 1000,
        "stay 50 CPU": busy.get("server_cpu_pct", 0.0) / 100,
    }
