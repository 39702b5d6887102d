"""``bench.settings`` plus a tracemalloc hook, for ``bench/socket_memory.py`` only.

Each ``SIGUSR1`` writes the live objects' type counts to
``CHATACTIONS_BENCH_SNAPSHOT`` (``.N.types``, N counting up); the first also
starts tracing (tracing from start-up makes daphne too slow to serve), the
later ones write a snapshot of what was allocated since and lives (``.N.snap``).
"""

from __future__ import annotations

import gc
import json
import os
import signal
import tracemalloc
from collections import Counter
from types import FrameType

from bench.settings import *  # noqa: F403

_taken = [0]


def _snapshot(signum: int, frame: FrameType | None) -> None:
    base = os.environ["CHATACTIONS_BENCH_SNAPSHOT"]
    n = _taken[0] = _taken[0] + 1
    gc.collect()
    types = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    if n == 1:
        tracemalloc.start(int(os.environ.get("CHATACTIONS_BENCH_FRAMES", "8")))
    else:
        tracemalloc.take_snapshot().dump(f"{base}.{n}.snap")
    with open(f"{base}.{n}.types", "w") as out:
        json.dump(types, out)


signal.signal(signal.SIGUSR1, _snapshot)
