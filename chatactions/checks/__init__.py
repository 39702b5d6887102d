"""System checks for the deployment mistakes that fail quietly or far from their cause.

A chat that works in development can still break in production without a
traceback: an in-memory channel layer splits one conversation across daphne
processes (``check --deploy`` says so), a layer whose package is missing fails
at the first socket, a socket route that never reaches ``ChatConsumer`` just
404s, and a socket route without an origin check (or with Channels' host-only
one) works for a hostile page too. ``manage.py check`` (and ``migrate``,
``runserver``) say so, with the fix. (``daphne`` after ``staticfiles`` is
daphne's own ``daphne.E001``.)

One module per concern: ``settings`` (the ``CHATACTIONS`` dict), ``layers``
(the channel layer), ``asgi`` (socket routing and its origin check) and
``static`` (the chat's static files). Importing this package registers them all.
"""

from __future__ import annotations

from . import asgi, layers, settings, static
from .asgi import check_asgi_application, check_websocket_origin
from .layers import check_channel_layer, check_layer_for_production
from .settings import check_settings
from .static import check_static_files_collected, check_static_files_found

__all__ = [
    "asgi",
    "check_asgi_application",
    "check_channel_layer",
    "check_layer_for_production",
    "check_settings",
    "check_static_files_collected",
    "check_static_files_found",
    "check_websocket_origin",
    "layers",
    "settings",
    "static",
]
