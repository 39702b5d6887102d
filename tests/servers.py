"""Real servers for tests: daphne processes, fresh databases, Redis.

Tests of the multi-process story and the browser start real daphne processes
on free ports. PostgreSQL and Redis are the machine's own services; when one is
missing a test skips with the reason, except under ``CI=true``, where it fails:
CI must never pass by skipping what it was meant to prove. Tests that stop
Redis start a private ``redis-server`` of their own (``RedisServer``): the
machine's one is shared and never touched.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import http.cookiejar
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def missing_service(reason: str) -> None:
    """Skip on a laptop without the service; fail under CI, where it must exist."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: services must be running)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def manage(env: Mapping[str, str], *args: str, root: Path = ROOT) -> str:
    """Run a management command against a live site's settings; returns what it printed.

    ``root`` is the checkout whose ``manage.py`` runs: another tree's daphne
    (``bench/versus.py --against``) needs its own migrations, not ours.
    """
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=root,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


@functools.cache
def _logs() -> str:
    """One folder for the logs of every daphne this run starts, removed when the run ends."""
    folder = tempfile.mkdtemp(prefix="chatactions-daphne-logs-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


class Daphne:
    """One ``daphne project.asgi:application`` process on a free port."""

    def __init__(self, env: Mapping[str, str], port: int | None = None, root: Path = ROOT) -> None:
        self.root = root  # another checkout's code: bench/versus.py --against
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_SETTINGS_MODULE": "project.settings",
            **env,
        }
        self.port = port or free_port()
        self.log = Path(tempfile.mkstemp(prefix=f"{self.port}-", suffix=".log", dir=_logs())[1])
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Daphne:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.command, "project.asgi:application"],
                cwd=self.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"daphne did not start:\n{self.log.read_text()}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop gracefully (SIGTERM), as a deploy would."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """Die at once (SIGKILL), as a crash would."""
        self._signal(signal.SIGKILL)

    def _signal(self, sig: int) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def daphnes(env: Mapping[str, str], count: int = 2) -> Iterator[list[Daphne]]:
    """``count`` daphne processes of one site; each is stopped (or killed) afterwards."""
    servers = [Daphne(env) for _ in range(count)]
    try:
        for server in servers:
            server.start()
        yield servers
    finally:
        for server in servers:
            server.stop()


#: The demo site plus the test-only "live" chat app (``tests/liveapp``), unthrottled.
LIVE_SITE = {"DJANGO_SETTINGS_MODULE": "tests.live_settings", "CHATACTIONS_RATE_LIMIT": "0"}


@contextmanager
def sqlite_database(root: Path = ROOT) -> Iterator[str]:
    """A SQLite file of its own, migrated by ``root``'s code; yields its DATABASE_URL."""
    with tempfile.TemporaryDirectory(prefix="chatactions-live-") as tmp:
        url = f"sqlite:///{tmp}/live.sqlite3"
        manage({"DATABASE_URL": url}, "migrate", "--noinput", root=root)
        yield url


