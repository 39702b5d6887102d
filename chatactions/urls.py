"""Include with ``path("chat/", include("chatactions.urls"))``."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "chatactions"

urlpatterns = [
    path("", views.StartChatView.as_view(), name="start"),
    path("<uuid:conversation_id>/", views.conversation, name="conversation"),
    path("<uuid:conversation_id>/stop/", views.stop, name="stop"),
    path(
        "<uuid:conversation_id>/actions/<uuid:action_id>/click/",
        views.click,
        name="click",
    ),
    path(
        "<uuid:conversation_id>/actions/<uuid:action_id>/confirm/",
        views.confirm,
        name="confirm",
    ),
]
