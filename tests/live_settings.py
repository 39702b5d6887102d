"""The demo site plus ``tests.liveapp``, for real daphne processes under test.

Test-only callbacks live in their own app, installed only here, so the demo
bot and the settings a deployment uses never carry them.
"""

from __future__ import annotations

from project.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.liveapp"]  # noqa: F405
ROOT_URLCONF = "tests.liveapp.urls"
