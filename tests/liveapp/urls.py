"""The demo site's URLs plus ``/live/``, which starts a conversation of the "live" app."""

from __future__ import annotations

from django.urls import include, path

from chatactions.views import StartChatView

urlpatterns = [
    path("live/", StartChatView.as_view(app="live"), name="live-start"),
    path("", include("project.urls")),
]
