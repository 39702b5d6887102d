from __future__ import annotations

from django.urls import include, path

from chatactions.views import StartChatView

urlpatterns = [
    path("bench/", StartChatView.as_view(app="bench"), name="bench-start"),
    path("", include("project.urls")),
]
