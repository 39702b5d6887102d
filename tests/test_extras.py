"""The core installs without the extras; a part that needs one names it when it is missing.

CI's first-hour step (.ci/first_hour.py) shows the same on a real install of
the wheel without extras; here Python is told the packages are absent.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured


@pytest.mark.parametrize("absent", ["rest_framework", "drf_spectacular"])
def test_the_api_without_its_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, absent: str
) -> None:
    monkeypatch.setitem(sys.modules, absent, None)  # what an install without [api] sees
    for name in [m for m in sys.modules if m.startswith("chatactions.api")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImproperlyConfigured) as refused:
        importlib.import_module("chatactions.api.urls")
    assert 'pip install "django-chatactions[api]"' in str(refused.value)
    assert absent in str(refused.value)


@pytest.mark.parametrize(
    ("adapter", "absent", "extra"),
    [("pydantic_ai", "pydantic_ai", "pydantic-ai"), ("langgraph", "langgraph", "langgraph")],
)
def test_an_agent_adapter_without_its_extra_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, adapter: str, absent: str, extra: str
) -> None:
    for name in [m for m in sys.modules if m == absent or m.startswith(f"{absent}.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, absent, None)
    monkeypatch.delitem(sys.modules, f"chatactions.agents.{adapter}", raising=False)
    with pytest.raises(ImproperlyConfigured) as refused:
        importlib.import_module(f"chatactions.agents.{adapter}")
    assert f'pip install "django-chatactions[{extra}]"' in str(refused.value)


def test_the_api_with_its_extra_imports() -> None:
    assert importlib.import_module("chatactions.api.urls").urlpatterns


CORE_ONLY = """
import sys
for name in ("rest_framework", "drf_spectacular", "channels_redis", "whitenoise", "psycopg",
             "pydantic_ai", "langgraph"):
    sys.modules[name] = None  # none of the extras is installed
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["daphne", "django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", "django.contrib.staticfiles", "channels",
                    "chatactions"],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    CHANNEL_LAYERS={"default": {"BACKEND": "chatactions.layers.InMemoryChannelLayer"}},
    STATIC_URL="static/",
)
django.setup()
import chatactions.consumers, chatactions.routing, chatactions.testing, chatactions.views
import chatactions.approval, chatactions.decision, chatactions.agents
print("started")
"""


def test_the_core_starts_without_any_extra(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CORE_ONLY], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "started", done.stderr
