"""One budget per requester: ``RATE_LIMIT`` per ``RATE_LIMIT_PERIOD``, over every door.

A budget that belongs to a connection resets when the client reconnects, and
one that belongs to a door leaves the other doors open. So every socket frame,
no-JavaScript form post and API request of one requester (a user, or an
anonymous visitor's id) draws on one counter in Django's cache framework. With
a cache that several processes share (Redis, Memcached, the database) the
budget is site-wide; with the default per-process ``LocMemCache`` each process
counts on its own.

Counting is in fixed windows: the clock is cut into ``RATE_LIMIT_PERIOD``-long
windows and each holds ``RATE_LIMIT`` requests. A counter expires with its
window, so nothing is left behind by a process that dies.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from asgiref.sync import sync_to_async
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from .conf import chat_settings
from .owners import Requester

T = TypeVar("T")

PREFIX = "chatactions:budget"


@dataclass(frozen=True)
class Spend:
    """The answer of the budget to one request: allowed, or refused until the window ends."""

    allowed: bool
    retry_after: float = 0.0  # seconds until the window ends


def identity(requester: Requester | None, address: str = "") -> str:
    """The name a budget is kept under: the user, the visitor, else the client address."""
    if requester is not None and requester.user_id is not None:
        return f"user-{requester.user_id}"
    if requester is not None:
        return f"visitor-{requester.visitor}"
    return f"addr-{address}"


def window_key(ident: str, now: float | None = None) -> tuple[str, float]:
    """The cache key of the current window of ``ident``, and the seconds left in it."""
    period = float(chat_settings.RATE_LIMIT_PERIOD)
    now = time.time() if now is None else now
    window = math.floor(now / period)
    return f"{PREFIX}:{ident}:{period:g}:{window}", (window + 1) * period - now


def spend(ident: str) -> Spend:
    """Count one request of ``ident``; allowed while the window holds ``RATE_LIMIT`` or fewer.

    A refused request is counted too, so the count says how hard a client pushed.
    """
    limit = int(chat_settings.RATE_LIMIT)
    if limit <= 0:
        return Spend(True)
    key, left = window_key(ident)
    used = count(key, ttl=left + 1)
    return Spend(True) if used <= limit else Spend(False, left)


async def aspend(ident: str) -> Spend:
    """``spend`` for async callers, without a thread hop when the cache is in-process."""
    return await in_cache(spend, ident)


def count(key: str, ttl: float) -> int:
    """Add one to the counter at ``key`` (made with ``ttl`` seconds to live); the new count."""
    try:
        return int(cache.incr(key))
    except ValueError:  # no counter yet (or it just expired): start one
        if cache.add(key, 1, timeout=math.ceil(ttl)):
            return 1
        return int(cache.incr(key))  # another request started it first


async def in_cache(call: Callable[..., T], *args: object) -> T:
    """Run a cache call from async code: at once for an in-process cache, else in a thread.

    A local-memory cache is a dictionary behind a lock, cheaper than any hop;
    a networked one (Redis) must not block the event loop, and needs no
    database, so it takes a thread of its own rather than the database thread.
    """
    if isinstance(caches["default"], LocMemCache | DummyCache):
        return call(*args)
    return await sync_to_async(call, thread_sensitive=False)(*args)
