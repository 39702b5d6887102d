from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from chatactions.history_views import HistoryView
from chatactions.views import StartChatView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="chatactions:start"), name="home"),
    path("chat/", include("chatactions.urls")),
    # The demo's second chat app: the Pydantic AI assistant (project/bot/assistant.py).
    path("assistant/", StartChatView.as_view(app="assistant"), name="assistant"),
    path("assistant/history/", HistoryView.as_view(app="assistant"), name="assistant-history"),
    path("api/chat/", include("chatactions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
