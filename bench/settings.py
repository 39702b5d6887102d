"""The demo site plus the benchmark's bot (``/bench/`` starts its conversations)."""

from __future__ import annotations

from project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bot"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
