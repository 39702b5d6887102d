"""The demo site plus the benchmark's bot (``/bench/`` starts its conversations)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bot"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
# bench/submit_vs_click.py's uploads: not in the checkout's media/.
MEDIA_ROOT = Path(tempfile.gettempdir()) / "chatactions-bench-media"
