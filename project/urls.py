from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="chatactions:start"), name="home"),
    path("chat/", include("chatactions.urls")),
    path("admin/", admin.site.urls),
]
