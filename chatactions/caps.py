"""Caps on open sockets, per conversation and per requester, counted in Django's cache.

A cap of N is N numbered places in the cache; a socket takes a free one with
``cache.add`` (atomic in every backend Django ships), renews it while it is
open and gives it back when it closes. A place is a lease: if its process
dies without giving it back, it lapses after ``3 * SOCKET_CHECK_INTERVAL``
seconds, so a crash cannot fill a cap for ever. As for the budget, a cache
shared by the processes (Redis) makes the caps site-wide, and the default
per-process ``LocMemCache`` makes them caps per process.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache

from .conf import chat_settings

PREFIX = "chatactions:sockets"


def check_interval() -> float:
    """``SOCKET_CHECK_INTERVAL``, but never so short that a socket's checks spin."""
    return max(0.1, float(chat_settings.SOCKET_CHECK_INTERVAL))


def lease_seconds() -> int:
    return math.ceil(3 * check_interval())


@dataclass(slots=True)
class Places:
    """The places one socket holds; empty when no cap applies."""

    holder: str = field(default_factory=lambda: uuid.uuid4().hex)
    keys: list[str] = field(default_factory=list)

    def take(self, scope: str, cap: int) -> bool:
        """Take a free place of the ``cap`` places of ``scope``; false if all are taken."""
        if cap <= 0:
            return True
        keys = [f"{PREFIX}:{scope}:{i}" for i in range(cap)]
        taken = cache.get_many(keys)
        for key in keys:
            if key not in taken and cache.add(key, self.holder, timeout=lease_seconds()):
                self.keys.append(key)
                return True
        return False

    def renew(self) -> None:
        """Keep the places for another lease; one that lapsed meanwhile is taken again."""
        for key in self.keys:
            if not cache.touch(key, timeout=lease_seconds()):
                cache.add(key, self.holder, timeout=lease_seconds())

    def release(self) -> None:
        """Give the places back, except one that lapsed and is now another socket's."""
        mine = [key for key, holder in cache.get_many(self.keys).items() if holder == self.holder]
        cache.delete_many(mine)
        self.keys = []


def take(conversation: uuid.UUID, requester: str) -> Places | None:
    """A place on the conversation and one for the requester, or ``None`` if a cap is full."""
    places = Places()
    if places.take(
        f"conversation:{conversation}", int(chat_settings.MAX_SOCKETS_PER_CONVERSATION)
    ) and places.take(f"requester:{requester}", int(chat_settings.MAX_SOCKETS_PER_REQUESTER)):
        return places
    places.release()
    return None
