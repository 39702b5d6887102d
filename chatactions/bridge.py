"""Sync code's way into the channel layer: one event loop per process, kept.

``async_to_sync`` from a thread without an event loop above it (a management
command, a task worker, a thread of the site's own) makes a new event loop for
each call, and ``channels_redis`` keeps its connections per event loop: every
``send_sync()`` opened a Redis connection, sent one frame and closed it, about
a third of the call (docs/benchmarks.md, "Scale on one process"). Here such a
caller's layer sends go to one long-lived loop in a daemon thread of this
process instead, started at the first send, so its connection is opened once.

Only the layer send goes there: the caller's rows are saved in the caller's
own thread and database connection (``database``), as ``database_sync_to_async``
did, so inside ``transaction.atomic`` they are part of the caller's transaction.
A thread that ``sync_to_async`` runs (a plain ``def`` callback, a view under
daphne) has an event loop above it; its sends go there, as ``async_to_sync``
sends them, where the in-memory layer's consumers live too.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from asgiref.sync import SyncToAsync, async_to_sync
from django.db import close_old_connections, connections

from .conf import chat_settings

logger = logging.getLogger(__name__)

T = TypeVar("T")


def in_event_loop() -> bool:
    """True in a thread that runs an event loop: a sync twin there must refuse as before."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@contextmanager
def database() -> Iterator[None]:
    """A sync twin's database work, in this thread, as ``database_sync_to_async`` did it.

    ``close_old_connections`` before and after (a connection past
    ``CONN_MAX_AGE`` or broken is replaced, as between two requests), except
    inside a transaction: there it would close the caller's connection under
    its transaction (``database_sync_to_async`` did, and the call failed).
    """
    tidy = not any(c.in_atomic_block for c in connections.all(initialized_only=True))
    if tidy:
        close_old_connections()
    try:
        yield
    finally:
        if tidy:
            close_old_connections()


@dataclass
class _Loop:
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    pid: int


_lock = threading.Lock()
_current: _Loop | None = None


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
    finally:
        try:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()  # channels_redis closes this loop's connections first


def _loop() -> asyncio.AbstractEventLoop:
    """This process's layer loop, started on first use (and again in a forked child)."""
    global _current
    with _lock:
        current = _current
        if current is None or current.pid != os.getpid() or not current.thread.is_alive():
            loop = asyncio.new_event_loop()
            ready = threading.Event()
            thread = threading.Thread(
                target=_serve, args=(loop, ready), name="chatactions-layer", daemon=True
            )
            thread.start()
            ready.wait()
            current = _current = _Loop(loop, thread, os.getpid())
        return current.loop


def _after_fork() -> None:
    """In a forked child: the parent's loop thread is not there, its lock may be held."""
    global _lock, _current
    _lock = threading.Lock()
    _current = None


os.register_at_fork(after_in_child=_after_fork)


@atexit.register
def stop() -> None:
    """Stop this process's layer loop, closing its connections; at exit, or in a test."""
    global _current
    with _lock:
        current, _current = _current, None
    if current is None or current.pid != os.getpid() or not current.thread.is_alive():
        return
    current.loop.call_soon_threadsafe(current.loop.stop)
    current.thread.join(timeout=chat_settings.LAYER_SEND_TIMEOUT)


def twin(coroutine: Callable[[], Awaitable[T]], here: Callable[[], T], away: bool = False) -> T:
    """A sync twin: ``here`` in this thread and its connection, else ``coroutine``.

    ``coroutine`` goes through ``async_to_sync``: in a thread that runs an
    event loop, that refuses as it always did; with ``away`` (the work lives
    on an event loop, a stream's), it runs there.
    """
    if away or in_event_loop():
        return async_to_sync(coroutine)()
    with database():
        return here()


def _outer_loop() -> asyncio.AbstractEventLoop | None:
    """The loop ``sync_to_async`` runs this thread for, if any, found as ``async_to_sync`` does."""
    local = SyncToAsync.threadlocal
    loop: asyncio.AbstractEventLoop | None = getattr(local, "main_event_loop", None)
    if loop is None or getattr(local, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


def send(send: Callable[[], Awaitable[object]], what: str) -> None:
    """Run a layer send from sync code; wait at most ``LAYER_SEND_TIMEOUT``, never raise.

    ``send`` is the async function to run (``fanout``'s, which logs the layer's
    own failures); ``what`` names it in the log if it takes too long.
    """

    async def sending() -> object:
        return await send()

    if _outer_loop() is not None:
        async_to_sync(sending)()
        return
    future = asyncio.run_coroutine_threadsafe(sending(), _loop())
    timeout = chat_settings.LAYER_SEND_TIMEOUT
    try:
        future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        future.cancel()
        logger.error(
            "chatactions: channel layer send of %s took over %s s, dropped; rows are saved",
            what,
            timeout,
        )
    except Exception:
        logger.exception("chatactions: channel layer send of %s failed; rows are saved", what)
