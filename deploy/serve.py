"""Run N daphne processes of the demo site on consecutive ports: ``make serve N=2 PORT=8000``.

A real multi-process deployment on one machine, for trying one out (behind
nginx, ``deploy/nginx.conf``) or testing it: the database is migrated once, then
``daphne`` serves on ``PORT``, ``PORT+1``, ... until Ctrl-C (or SIGTERM), which
stops them all; if one dies, the others are stopped too. ``DATABASE_URL`` and
``REDIS_URL`` come from the environment; more than one process needs
``REDIS_URL``, or their tabs would not see each other. DEBUG is off unless
``DJANGO_DEBUG`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--processes", type=int, default=2)
    parser.add_argument("--port", type=int, default=8000, help="port of the first process")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    env = {**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "false")}
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    if args.processes > 1 and not env.get("REDIS_URL"):
        parser.error(
            "several processes need REDIS_URL (e.g. redis://127.0.0.1:6379/0): with the "
            "in-memory channel layer, tabs on different processes never see each other"
        )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True
    )
    daphne = [sys.executable, "-m", "daphne", "--proxy-headers", "-b", args.host]
    processes = [
        subprocess.Popen(
            [*daphne, "-p", str(args.port + i), "project.asgi:application"], cwd=ROOT, env=env
        )
        for i in range(args.processes)
    ]
    ports = ", ".join(str(args.port + i) for i in range(args.processes))
    print(f"serving on {args.host} ports {ports}; Ctrl-C stops them all", flush=True)

    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.2)
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return 0 if stopping else 1  # not asked to stop: one of them died


if __name__ == "__main__":
    sys.exit(main())
