"""The core installs without the extras; a part that needs one names it when it is missing.

CI's first-hour step (.ci/first_hour.py) shows the same on a real install of
the wheel without extras; here Python is told the packages are absent.
"""

from __future__ import annotations

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured


@pytest.mark.parametrize("absent", ["rest_framework", "drf_spectacular"])
def test_the_api_without_its_extra_names_the_extra(monkeypatch, absent):
    monkeypatch.setitem(sys.modules, absent, None)  # what an install without [api] sees
    for name in [m for m in sys.modules if m.startswith("chatactions.api")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImproperlyConfigured) as refused:
        importlib.import_module("chatactions.api.urls")
    assert 'pip install "django-chatactions[api]"' in str(refused.value)
    assert absent in str(refused.value)


def test_the_api_with_its_extra_imports():
    assert importlib.import_module("chatactions.api.urls").urlpatterns