@contextmanager
def postgres_database(root: Path = ROOT) -> Iterator[str]:
    """A fresh PostgreSQL database migrated by ``root``'s code, dropped afterwards; its URL."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"))
    except Exception as exc:
        missing_service(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}")
        raise  # unreachable: missing_service raises
    name = f"chatactions_live_{uuid.uuid4().hex[:12]}"
    admin.autocommit = True
    admin.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        manage({"DATABASE_URL": url}, "migrate", "--noinput", root=root)
        yield url
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _admin() -> Any:
    import psycopg

    return psycopg.connect(
        POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True
    )


def terminate_connections(database_url: str) -> int:
    """Kill the server processes of ``database_url`` (that database only); returns how many."""
    name = database_url.rsplit("/", 1)[-1]
    with _admin() as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        ).fetchall()
    return len(rows)


@contextmanager
def database_unreachable(database_url: str) -> Iterator[None]:
    """Cut ``database_url`` off for a moment: kill its connections and refuse new ones."""
    name = database_url.rsplit("/", 1)[-1]
    with _admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            terminate_connections(database_url)
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def redis_env() -> dict[str, str]:
    """Settings for channels_redis on the machine's Redis, with a prefix of our own."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:
        missing_service(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return {"REDIS_URL": REDIS_URL, "CHANNELS_REDIS_PREFIX": f"t{uuid.uuid4().hex[:10]}"}


NO_PERSISTENCE = ("--save", "", "--appendonly", "no", "--daemonize", "no")


class RedisServer:
    """A private ``redis-server`` on a free port, for tests that stop and restart Redis."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            missing_service("redis-server is not installed")
        self.process = subprocess.Popen(
            [str(binary), "--port", str(self.port), "--bind", "127.0.0.1", *NO_PERSISTENCE],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not _port_open(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Kill it: everything it held (groups, queued messages) is gone, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@contextmanager
def private_redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


class Browser:
    """A plain HTTP client with a cookie jar: a visitor of a live server."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[str, str]:
        """GET a page, following redirects; returns the final URL path and the body."""
        with self.opener.open(self.base_url + path, timeout=10) as response:
            return response.url.removeprefix(self.base_url), response.read().decode()

    def post(self, path: str, data: Mapping[str, str] | None = None) -> tuple[str, str]:
        """POST a form as the page would, CSRF token included; follows the redirect."""
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        body = urllib.parse.urlencode({**(data or {}), "csrfmiddlewaretoken": token}).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=10) as response:
            return response.url.removeprefix(self.base_url), response.read().decode()

    def start(self, path: str = "/chat/") -> str:
        """Start a conversation (``/live/`` for one of the live test app); returns its uuid.

        The first visit starts one; later ones would open it again, so then the
        visitor posts "New chat", as the page's button does.
        """
        if any(c.name == "csrftoken" for c in self.jar):
            path, _ = self.post(path)
        else:
            path, _ = self.get(path)
        return path.rstrip("/").rsplit("/", 1)[-1]

    def on(self, base_url: str) -> Browser:
        """The same visitor, cookies and all, talking to another server."""
        other = Browser(base_url)
        other.jar = self.jar
        other.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        return other

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def socket_args(self, conversation: str, server: Daphne | None = None) -> dict[str, Any]:
        """Arguments for ``websockets.connect`` as this visitor, on ``server``.

        The origin is the server's own, as for a page it served: behind one load
        balancer every process is the same site.
        """
        site = (server.url if server else self.base_url).rstrip("/")
        return {
            "uri": f"{site.replace('http', 'ws', 1)}/ws/chat/{conversation}/",
            "additional_headers": {"Cookie": self.cookie},
            "origin": site,
        }


class Tab:
    """One open socket of a conversation on a live server, speaking protocol v1.

    Every wait has a timeout: a test of real processes must fail, not hang.
    ``task.start``/``task.end`` frames are dropped unless ``tasks`` is set.
    """

    def __init__(self, ws: Any, tasks: bool = False) -> None:
        self.ws = ws
        self.refs = 0
        self.tasks = tasks

    async def send(self, frame: dict[str, Any]) -> str:
        self.refs += 1
        ref = str(frame.get("ref", f"t{self.refs}"))
        await self.ws.send(json.dumps({**frame, "ref": ref}))
        return ref

    async def receive(self, timeout: float = 15) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = dict(json.loads(await self.ws.recv()))
                if self.tasks or not str(frame.get("type")).startswith("task."):
                    return frame

    async def until(
        self, test: Callable[[dict[str, Any]], bool], timeout: float = 15
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The frames received before the first one that passes ``test``, and that one."""
        frames = []
        async with asyncio.timeout(timeout):
            while not test(frame := await self.receive(timeout)):
                frames.append(frame)
        return frames, frame

    async def until_ack(
        self, ref: str, timeout: float = 15
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.until(lambda f: f["type"] == "ack" and f["ref"] == ref, timeout)

    async def request(
        self, frame: dict[str, Any], timeout: float = 15
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.until_ack(await self.send(frame), timeout)

    async def say(self, content: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.request({"type": "message", "content": content})

    async def click(self, action: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return await self.request({"type": "action", "id": action})

    async def sync(self, after: str | None = None) -> list[dict[str, Any]]:
        """The messages saved after ``after``, as the server's ``sync`` resends them.

        Broadcasts that arrive meanwhile are dropped as a client drops a message it
        already shows; the resent ones come last, in the order they were saved.
        """
        frames, ack = await self.request({"type": "sync", "after": after})
        assert ack["status"] == "ok", ack
        messages: dict[str, dict[str, Any]] = {}
        for frame in frames:
            if frame["type"] == "message":
                messages.pop(frame["id"], None)
                messages[frame["id"]] = frame
        return list(messages.values())


@asynccontextmanager
async def open_tab(
    browser: Browser, conversation: str, server: Daphne | None = None, tasks: bool = False
) -> AsyncIterator[Tab]:
    """A socket of ``browser``'s conversation on ``server`` (or its own), closed afterwards."""
    from websockets.asyncio.client import connect

    async with connect(**browser.socket_args(conversation, server), open_timeout=15) as ws:
        yield Tab(ws, tasks)


def buttons(messages: list[dict[str, Any]]) -> dict[str, str]:
    """Action ids by name, over some message frames (the last one of a name wins)."""
    return {a["name"]: a["id"] for m in messages for a in m["actions"]}
