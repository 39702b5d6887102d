"""The socket's door: origin check and auth in one call, and checks that notice without."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.urls import re_path
from pytest_django.fixtures import Settings

from chatactions.checks import check_websocket_origin
from chatactions.consumers import ChatConsumer
from chatactions.models import Conversation
from chatactions.origins import SiteOriginValidator
from chatactions.routing import websocket_application
from project import asgi

from .conftest import ORIGIN, Socket, Visitor

pytestmark = pytest.mark.django_db(transaction=True)


def comm(
    app: Any, conversation: Conversation, visitor: Visitor, origin: bytes | None = ORIGIN
) -> WebsocketCommunicator:
    headers = [(b"cookie", visitor.cookie), (b"host", b"localhost")]
    if origin is not None:
        headers.append((b"origin", origin))
    return WebsocketCommunicator(app, f"/ws/chat/{conversation.uuid}/", headers=headers)


async def test_helper_refuses_a_foreign_origin(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    connected, _ = await comm(
        websocket_application(), conversation, visitor, b"http://evil.example"
    ).connect()
    assert connected is False


async def test_helper_refuses_a_missing_origin(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    connected, _ = await comm(websocket_application(), conversation, visitor, None).connect()
    assert connected is False


async def test_helper_knows_the_visitor_from_their_session_cookie(visitor: Visitor) -> None:
    conversation = await sync_to_async(visitor.start)()
    socket = Socket(comm(websocket_application(), conversation, visitor))
    await socket.connect()
    _, ack = await socket.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"
    await socket.close()


async def test_helper_serves_a_sites_own_extra_routes_behind_the_same_guard(
    visitor: Visitor,
) -> None:
    conversation = await sync_to_async(visitor.start)()
    route = re_path(r"^ws/mine/(?P<conversation_id>[0-9a-f-]+)/$", ChatConsumer.as_asgi())
    app = websocket_application([route])
    path = f"/ws/mine/{conversation.uuid}/"
    headers = [(b"cookie", visitor.cookie), (b"host", b"localhost")]
    evil = WebsocketCommunicator(
        app, path, headers=[*headers, (b"origin", b"http://evil.example")]
    )
    assert (await evil.connect())[0] is False
    ours = Socket(WebsocketCommunicator(app, path, headers=[*headers, (b"origin", ORIGIN)]))
    await ours.connect()
    _, ack = await ours.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"
    await ours.close()


def test_demo_site_uses_the_helper() -> None:
    assert isinstance(asgi.application.application_mapping["websocket"], SiteOriginValidator)


def test_check_is_quiet_for_the_demo_site() -> None:
    assert check_websocket_origin() == []


def test_check_warns_when_the_websocket_has_no_origin_check(settings: Settings) -> None:
    settings.ASGI_APPLICATION = "tests.asgi_variants.unguarded"
    assert [m.id for m in check_websocket_origin()] == ["chatactions.W001"]


def test_check_warns_when_the_origin_check_allows_everyone(settings: Settings) -> None:
    settings.ASGI_APPLICATION = "tests.asgi_variants.open_to_all"
    assert [m.id for m in check_websocket_origin()] == ["chatactions.W002"]


def test_check_warns_that_channels_own_validator_ignores_scheme_and_port(
    settings: Settings,
) -> None:
    settings.ASGI_APPLICATION = "tests.asgi_variants.host_only"
    (warning,) = check_websocket_origin()
    assert warning.hint is not None
    assert warning.id == "chatactions.W005" and "SiteOriginValidator" in warning.hint


@pytest.mark.parametrize("wildcard", ["*", ".example.com"])
def test_check_warns_when_a_wildcard_host_makes_the_site_origin_uncertain(
    settings: Settings, wildcard: str
) -> None:
    settings.ALLOWED_HOSTS = ["localhost", wildcard]
    (warning,) = check_websocket_origin()
    assert warning.id == "chatactions.W006" and repr(wildcard) in warning.msg


@pytest.mark.parametrize(
    "https", ["SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"]
)
def test_check_warns_when_an_https_site_cannot_see_its_sockets_came_over_tls(
    settings: Settings, https: str
) -> None:
    setattr(settings, https, True)
    (warning,) = check_websocket_origin()
    assert warning.hint is not None
    assert warning.id == "chatactions.W007" and "SECURE_PROXY_SSL_HEADER" in warning.hint


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("SECURE_PROXY_SSL_HEADER", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("CSRF_TRUSTED_ORIGINS", ["https://chat.example.com"]),
    ],
)
def test_check_is_quiet_for_an_https_site_that_says_how_tls_is_seen(
    settings: Settings, setting: str, value: object
) -> None:
    settings.SESSION_COOKIE_SECURE = True
    setattr(settings, setting, value)
    assert check_websocket_origin() == []


@pytest.mark.parametrize("path", ["tests.asgi_variants.bare", "tests.asgi_variants.nowhere", ""])
def test_check_stays_quiet_when_it_cannot_see_the_websocket_route(
    settings: Settings, path: str
) -> None:
    settings.ASGI_APPLICATION = path
    assert check_websocket_origin() == []


def test_check_runs_with_manage_py_check(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.ASGI_APPLICATION = "tests.asgi_variants.unguarded"
    call_command("check", "--tag", "security")
    assert "chatactions.W001" in capsys.readouterr().err
