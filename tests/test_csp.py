"""The chat pages send a strict Content-Security-Policy on Django 5.2 and 6, and refuse framing.

On Django 5.2 the package sends its own policy; on Django 6 the demo's
``SECURE_CSP`` does. Either way a site's own policy wins and the two never
both arrive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import django
import pytest
from asgiref.sync import async_to_sync
from django.http import HttpRequest, HttpResponse
from django.test import Client
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.csp import HEADER, policy, site_has_policy, strict_policy

from .conftest import Visitor

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse
from .test_escaping import inline_code

pytestmark = pytest.mark.django_db(transaction=True)

DJANGO_6 = django.VERSION >= (6, 0)


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def pages(visitor: Visitor) -> dict[str, _MonkeyPatchedWSGIResponse]:
    """Each page of the package: the chat, a confirmation, the history, the cross-site start."""
    conversation = visitor.start()
    message = ca.Message(
        "x", actions=[ca.Action("archive", confirm="Sure?")], conversation=conversation
    )
    async_to_sync(message.send)()
    action = message.actions[0].id
    return {
        "chat": visitor.client.get(f"/chat/{conversation.uuid}/"),
        "confirm": visitor.client.get(f"/chat/{conversation.uuid}/actions/{action}/confirm/"),
        "history": visitor.client.get("/chat/history/"),
        # A visitor with a conversation is sent to it; a first visit gets the page.
        "start": Client().get("/chat/", HTTP_SEC_FETCH_SITE="cross-site"),
    }


def test_every_chat_page_sends_a_strict_policy_and_refuses_framing(visitor: Visitor) -> None:
    for name, response in pages(visitor).items():
        assert response.status_code == 200, name
        policy = directives(response[HEADER])
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
        assert policy["frame-ancestors"] == "'none'"
        assert "unsafe" not in response[HEADER]
        assert response["X-Frame-Options"] == "DENY"
        assert inline_code(response.content.decode()).found == [], name  # nothing to allow


def test_without_a_site_policy_the_packages_own_is_sent_on_either_line(
    visitor: Visitor, settings: Settings
) -> None:
    settings.SECURE_CSP = {}  # Django 6's middleware then sends nothing; 5.2 has no such thing
    for response in pages(visitor).values():
        assert response[HEADER] == policy()


def test_a_site_policy_in_secure_csp_wins(visitor: Visitor, settings: Settings) -> None:
    settings.SECURE_CSP = {"default-src": ["'self'"], "img-src": ["https://cdn.example"]}
    response = pages(visitor)["chat"]
    if DJANGO_6:  # the site's policy, from Django's middleware, and not ours
        assert directives(response[HEADER]) == {
            "default-src": "'self'",
            "img-src": "https://cdn.example",
        }
    else:  # a Django 6 setting on 5.2: the site has said it owns the policy
        assert HEADER not in response


def test_django_csp_middleware_counts_as_the_sites_policy(settings: Settings) -> None:
    settings.SECURE_CSP = {}  # the demo's own, on Django 6
    assert not site_has_policy()
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    assert site_has_policy()


def test_a_report_only_policy_of_the_site_counts_too(settings: Settings) -> None:
    settings.SECURE_CSP = {}
    settings.SECURE_CSP_REPORT_ONLY = {"default-src": ["'self'"]}
    assert site_has_policy()


def test_a_header_the_response_already_has_is_kept(settings: Settings) -> None:
    settings.SECURE_CSP = {}

    @strict_policy
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse()
        response[HEADER] = "default-src https:"
        return response

    assert view(HttpRequest())[HEADER] == "default-src https:"


def test_the_policy_can_be_turned_off(visitor: Visitor, settings: Settings) -> None:
    settings.SECURE_CSP = {}
    settings.CHATACTIONS = {"CONTENT_SECURITY_POLICY": None}
    assert HEADER not in pages(visitor)["chat"]


def test_static_files_on_another_host_are_allowed_for_scripts_and_styles(
    settings: Settings,
) -> None:
    settings.STATIC_URL = "https://cdn.example.com/static/"
    policy_now = directives(policy())
    assert policy_now["script-src"] == "'self' https://cdn.example.com"
    assert policy_now["style-src"] == "'self' https://cdn.example.com"
    assert policy_now["connect-src"] == "'self'"
    settings.CHATACTIONS = {"CONTENT_SECURITY_POLICY": {"default-src": ["'self'"]}}
    assert policy() == "default-src 'self'"  # no script-src or style-src to widen


def test_a_policy_of_the_sites_choosing_replaces_the_strict_one(
    visitor: Visitor, settings: Settings
) -> None:
    settings.SECURE_CSP = {}
    settings.CHATACTIONS = {"CONTENT_SECURITY_POLICY": {"default-src": ["'none'"]}}
    assert pages(visitor)["chat"][HEADER] == "default-src 'none'"
