"""Include with ``path("chat/", include("chatactions.urls"))``."""

from __future__ import annotations

from django.urls import path

from . import form_views, history_views, views

app_name = "chatactions"

urlpatterns = [
    path("", views.StartChatView.as_view(), name="start"),
    path("history/", history_views.HistoryView.as_view(), name="history"),
    path("<uuid:conversation_id>/", views.conversation, name="conversation"),
    path("<uuid:conversation_id>/stop/", views.stop, name="stop"),
    path("<uuid:conversation_id>/rename/", history_views.rename, name="rename"),
    path("<uuid:conversation_id>/delete/", history_views.delete, name="delete"),
    path(
        "<uuid:conversation_id>/actions/<uuid:action_id>/click/",
        views.click,
        name="click",
    ),
    path(
        "<uuid:conversation_id>/forms/<uuid:form_id>/submit/",
        form_views.submit,
        name="submit",
    ),
    path(
        "<uuid:conversation_id>/actions/<uuid:action_id>/confirm/",
        views.confirm,
        name="confirm",
    ),
]
