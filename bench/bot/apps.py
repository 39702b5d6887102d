from __future__ import annotations

from django.apps import AppConfig


class BenchBotConfig(AppConfig):
    """The chapter's bot as written (buttons stay after a click), for repeated clicks."""

    name = "bench.bot"
    label = "bench_bot"
