"""System checks: each deployment mistake is named with its fix; a correct setup is silent."""

from __future__ import annotations

from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import path
from pytest_django.fixtures import Settings

from chatactions import checks
from chatactions.routing import websocket_urlpatterns

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"]},
    }
}
HERE = __name__


async def opaque(scope: Any, receive: Any, send: Any) -> None:
    """An ASGI app the checks cannot see into."""


django_only = get_asgi_application()
no_websocket = ProtocolTypeRouter({"http": opaque})
other_sockets = ProtocolTypeRouter(
    {
        "websocket": AuthMiddlewareStack(
            URLRouter([path("ws/x/", AsyncWebsocketConsumer.as_asgi())])
        )
    }
)
# channels routes ASGI apps through Django's path(), which django-stubs types for views only.
custom_sockets = ProtocolTypeRouter({"websocket": URLRouter([path("ws/x/", opaque)])})  # type: ignore[arg-type]
nested_chat = ProtocolTypeRouter(
    {
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path("ws/x/", AsyncWebsocketConsumer.as_asgi()),
                        path("", URLRouter(websocket_urlpatterns)),
                    ]
                )
            )
        )
    }
)


def ids(messages: list[Any]) -> list[str]:
    return [m.id for m in messages]


@override_settings(CHANNEL_LAYERS={})
def test_no_channel_layer_is_an_error_with_the_setting_to_add() -> None:
    (error,) = checks.check_channel_layer()
    assert error.id == "chatactions.E004"
    assert error.hint is not None
    assert "CHANNEL_LAYERS" in error.msg and "InMemoryChannelLayer" in error.hint


@override_settings(DEBUG=False, CHANNEL_LAYERS=IN_MEMORY)
def test_the_in_memory_layer_without_debug_is_a_warning() -> None:
    (warning,) = checks.check_channel_layer()
    assert warning.id == "chatactions.W003"
    assert warning.hint is not None
    assert "in memory" in warning.msg and "channels_redis" in warning.hint


@pytest.mark.parametrize(
    ("debug", "layers"), [(True, IN_MEMORY), (False, REDIS)], ids=["demo", "production"]
)
def test_a_fitting_channel_layer_is_silent(debug: bool, layers: dict[str, Any]) -> None:
    with override_settings(DEBUG=debug, CHANNEL_LAYERS=layers):
        assert checks.check_channel_layer() == []


def test_daphne_after_staticfiles_is_a_warning(settings: Settings) -> None:
    apps = [a for a in settings.INSTALLED_APPS if a != "daphne"]
    with override_settings(INSTALLED_APPS=[*apps, "daphne"]):
        (warning,) = checks.check_daphne_first()
    assert warning.id == "chatactions.W004"
    assert warning.hint is not None
    assert "before 'django.contrib.staticfiles'" in warning.hint


def test_daphne_before_staticfiles_or_absent_is_silent(settings: Settings) -> None:
    assert checks.check_daphne_first() == []
    with override_settings(INSTALLED_APPS=[a for a in settings.INSTALLED_APPS if a != "daphne"]):
        assert checks.check_daphne_first() == []


@override_settings(ASGI_APPLICATION=None)
def test_a_missing_asgi_application_is_an_error() -> None:
    (error,) = checks.check_asgi_application()
    assert error.hint is not None
    assert error.id == "chatactions.E001" and "ASGI_APPLICATION" in error.hint


@override_settings(ASGI_APPLICATION="project.asgi.nothing_here")
def test_an_asgi_application_that_cannot_be_imported_is_an_error() -> None:
    (error,) = checks.check_asgi_application()
    assert error.id == "chatactions.E002"
    assert "'project.asgi.nothing_here' cannot be imported" in error.msg


@pytest.mark.parametrize("app", ["django_only", "no_websocket", "other_sockets"])
def test_sockets_that_never_reach_the_chat_are_an_error(app: str) -> None:
    with override_settings(ASGI_APPLICATION=f"{HERE}.{app}"):
        (error,) = checks.check_asgi_application()
    assert error.id == "chatactions.E003"
    assert error.hint is not None
    assert "websocket_urlpatterns" in error.hint


@pytest.mark.parametrize("app", ["nested_chat", "custom_sockets"])
def test_chat_routes_found_anywhere_or_routing_it_cannot_see_is_silent(app: str) -> None:
    with override_settings(ASGI_APPLICATION=f"{HERE}.{app}"):
        assert checks.check_asgi_application() == []


@override_settings(DEBUG=False, CHANNEL_LAYERS=REDIS)
def test_the_demo_site_passes_every_chatactions_check() -> None:
    assert ids(run_checks(tags=["chatactions"])) == []
