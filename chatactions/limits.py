"""A token bucket per connection: bursts are fine, floods are answered ``rate_limited``."""

from __future__ import annotations

import time
from collections.abc import Callable


class TokenBucket:
    """``capacity`` frames at once, refilled evenly over ``period`` seconds.

    A capacity of 0 means no limit, so benchmarks and load tests can turn it off.
    """

    def __init__(
        self, capacity: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / period if period > 0 else float("inf")
        self.tokens = float(capacity)
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        """Spend one token if there is one; false means the caller is over the limit."""
        if self.capacity <= 0:
            return True
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
