"""The demo site, plus a gallery of buttons and a strict CSP, for the browser tests.

The daphne processes of ``test_browser.py`` run with these settings, so the
chapter's bot answers exactly as on the demo, while the gallery's callbacks
return notices, raise and wait, and every page is served under a
Content-Security-Policy that forbids inline script and style.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from project.settings import *  # noqa: F403
from project.settings import INSTALLED_APPS, MIDDLEWARE

INSTALLED_APPS = [*INSTALLED_APPS, "tests.browser_site"]
MIDDLEWARE = [*MIDDLEWARE, "tests.browser_site.csp.strict_csp"]
ROOT_URLCONF = "tests.browser_site.urls"
# The photos the browser tests upload: not in the checkout's media/.
MEDIA_ROOT = (
    os.environ.get("MEDIA_ROOT") or Path(tempfile.gettempdir()) / "chatactions-browser-media"
)
