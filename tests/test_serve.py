"""``make serve``: N daphne processes on consecutive ports that share conversations."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest

from .servers import (
    ROOT,
    Browser,
    _port_open,
    free_port,
    open_tab,
    redis_env,
    sqlite_database,
)

# Real servers or a browser: run once in CI, not across the matrix (make test-unit).
pytestmark = pytest.mark.live

SERVE = [sys.executable, "deploy/serve.py"]


def consecutive_free_ports(count: int) -> int:
    while True:
        base = free_port()
        if base + count <= 65535 and not any(_port_open(base + i) for i in range(count)):
            return base


def wait_until(test: Callable[[], object], timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


class Served:
    """``deploy/serve.py`` running two processes on ``base`` and ``base + 1``."""

    def __init__(self, base: int, process: subprocess.Popen[bytes]) -> None:
        self.base = base
        self.process = process

    def stop(self) -> int:
        """SIGTERM, as systemd or Ctrl-C would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@pytest.fixture
def served() -> Iterator[Served]:
    base = consecutive_free_ports(2)
    with sqlite_database() as database:
        env = {**os.environ, **redis_env(), "DATABASE_URL": database}
        process = subprocess.Popen(
            [*SERVE, "--processes", "2", "--port", str(base)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, daphnes included
        )
        try:
            assert wait_until(lambda: _port_open(base) and _port_open(base + 1))
            yield Served(base, process)
        finally:
            try:
                Served(base, process).stop()
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


async def test_serve_runs_processes_on_consecutive_ports_that_share_a_conversation(
    served: Served,
) -> None:
    browser = Browser(f"http://127.0.0.1:{served.base}")
    conversation = browser.start()
    async with open_tab(browser.on(f"http://127.0.0.1:{served.base + 1}"), conversation) as tab:
        greeting = await tab.sync()
    code = served.stop()
    assert greeting[0]["content"].startswith("Hello!")
    assert code == 0
    assert not _port_open(served.base) and not _port_open(served.base + 1)


def test_serve_refuses_several_processes_without_redis() -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = subprocess.run(
        [*SERVE, "--processes", "2"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "several processes need REDIS_URL" in done.stderr
