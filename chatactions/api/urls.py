"""Include with ``path("api/chat/", include("chatactions.api.urls"))``.

Ids are matched as plain strings and parsed by the views, so a malformed id
gets the same JSON 404 as a missing one instead of the site's HTML 404 page.
"""

from __future__ import annotations

from django.urls import path

from . import form_views, views

app_name = "chatactions_api"

urlpatterns = [
    path("conversations/", views.ConversationList.as_view(), name="conversations"),
    path(
        "conversations/<str:conversation_id>/",
        views.ConversationDetail.as_view(),
        name="conversation",
    ),
    path(
        "conversations/<str:conversation_id>/messages/",
        views.MessageList.as_view(),
        name="messages",
    ),
    path(
        "conversations/<str:conversation_id>/stop/",
        views.StopView.as_view(),
        name="stop",
    ),
    path(
        "conversations/<str:conversation_id>/actions/<str:action_id>/click/",
        views.ActionClickView.as_view(),
        name="click",
    ),
    path(
        "conversations/<str:conversation_id>/forms/<str:form_id>/submit/",
        form_views.FormSubmitView.as_view(),
        name="submit",
    ),
]
