"""Only the owner may see or act on a conversation; anyone else sees "not found"."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth.models import User
from django.test import Client
from pytest_django.fixtures import Settings

import chatactions as ca
from chatactions.models import ActionClick, Conversation

from .conftest import Chat, Visitor
from .rows import asnapshot, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED_NOT_FOUND = {"type": "websocket.close", "code": 4404}
CLOSED_LOG_IN = {"type": "websocket.close", "code": 4403}


def offer(conversation: Conversation, name: str = "cancel_delete") -> str:
    """A button on ``conversation``; its id, as the page would show it."""
    message = ca.Message("x", actions=[ca.Action(name)], conversation=conversation)
    async_to_sync(message.send)()
    return str(message.actions[0].id)


async def closed_with(visitor: Visitor, conversation: Conversation | str) -> dict[str, Any]:
    socket = visitor.socket(conversation)
    await socket.connect()
    output: dict[str, Any] = await socket.comm.receive_output(1)
    return output


def login(visitor: Visitor, name: str = "ada") -> User:
    user = User.objects.create_user(name, password="pw")
    visitor.client.force_login(user)
    return user


# Strangers ------------------------------------------------------------------------


def test_message_posted_to_another_visitors_conversation_is_404_and_writes_nothing(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    stranger = Visitor()
    stranger.start()
    before = snapshot()
    response = stranger.client.post(f"/chat/{conversation.uuid}/", {"content": "hi"})
    assert response.status_code == 404
    assert snapshot() == before


def test_foreign_page_and_missing_page_are_the_same_404(visitor: Visitor) -> None:
    conversation = visitor.start()
    stranger = Visitor()
    stranger.start()
    foreign = stranger.client.get(f"/chat/{conversation.uuid}/")
    missing = stranger.client.get(f"/chat/{uuid.uuid4()}/")
    assert (foreign.status_code, foreign.content) == (missing.status_code, missing.content)


def test_message_form_without_the_csrf_token_is_refused_and_saves_nothing(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = visitor.client.cookies
    before = snapshot()
    assert strict.post(f"/chat/{conversation.uuid}/", {"content": "hi"}).status_code == 403
    assert snapshot() == before


def test_click_posted_to_a_missing_conversation_is_404_like_a_foreign_one(
    visitor: Visitor,
) -> None:
    conversation = visitor.start()
    action_id = offer(conversation)
    stranger = Visitor()
    stranger.start()
    foreign = stranger.client.post(f"/chat/{conversation.uuid}/actions/{action_id}/click/")
    missing = stranger.client.post(f"/chat/{conversation.uuid}/actions/{uuid.uuid4()}/click/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content


def test_click_posted_without_a_session_is_404_and_runs_nothing(visitor: Visitor) -> None:
    conversation = visitor.start()
    action_id = offer(conversation)
    before = snapshot()
    response = Client().post(f"/chat/{conversation.uuid}/actions/{action_id}/click/")
    assert response.status_code == 404
    assert snapshot() == before


async def test_click_over_the_socket_on_a_foreign_action_answers_like_a_missing_one(
    chat: Chat,
) -> None:
    _, _, socket = chat
    theirs = await sync_to_async(Visitor().start)()
    action_id = await sync_to_async(offer)(theirs)
    before = [m.content async for m in theirs.messages.all()]
    _, foreign = await socket.request({"type": "action", "id": action_id, "ref": "f"})
    _, missing = await socket.request({"type": "action", "id": str(uuid.uuid4()), "ref": "f"})
    assert foreign == missing
    assert [m.content async for m in theirs.messages.all()] == before  # the callback never ran


def test_users_conversation_is_404_for_another_user() -> None:
    owner, other = Visitor(), Visitor()
    owner.client.force_login(User.objects.create_user("ada", password="pw"))
    other.client.force_login(User.objects.create_user("bob", password="pw"))
    conversation = owner.start()
    assert other.client.get(f"/chat/{conversation.uuid}/").status_code == 404


async def test_users_socket_is_closed_not_found_for_another_user() -> None:
    owner, other = Visitor(), Visitor()
    await sync_to_async(login)(owner, "ada")
    await sync_to_async(login)(other, "bob")
    conversation = await sync_to_async(owner.start)()
    assert await closed_with(other, conversation) == CLOSED_NOT_FOUND


async def test_click_on_own_action_through_another_own_conversation_is_not_found(
    visitor: Visitor,
) -> None:
    first = await sync_to_async(visitor.start)()
    second = await sync_to_async(visitor.start)()
    action_id = await sync_to_async(offer)(first)
    socket = visitor.socket(second)
    await socket.connect()
    _, ack = await socket.request({"type": "action", "id": action_id})
    assert ack["status"] == "not_found"
    await socket.close()


# Logging in and out ------------------------------------------------------------------


async def test_visitor_who_logs_in_keeps_their_conversation_over_the_socket(
    visitor: Visitor,
) -> None:
    conversation = await sync_to_async(visitor.start)()
    user = await sync_to_async(login)(visitor)
    socket = visitor.socket(conversation)  # the new session cookie
    await socket.connect()
    frames, ack = await socket.request({"type": "message", "content": "delete my data"})
    assert ack["status"] == "ok"
    _, clicked = await socket.request({"type": "action", "id": frames[-1]["actions"][1]["id"]})
    assert clicked["status"] == "ok"
    click = await ActionClick.objects.aget()
    assert (click.user_id, click.outcome) == (user.pk, "ok")
    await socket.close()


async def test_session_from_before_the_login_no_longer_opens_the_conversation(
    visitor: Visitor,
) -> None:
    conversation = await sync_to_async(visitor.start)()
    old_cookie = visitor.cookie
    await sync_to_async(login)(visitor)
    stale = Visitor()
    stale.client.cookies["sessionid"] = old_cookie.decode().split("=", 1)[1]
    assert await closed_with(stale, conversation) == CLOSED_NOT_FOUND


async def test_socket_opened_before_the_login_can_no_longer_act_until_it_reconnects(
    chat: Chat,
) -> None:
    visitor, conversation, socket = chat
    action_id = await sync_to_async(offer)(conversation)
    await sync_to_async(login)(visitor)
    before = await asnapshot()
    _, message = await socket.request({"type": "message", "content": "still me?"})
    assert message["status"] == "not_found"
    assert await asnapshot() == before
    _, click = await socket.request({"type": "action", "id": action_id})
    assert click["status"] == "not_found"


def test_after_logout_the_browser_no_longer_owns_the_conversation(visitor: Visitor) -> None:
    conversation = visitor.start()
    login(visitor)
    visitor.client.logout()
    assert visitor.client.get(f"/chat/{conversation.uuid}/").status_code == 404


def test_login_gives_only_that_visitors_conversations_to_the_user(visitor: Visitor) -> None:
    mine = visitor.start()
    stranger = Visitor()
    theirs = stranger.start()
    user = login(visitor)
    assert list(Conversation.objects.filter(user=user)) == [mine]
    theirs.refresh_from_db()
    assert theirs.user is None
    assert stranger.client.get(f"/chat/{theirs.uuid}/").status_code == 200


# Sites where only logged-in users may chat -------------------------------------------


async def test_without_anonymous_chats_an_anonymous_socket_is_closed_4403(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = await sync_to_async(visitor.start)()
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    assert await closed_with(visitor, conversation) == CLOSED_LOG_IN


async def test_the_4403_says_nothing_about_whether_the_conversation_exists(
    visitor: Visitor, settings: Settings
) -> None:
    await sync_to_async(visitor.start)()
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    assert await closed_with(visitor, str(uuid.uuid4())) == CLOSED_LOG_IN


async def test_without_anonymous_chats_a_logged_in_socket_works(
    visitor: Visitor, settings: Settings
) -> None:
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    await sync_to_async(login)(visitor)
    conversation = await sync_to_async(visitor.start)()
    socket = visitor.socket(conversation)
    await socket.connect()
    _, ack = await socket.request({"type": "sync", "after": None})
    assert ack["status"] == "ok"
    await socket.close()


def test_without_anonymous_chats_pages_and_forms_send_visitors_to_log_in(
    visitor: Visitor, settings: Settings
) -> None:
    conversation = visitor.start()
    action_id = offer(conversation)
    settings.CHATACTIONS = {"ALLOW_ANONYMOUS": False}
    before = snapshot()
    page = visitor.client.get(f"/chat/{conversation.uuid}/")
    missing = visitor.client.get(f"/chat/{uuid.uuid4()}/")
    posted = visitor.client.post(f"/chat/{conversation.uuid}/", {"content": "hi"})
    clicked = visitor.client.post(f"/chat/{conversation.uuid}/actions/{action_id}/click/")
    asked = visitor.client.get(f"/chat/{conversation.uuid}/actions/{action_id}/confirm/")
    confirmed = visitor.client.post(f"/chat/{conversation.uuid}/actions/{action_id}/confirm/")
    for response in (page, missing, posted, clicked, asked, confirmed):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert clicked["Location"].endswith(f"?next=/chat/{conversation.uuid}/")
    assert snapshot() == before
