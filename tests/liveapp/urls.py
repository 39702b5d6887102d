"""The demo site's URLs, ``/live/`` (the "live" app), ``/live-agent/`` and ``/live-graph/``."""

from __future__ import annotations

from django.urls import include, path

from chatactions.views import StartChatView

urlpatterns = [
    path("live/", StartChatView.as_view(app="live"), name="live-start"),
    path("live-agent/", StartChatView.as_view(app="t_agents"), name="live-agent-start"),
    path("live-graph/", StartChatView.as_view(app="t_graphs"), name="live-graph-start"),
    path("", include("project.urls")),
]
