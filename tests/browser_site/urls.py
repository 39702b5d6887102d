from __future__ import annotations

from django.urls import path

from project.urls import urlpatterns as demo_urlpatterns

from . import views

urlpatterns = [
    path("gallery/<uuid:conversation_id>/", views.gallery, name="gallery"),
    path("editable/<uuid:conversation_id>/", views.editable, name="editable"),
    path("expiring/<uuid:conversation_id>/", views.expiring, name="expiring"),
    path("embed/<uuid:conversation_id>/", views.embed, name="embed"),
    path("ship-by-socket/<uuid:conversation_id>/", views.ship_by_socket, name="ship_by_socket"),
    *demo_urlpatterns,
]
