"""ASGI entry point: ``daphne project.asgi:application``.

HTTP goes to Django; WebSockets go through the origin check (only the site's
own pages and ``CSRF_TRUSTED_ORIGINS`` may open a socket) and the session/auth
middleware, so the consumer knows who is asking.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from chatactions.routing import websocket_application  # noqa: E402

extra_routes = []
if os.environ.get("CHATACTIONS_BENCH_ECHO"):
    # The benchmark's floor: a bare echo consumer on the same daphne (bench/echo.py).
    from django.urls import path

    from bench.echo import EchoConsumer

    extra_routes = [path("ws/echo/", EchoConsumer.as_asgi())]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": websocket_application(extra_routes),
    }
)
