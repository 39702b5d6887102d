"""System checks: each deployment mistake is named with its fix; a correct setup is silent."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.core.checks import run_checks
from django.core.management import call_command
from django.test import override_settings
from django.urls import path
from pytest_django.fixtures import Settings

from chatactions import checks
from chatactions.checks import static as static_checks
from chatactions.routing import websocket_urlpatterns

IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
REDIS = {
    "default": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": ["redis://127.0.0.1:6379/0"]},
    }
}
HERE = __name__
# chatactions' checks and daphne's (a staticfiles one); not the model checks, which may
# need the database on Django 6.
OURS = ["chatactions", "staticfiles"]


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
def test_the_in_memory_layer_without_debug_is_a_deploy_warning_only() -> None:
    (warning,) = checks.check_layer_for_production()
    assert warning.id == "chatactions.W003"
    assert warning.hint is not None
    assert "in memory" in warning.msg and "channels_redis" in warning.hint
    assert "chatactions.W003" in ids(run_checks(tags=OURS, include_deployment_checks=True))
    # manage.py test and a single-process site run plain checks: W003 is not among them
    assert "chatactions.W003" not in ids(run_checks(tags=OURS))
    assert checks.check_channel_layer() == []


@pytest.mark.parametrize(
    ("debug", "layers"), [(True, IN_MEMORY), (False, REDIS)], ids=["demo", "production"]
)
def test_a_fitting_channel_layer_is_silent(debug: bool, layers: dict[str, Any]) -> None:
    with override_settings(DEBUG=debug, CHANNEL_LAYERS=layers):
        assert checks.check_channel_layer() == []
        assert checks.check_layer_for_production() == []


def test_a_redis_layer_without_channels_redis_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for module in ("channels_redis", "channels_redis.pubsub"):
        monkeypatch.setitem(sys.modules, module, None)  # what an install without [redis] sees
    with override_settings(CHANNEL_LAYERS=REDIS):
        (error,) = checks.check_channel_layer()
    assert error.id == "chatactions.E007"
    assert "'channels_redis.pubsub.RedisPubSubChannelLayer' cannot be imported" in error.msg
    assert error.hint == 'pip install "django-chatactions[redis]" (channels-redis)'


@override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "mysite.layers.Missing"}})
def test_any_layer_that_cannot_be_imported_is_an_error() -> None:
    (error,) = checks.check_channel_layer()
    assert error.hint is not None
    assert error.id == "chatactions.E007" and "fix the dotted path" in error.hint


def test_daphne_after_staticfiles_is_daphnes_own_error_and_not_repeated(
    settings: Settings,
) -> None:
    apps = [a for a in settings.INSTALLED_APPS if a != "daphne"]
    with override_settings(INSTALLED_APPS=[*apps, "daphne"]):
        found = ids(run_checks(tags=OURS))
    assert found.count("daphne.E001") == 1
    assert [i for i in found if i.startswith("chatactions.")] == []


def test_daphne_before_staticfiles_or_absent_is_silent(settings: Settings) -> None:
    assert "daphne.E001" not in ids(run_checks(tags=OURS))
    with override_settings(INSTALLED_APPS=[a for a in settings.INSTALLED_APPS if a != "daphne"]):
        assert [i for i in ids(run_checks(tags=OURS)) if i.startswith("chatactions.")] == []


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


def test_the_chats_static_files_need_the_staticfiles_app(settings: Settings) -> None:
    apps = [a for a in settings.INSTALLED_APPS if a != "django.contrib.staticfiles"]
    with override_settings(INSTALLED_APPS=apps):
        (warning,) = static_checks.check_static_files_found()
    assert warning.id == "chatactions.W008" and "chat.js" in warning.msg
    assert warning.hint is not None
    assert "'django.contrib.staticfiles'" in warning.hint


@override_settings(STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"])
def test_finders_that_miss_the_apps_files_are_a_warning() -> None:
    (warning,) = static_checks.check_static_files_found()
    assert warning.id == "chatactions.W009"
    assert "chatactions/chat.js, chatactions/chat.css" in warning.msg
    assert warning.hint is not None
    assert "AppDirectoriesFinder" in warning.hint


def test_found_static_files_are_silent() -> None:
    assert static_checks.check_static_files_found() == []


@override_settings(STATIC_ROOT=None)
def test_no_static_root_is_a_deploy_warning() -> None:
    (warning,) = static_checks.check_static_files_collected()
    assert warning.id == "chatactions.W010" and "collectstatic" in warning.msg
    assert warning.hint is not None
    assert "STATIC_ROOT" in warning.hint and "whitenoise" in warning.hint
    assert "chatactions.W010" in ids(run_checks(tags=OURS, include_deployment_checks=True))
    assert "chatactions.W010" not in ids(run_checks(tags=OURS))


def test_a_static_root_collectstatic_has_not_filled_is_a_deploy_warning(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=tmp_path):
        (warning,) = static_checks.check_static_files_collected()
        assert warning.hint is not None
        assert warning.id == "chatactions.W011" and "collectstatic" in warning.hint
        call_command("collectstatic", "--noinput", verbosity=0)
        assert (tmp_path / "chatactions" / "chat.js").is_file()
        assert static_checks.check_static_files_collected() == []
