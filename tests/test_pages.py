"""The page and the no-JavaScript doors, through Django's test client."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.core.frames import render_message
from chatactions.models import Action, ActionClick, Conversation, Message

from .conftest import Visitor
from .rows import snapshot

pytestmark = pytest.mark.django_db(transaction=True)


def send(
    conversation: Conversation, content: str, actions: Iterable[ca.Action] = ()
) -> ca.Message:
    return async_to_sync(
        ca.Message(content, actions=list(actions), conversation=conversation).send
    )()


def action_ids(html: str) -> list[str]:
    return re.findall(r'data-action-id="([0-9a-f-]+)"', html)


def test_start_creates_a_conversation_greets_and_redirects(visitor: Visitor) -> None:
    response = visitor.client.get("/chat/")
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert conversation.visitor is not None and conversation.user is None
    assert "sessionid" in visitor.client.cookies  # the session was written
    assert list(conversation.messages.values_list("content", flat=True)) == [
        "Hello! I can pretend to delete data. Try typing 'delete my data'."
    ]


GREETING = "Hello! I can pretend to delete data. Try typing 'delete my data'."


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},  # a sibling subdomain is another origin
        {"HTTP_ORIGIN": "http://evil.example", "HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_ORIGIN": "http://evil.example"},
        {"HTTP_ORIGIN": "https://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"},
    ],
    ids=["cross-site", "same-site", "evil-origin", "evil-origin-only", "other-scheme"],
)
def test_a_get_from_another_site_writes_nothing_and_offers_a_start_button(
    headers: dict[str, Any],
) -> None:
    client = Client()
    before = snapshot(), Session.objects.count()
    for _ in range(5):
        response = client.get("/chat/", **headers)
        assert response.status_code == 200
    assert (snapshot(), Session.objects.count()) == before
    html = response.content.decode()
    assert re.search(r'<form class="ca-confirm" method="post" action="/chat/">', html)
    assert 'name="csrfmiddlewaretoken"' in html and ">Start a chat<" in html


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_SEC_FETCH_SITE": "none"},  # typed, bookmarked
        {"HTTP_SEC_FETCH_SITE": "same-origin"},
        {"HTTP_ORIGIN": "http://testserver", "HTTP_SEC_FETCH_SITE": "same-origin"},
    ],
    ids=["no-headers", "none", "same-origin", "own-origin"],
)
def test_a_direct_or_same_origin_visit_still_starts_and_greets(headers: dict[str, Any]) -> None:
    client = Client()
    response = client.get("/chat/", **headers)
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert [m.content for m in conversation.messages.all()] == [GREETING]


def test_a_trusted_origin_counts_as_the_site(settings: Settings) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["https://www.example.com"]
    response = Client().get(
        "/chat/", HTTP_ORIGIN="https://www.example.com", HTTP_SEC_FETCH_SITE="same-site"
    )
    assert response.status_code == 302 and Conversation.objects.count() == 1


def test_the_start_button_posts_with_the_csrf_token_and_greets() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get("/chat/", HTTP_SEC_FETCH_SITE="cross-site")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token is not None and not Conversation.objects.exists()
    response = client.post("/chat/", {"csrfmiddlewaretoken": token[1]})
    conversation = Conversation.objects.get()
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert [m.content for m in conversation.messages.all()] == [GREETING]
    assert client.get(response["Location"]).status_code == 200  # the session owns it


def test_the_start_button_without_the_csrf_token_is_refused_and_writes_nothing() -> None:
    before = snapshot(), Session.objects.count()
    response = Client(enforce_csrf_checks=True).post("/chat/")
    assert response.status_code == 403
    assert (snapshot(), Session.objects.count()) == before


def test_root_redirects_to_the_chat() -> None:
    assert Client().get("/")["Location"] == "/chat/"


def test_page_draws_messages_buttons_and_the_socket_path(visitor: Visitor) -> None:
    conversation = visitor.start()
    send(conversation, "Pick one", [ca.Action("a", "Alpha", tooltip="first"), ca.Action("b")])
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert "Hello! I can pretend" in html and "Pick one" in html
    assert 'title="first"' in html and ">Alpha<" in html and ">b<" in html
    assert f'data-socket="/ws/chat/{conversation.uuid}/?lang=en"' in html
    assert "<script src=" in html and "<script>" not in html  # no inline script


def test_reload_draws_the_same_html_as_the_live_frame(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "Same?", [ca.Action("x", "X", tooltip="t")])
    row = Message.objects.get(uuid=message.id)
    frame = json.loads(render_message(row, list(row.actions.all())))
    page = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    # The page's forms carry the CSRF token; a broadcast has no request to take one from.
    page = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', "", page)
    assert frame["html"].strip() in page


def test_reload_keeps_live_buttons_and_removed_buttons_stay_removed(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "Choose", [ca.Action("keep", "Keep"), ca.Action("drop", "Drop")])
    async_to_sync(message.actions[1].remove)()
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert action_ids(html) == [str(message.actions[0].id)]
    assert ">Drop<" not in html


def test_page_never_contains_a_payload(visitor: Visitor) -> None:
    conversation = visitor.start()
    send(conversation, "x", [ca.Action("p", payload={"secret": "s3cr3t-value"})])
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert "s3cr3t-value" not in html


def test_page_escapes_content_and_labels(visitor: Visitor) -> None:
    conversation = visitor.start()
    send(conversation, "<script>alert(1)</script>", [ca.Action("x", "<b>bold</b>")])
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_another_visitors_page_is_404_like_a_missing_one(visitor: Visitor) -> None:
    conversation = visitor.start()
    stranger = Visitor()
    stranger.start()
    foreign = stranger.client.get(f"/chat/{conversation.uuid}/")
    missing = stranger.client.get("/chat/3f2504e0-4f89-41d3-9a0c-0305e82c3301/")
    assert foreign.status_code == missing.status_code == 404


def test_page_without_a_session_is_404(visitor: Visitor) -> None:
    conversation = visitor.start()
    assert Client().get(f"/chat/{conversation.uuid}/").status_code == 404


def test_message_form_posts_runs_the_bot_and_redirects_back(visitor: Visitor) -> None:
    conversation = visitor.start()
    url = f"/chat/{conversation.uuid}/"
    response = visitor.client.post(url, {"content": "delete my data"})
    assert response.status_code == 302 and response["Location"] == url
    html = visitor.client.get(url).content.decode()
    assert "Are you sure you want to delete your data?" in html
    assert len(action_ids(html)) == 2


def test_empty_message_form_saves_nothing(visitor: Visitor) -> None:
    conversation = visitor.start()
    visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "   "})
    assert conversation.messages.count() == 1


def test_too_long_message_form_saves_nothing_and_says_why(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = visitor.start()
    settings.CHATACTIONS = {"MAX_MESSAGE_LENGTH": 5}
    response = visitor.client.post(
        f"/chat/{conversation.uuid}/", {"content": "far too long"}, follow=True
    )
    assert conversation.messages.count() == 1
    assert "That could not be sent." in response.content.decode()


def test_click_form_runs_the_callback_through_dispatch(visitor: Visitor) -> None:
    conversation = visitor.start()
    visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "delete my data"})
    html = visitor.client.get(f"/chat/{conversation.uuid}/").content.decode()
    cancel = action_ids(html)[1]
    response = visitor.client.post(f"/chat/{conversation.uuid}/actions/{cancel}/click/")
    assert response.status_code == 302
    last = conversation.messages.last()
    assert last is not None
    assert last.content == "Deletion cancelled."
    click = ActionClick.objects.get()
    assert (click.via, click.outcome) == ("form", "ok")


def test_click_form_needs_the_csrf_token(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("cancel_delete")])
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = visitor.client.cookies
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    assert strict.post(url).status_code == 403
    assert not ActionClick.objects.exists()
    page = strict.get(f"/chat/{conversation.uuid}/").content.decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None
    token = found.group(1)
    assert strict.post(url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert ActionClick.objects.get().outcome == "ok"


def test_click_form_on_a_foreign_action_is_404_and_runs_nothing(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("cancel_delete")])
    stranger = Visitor()
    stranger.start()
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    assert stranger.client.post(url).status_code == 404
    assert conversation.messages.count() == 2  # no "Deletion cancelled."
    assert ActionClick.objects.get().outcome == "not_found"


def test_click_form_on_a_removed_action_says_it_is_gone(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("cancel_delete")])
    async_to_sync(message.actions[0].remove)()
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    response = visitor.client.post(url, follow=True)
    assert "That button is no longer available." in response.content.decode()
    assert Action.objects.get().clicks.get().outcome == "gone"


def test_click_form_refuses_get(visitor: Visitor) -> None:
    conversation = visitor.start()
    message = send(conversation, "x", [ca.Action("cancel_delete")])
    url = f"/chat/{conversation.uuid}/actions/{message.actions[0].id}/click/"
    assert visitor.client.get(url).status_code == 405


def test_logged_in_user_owns_their_conversation_and_keeps_it_after_login(visitor: Visitor) -> None:
    conversation = visitor.start()
    user = User.objects.create_user("ada", password="pw")
    visitor.client.force_login(user)
    conversation.refresh_from_db()
    assert conversation.user == user
    assert visitor.client.get(f"/chat/{conversation.uuid}/").status_code == 200
    other = Client()
    other.force_login(user)  # the same user in another browser
    assert other.get(f"/chat/{conversation.uuid}/").status_code == 200


def test_anonymous_visitor_cannot_open_a_users_conversation() -> None:
    user = User.objects.create_user("bob", password="pw")
    client = Client()
    client.force_login(user)
    response = client.get("/chat/")
    conversation = Conversation.objects.get(user=user)
    assert response["Location"] == f"/chat/{conversation.uuid}/"
    assert Client().get(response["Location"]).status_code == 404


def test_without_anonymous_chats_start_sends_visitors_to_log_in(settings: Settings) -> None:
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    response = Client().get("/chat/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_start_view_of_a_misspelt_app_fails_loudly_and_writes_nothing(
    rf: RequestFactory, method: str
) -> None:
    from chatactions.exceptions import NotRegistered
    from chatactions.views import StartChatView

    request = getattr(rf, method)("/support/")
    with pytest.raises(NotRegistered, match="'supprot'"):
        StartChatView.as_view(app="supprot")(request)
    assert not Conversation.objects.exists()
