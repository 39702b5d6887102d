"""Channels' in-memory layer, without a sweep of every queue on every receive.

``channels.layers.InMemoryChannelLayer`` looks through every channel and
every group of the process for expired messages each time any consumer
receives one: a cost that grows with the number of open sockets and is paid
for every frame. Under 50 busy sockets it was about a tenth of the process's
time (docs/benchmarks.md). This layer does that sweep at most once per
``sweep_interval`` seconds; messages still expire after ``expiry`` seconds
(60 by default), give or take that interval. Use it where Channels' own
in-memory layer fits: one process.
"""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):  # type: ignore[misc]  # untyped base
    """Channels' in-memory layer with its expiry sweep at most once a ``sweep_interval``: the
    stock one sweeps on every send, which was most of a busy process's time."""

    def __init__(self, *args: Any, sweep_interval: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_interval = sweep_interval
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_interval
        super()._clean_expired()
